import type { Knex } from 'knex';
import type { BaseConfig } from '../config';
import type { TopicWriters } from '../consume';
import { partitionCountOf, partitionOfKey } from '../kafka/partition-of-key';
import type { RecordProducer } from '../kafka/types';
import type { Logger } from '../logger';
import type { AvroSerde } from '../schema-registry';
import type { ServiceContext } from '../service';
import { Outbox } from './outbox';
import { PartitionFences } from './partition-fences';

/**
 * The outbox of a service's own schema: `<schema>.outbox`, fenced in `<schema>.partition_fences`,
 * its owners told by NOTIFY on a channel of the schema and deployment (any instance may write).
 */
export function schemaOutbox(
  db: Knex,
  producer: RecordProducer,
  serde: AvroSerde,
  log: Logger,
  options: { readonly schema: string; readonly fences: PartitionFences; readonly namespace: string; readonly batchSize: number; readonly publishLingerMs?: number },
): Outbox {
  return new Outbox(db, producer, serde, log, {
    table: `${options.schema}.outbox`,
    fences: options.fences,
    namespace: options.namespace,
    batchSize: options.batchSize,
    publishLingerMs: options.publishLingerMs,
    idleMs: 200,
    // PostgreSQL cuts channel names at 63 bytes; every instance cuts them alike.
    notifyChannel: `cm_outbox_${options.schema}_${options.namespace}`.slice(0, 63),
  });
}

/**
 * A service's schema outbox, started: its partitions are owned through `ownedBy`, a property-keyed
 * topic the service consumes (every such topic has the same partitions; the consumer's
 * `onAssignment` gives them to `fences.assigned`), and `partitionOf` places a property's records.
 * Added to the stops now, so it stops after what is added later, which hands it records.
 */
export async function startSchemaOutbox(
  context: ServiceContext<BaseConfig>,
  db: Knex,
  writers: TopicWriters,
  options: { readonly schema: string; readonly ownedBy: string; readonly owner: string; readonly batchSize: number; readonly publishLingerMs?: number; readonly placeRowsFromBefore?: boolean },
): Promise<{ readonly outbox: Outbox; readonly fences: PartitionFences; readonly partitionOf: (key: string) => number }> {
  const partitions = await partitionCountOf(context.kafka, options.ownedBy);
  const partitionOf = (key: string) => partitionOfKey(key, partitions);
  const fences = new PartitionFences(db, `${options.schema}.partition_fences`, options.ownedBy, options.owner);
  const outbox = schemaOutbox(db, writers.producer, writers.serde, context.log.child({ component: 'outbox' }), {
    schema: options.schema,
    fences,
    namespace: context.config.TOPIC_NAMESPACE,
    batchSize: options.batchSize,
    publishLingerMs: options.publishLingerMs,
  });
  if (options.placeRowsFromBefore) await outbox.placeUnpartitioned(partitionOf);
  outbox.start();
  context.onStop('outbox relay', () => outbox.stop());
  return { outbox, fences, partitionOf };
}
