import { consumeDecoded, useDatabase, type ServiceDefinition } from '@cm/service-runtime';
import { reconcilerConfig } from './config';

/**
 * Wiring only: consumes sync.results (where corrections will be confirmed), decodes, logs,
 * commits. The schedule, the calendar comparison and corrections come with the reconciler issue.
 */
export const reconciler: ServiceDefinition<typeof reconcilerConfig> = {
  name: 'reconciler',
  configSchema: reconcilerConfig,
  async start(context) {
    await useDatabase(context, context.config.DATABASE_URL);
    await consumeDecoded(context, {
      groupId: context.config.CONSUMER_GROUP,
      topics: [context.topics.syncResults],
      writes: [context.topics.availabilityChanges, context.topics.conflicts],
      handle: async (value, record) => {
        context.log.info({ topic: record.topic, partition: record.partition, offset: record.offset, value }, 'sync result received');
      },
    });
  },
};
