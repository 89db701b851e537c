import { noRates } from '@cm/domain';
import { topics } from '@cm/schemas';
import { assertMigrated, consumeDecoded, useDatabase, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { Arbiter } from './arbiter';
import { arbiterConfig } from './config';
import { PartitionFences } from './ledger/fences';
import { ledgerMigrations } from './ledger/migrations';
import { OutboxRelay } from './ledger/outbox';
import { createArbiterMetrics } from './metrics';

/**
 * The single writer of each property's ledger: consumes booking.commands in partition order,
 * decides each command with packages/domain in one PostgreSQL transaction, and publishes the
 * decision's records from the outbox.
 */
export const bookingArbiter: ServiceDefinition<typeof arbiterConfig> = {
  name: 'booking-arbiter',
  configSchema: arbiterConfig,
  async start(context) {
    const { config } = context;
    const db = await useDatabase(context, config.DATABASE_URL, {
      pool: { min: 1, max: config.DATABASE_POOL_MAX },
      idleInTransactionTimeoutMs: config.IDLE_IN_TRANSACTION_TIMEOUT_MS,
    });
    await assertMigrated(db, ledgerMigrations, 'the ledger database', 'node services/booking-arbiter/dist/cli/migrate.js');
    // The relay holds a transaction across a Kafka send, which may legitimately take longer than
    // the idle-in-transaction limit the deciders run under: it gets its own small pool without it.
    const relayDb = await useDatabase(context, config.DATABASE_URL, { pool: { min: 0, max: 2 } }, 'postgres:outbox-relay');
    const redis = await useRedis(context, config.REDIS_URL);
    let relay: OutboxRelay | undefined;
    // New owners' fence bumps hold the relay to sweeping until they are done (see OutboxRelay).
    const fences = new PartitionFences(db, context.topics.bookingCommands, config.INSTANCE_ID, (bumps) => relay?.partitionsMoved(bumps));
    let arbiter: Arbiter | undefined;

    await consumeDecoded(context, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.bookingCommands],
      writes: [topics.bookingEvents, topics.availabilityChanges, topics.reservationActions, topics.conflicts],
      partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENTLY,
      async prepare({ serde, producer, deadLetters }) {
        relay = new OutboxRelay(relayDb, producer, serde, context.log.child({ component: 'outbox' }), { batchSize: config.OUTBOX_BATCH, idleMs: 200, namespace: config.TOPIC_NAMESPACE });
        const metrics = createArbiterMetrics(context.metrics, () => relay!.backlog());
        arbiter = new Arbiter({
          db,
          fences,
          metrics,
          deadLetters,
          log: context.log.child({ component: 'arbiter' }),
          instanceId: config.INSTANCE_ID,
          rates: noRates,
          replies: redis,
          committed: (records) => relay!.committed(records),
          inDoubt: () => relay!.sweepFirst(),
        });
        relay.start();
        context.onStop('outbox relay', () => relay!.stop());
      },
      onAssignment: (assigned) => fences.assigned(assigned.get(context.topics.bookingCommands) ?? []),
      chunkSize: config.DECISION_CHUNK,
      handleChunk: (items) => arbiter!.handleChunk(items),
    });
  },
};
