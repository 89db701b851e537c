import { topics } from '@cm/schemas';
import { consumeDecoded, useDatabase, type ServiceDefinition } from '@cm/service-runtime';
import { arbiterConfig } from './config';

/**
 * Wiring only: consumes booking.commands, decodes, logs, commits. The ledger, the decision rules
 * and the outbox come with the booking-arbiter issue.
 */
export const bookingArbiter: ServiceDefinition<typeof arbiterConfig> = {
  name: 'booking-arbiter',
  configSchema: arbiterConfig,
  async start(context) {
    await useDatabase(context, context.config.DATABASE_URL);
    await consumeDecoded(context, {
      groupId: context.config.CONSUMER_GROUP,
      topics: [topics.bookingCommands.name],
      writes: [topics.bookingEvents.name, topics.availabilityChanges.name, topics.conflicts.name],
      handle: async (value, record) => {
        context.log.info({ topic: record.topic, partition: record.partition, offset: record.offset, value }, 'booking command received');
      },
    });
  },
};
