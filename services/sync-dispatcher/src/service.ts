import { consumeDecoded, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { dispatcherConfig } from './config';

/**
 * Wiring only: consumes availability.changes and booking.events, decodes, logs, commits. Channel
 * adapters, coalescing, rate limits and retries come with the sync-dispatcher issue.
 */
export const syncDispatcher: ServiceDefinition<typeof dispatcherConfig> = {
  name: 'sync-dispatcher',
  configSchema: dispatcherConfig,
  async start(context) {
    await useRedis(context, context.config.REDIS_URL);
    await consumeDecoded(context, {
      groupId: context.config.CONSUMER_GROUP,
      topics: [context.topics.availabilityChanges, context.topics.bookingEvents],
      writes: [context.topics.syncResults],
      partitionsConsumedConcurrently: 2,
      handle: async (value, record) => {
        context.log.info({ topic: record.topic, partition: record.partition, offset: record.offset, value }, 'change to push received');
      },
    });
  },
};
