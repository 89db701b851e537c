import { allTopics, allValueSchemas, type TopicSpec } from '@cm/schemas';
import type { KafkaAdmin, TopicToCreate } from './kafka/types';
import { RegistryAdmin, type Compatibility } from './schema-registry';
import type { Logger } from './logger';
import { namespaced } from './topic-names';
import { waitFor } from './wait';

/**
 * Every subject evolves so that new readers read every older record AND old readers read every
 * newer record, since producers and consumers of a topic are deployed in no fixed order.
 * BACKWARD_TRANSITIVE alone accepts removing a field, which breaks a consumer that has not been
 * upgraded yet (tests/avro-registry.test.ts shows both on the real registry).
 */
export const SUBJECT_COMPATIBILITY: Compatibility = 'FULL_TRANSITIVE';

export function topicToCreate(spec: TopicSpec, namespace = ''): TopicToCreate {
  return {
    name: namespaced(spec.name, namespace),
    partitions: spec.partitions,
    config: { 'cleanup.policy': spec.cleanupPolicy, 'retention.ms': String(spec.retentionMs) },
  };
}

/** Waits for broker metadata, then creates the missing topics of the topic list (in a namespace, if given). */
export async function provisionTopics(admin: KafkaAdmin, log: Logger, timeoutMs: number, namespace = ''): Promise<void> {
  const cluster = await waitFor('kafka broker metadata', async () => {
    const c = await admin.describeCluster();
    return c.brokers > 0 ? c : undefined;
  }, { timeoutMs, intervalMs: 250 });
  log.info({ brokers: cluster.brokers }, 'kafka answers');
  const created = await admin.ensureTopics(allTopics.map((t) => topicToCreate(t, namespace)));
  const counts = await admin.partitionCounts(allTopics.map((t) => namespaced(t.name, namespace)));
  for (const spec of allTopics) {
    const name = namespaced(spec.name, namespace);
    if (counts[name] !== spec.partitions) {
      throw new Error(`topic ${name} has ${counts[name]} partitions, the topic list says ${spec.partitions}`);
    }
  }
  log.info({ created, existing: allTopics.length - created.length }, 'topics in place');
}

/** Waits for the registry, registers every value schema and sets its compatibility rule. */
export async function provisionSchemas(registryUrl: string, healthUrl: string, log: Logger, timeoutMs: number): Promise<void> {
  await waitFor('schema registry health', async () => (await fetch(healthUrl)).ok, { timeoutMs, intervalMs: 250 });
  const registry = new RegistryAdmin(registryUrl);
  for (const { subject, schema } of allValueSchemas()) {
    const id = await registry.register(subject, schema);
    await registry.setCompatibility(subject, SUBJECT_COMPATIBILITY);
    log.info({ subject, id }, 'schema registered');
  }
}
