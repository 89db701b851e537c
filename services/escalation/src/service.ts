import { consumeDecoded, useDatabase, type ServiceDefinition } from '@cm/service-runtime';
import { escalationConfig } from './config';

/**
 * Wiring only: consumes conflicts and sync.results, decodes, logs, commits. The escalation rules
 * of seed 5.2, review tasks and the review API come with the escalation issue.
 */
export const escalation: ServiceDefinition<typeof escalationConfig> = {
  name: 'escalation',
  configSchema: escalationConfig,
  async start(context) {
    await useDatabase(context, context.config.DATABASE_URL);
    await consumeDecoded(context, {
      groupId: context.config.CONSUMER_GROUP,
      topics: [context.topics.conflicts, context.topics.syncResults],
      handle: async (value, record) => {
        context.log.info({ topic: record.topic, partition: record.partition, offset: record.offset, value }, 'conflict or sync result received');
      },
    });
  },
};
