#!/usr/bin/env node
import fastify from 'fastify';
import { z } from 'zod';
import { baseConfig, createKafkaClient, createLogger, parseConfig } from '@cm/service-runtime';

/**
 * The floor of the webhook path, for the benchmark's ratio: the same HTTP server library and the
 * same Kafka producer, one record produced per request, and nothing of ours in between (no
 * signature, lookup, dedupe, rate limit or validation).
 */
const config = parseConfig(
  'webhook-floor',
  baseConfig.omit({ OPS_PORT: true }).extend({ FLOOR_PORT: z.coerce.number().int(), FLOOR_TOPIC: z.string().min(1) }),
);

async function main(): Promise<void> {
  const kafka = createKafkaClient({ clientId: 'webhook-floor', brokers: config.KAFKA_BROKERS, logger: createLogger('webhook-floor', 'warn') });
  const producer = await kafka.producer();
  const app = fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  let sent = 0;
  app.post('/webhooks/:channel', async (request, reply) => {
    await producer.send(config.FLOOR_TOPIC, [{ key: String(sent++ % 200), value: request.body as Buffer }]);
    return reply.code(202).send('{"status":"accepted"}');
  });
  await app.listen({ port: config.FLOOR_PORT, host: '127.0.0.1' });
  process.stdout.write('floor listening\n');
  process.once('SIGTERM', () => void app.close().then(() => producer.disconnect()).then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`webhook floor failed: ${String(error)}\n`);
  process.exit(1);
});
