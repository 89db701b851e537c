import { consumeDecoded, type ServiceDefinition } from '@cm/service-runtime';
import { ingestConfig } from './config';

/**
 * Wiring only: consumes channel.inbound, decodes, logs, commits. Validation, listing mapping and
 * the commands it will write come with the ingest issue.
 */
export const ingest: ServiceDefinition<typeof ingestConfig> = {
  name: 'ingest',
  configSchema: ingestConfig,
  async start(context) {
    await consumeDecoded(context, {
      groupId: context.config.CONSUMER_GROUP,
      topics: [context.topics.channelInbound],
      writes: [context.topics.bookingCommands],
      handle: async (value, record) => {
        context.log.info({ topic: record.topic, partition: record.partition, offset: record.offset, value }, 'channel event received');
      },
    });
  },
};
