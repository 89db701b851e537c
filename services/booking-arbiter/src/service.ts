import { ReferenceRates, startReferenceRateLookup } from '@cm/exchange-rates';
import { topics } from '@cm/schemas';
import { assertMigrated, consumeDecoded, openTopics, Outbox, PartitionFences, partitionCountOf, partitionOfKey, useDatabase, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { Arbiter } from './arbiter';
import { arbiterConfig } from './config';
import { arbiterMigrations } from './ledger/migrations';
import { LEDGER_PLANNING } from './ledger/store';
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
      planning: LEDGER_PLANNING,
    });
    await assertMigrated(db, arbiterMigrations, 'the ledger database', 'node services/booking-arbiter/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    // Exchange rates for prices in another currency: the newest per currency, in memory, read now and on an interval.
    const rates = await startReferenceRateLookup(context, db, config);
    // The outbox publishes on a small pool of its own, so a slow send never waits for, or holds, the deciders' connections.
    const relayDb = await useDatabase(context, config.DATABASE_URL, { pool: { min: 0, max: 2 } }, 'postgres:outbox-relay');
    const redis = await useRedis(context, config.REDIS_URL);
    const writers = await openTopics(context, { reads: [topics.bookingCommands], writes: [topics.bookingEvents, topics.availabilityChanges, topics.reservationActions, topics.conflicts] });
    const fences = new PartitionFences(db, 'partition_fences', context.topics.bookingCommands, config.INSTANCE_ID);
    const outbox = new Outbox(relayDb, writers.producer, writers.serde, context.log.child({ component: 'outbox' }), { table: 'outbox', fences, namespace: config.TOPIC_NAMESPACE, batchSize: config.OUTBOX_BATCH, idleMs: 200 });
    const arbiter = new Arbiter({
      db,
      fences,
      metrics: createArbiterMetrics(context.metrics, () => outbox.backlog()),
      deadLetters: writers.deadLetters,
      log: context.log.child({ component: 'arbiter' }),
      instanceId: config.INSTANCE_ID,
      rates,
      replies: redis,
      outbox,
    });
    const partitions = await partitionCountOf(context.kafka, context.topics.bookingCommands);
    await outbox.placeUnpartitioned((key) => partitionOfKey(key, partitions));
    outbox.start();
    context.onStop('outbox relay', () => outbox.stop());

    await consumeDecoded(context, writers, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.bookingCommands],
      partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENTLY,
      onAssignment: (assigned) => fences.assigned(assigned.get(context.topics.bookingCommands) ?? []),
      chunkSize: config.DECISION_CHUNK,
      handleChunk: (items) => arbiter.handleChunk(items),
    });
  },
};
