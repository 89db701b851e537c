#!/usr/bin/env node
import { z } from 'zod';
import { commandLine, configHelp, parseCommandLine } from '../command-line';
import { baseConfig, parseConfig } from '../config';
import { ConfigError, describe } from '../errors';
import { createKafkaClient } from '../kafka/client';
import { createLogger } from '../logger';
import { provisionSchemas, provisionTopics } from '../provision';

/** Run by scripts/stack up: topics from the topic list, schemas from packages/schemas/avro. */
const configSchema = baseConfig.omit({ OPS_PORT: true }).extend({
  SCHEMA_REGISTRY_HEALTH_URL: z.url().default('http://127.0.0.1:8081/health/ready'),
  READY_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
});

async function main(): Promise<void> {
  const config = parseConfig('provision', configSchema);
  const log = createLogger('provision', config.LOG_LEVEL);
  const admin = await createKafkaClient({ clientId: 'provision', brokers: config.KAFKA_BROKERS, logger: log }).admin();
  try {
    await provisionTopics(admin, log, config.READY_TIMEOUT_MS);
  } finally {
    await admin.disconnect();
  }
  await provisionSchemas(config.SCHEMA_REGISTRY_URL, config.SCHEMA_REGISTRY_HEALTH_URL, log, config.READY_TIMEOUT_MS);
}

parseCommandLine(commandLine('provision', 'Creates every topic of the topic list that is missing and registers every schema (FULL_TRANSITIVE); run by scripts/stack up and the deployments before the services.').addHelpText('after', configHelp(configSchema)));
main().catch((error: unknown) => {
  process.stderr.write(`provision failed: ${error instanceof ConfigError ? error.message : describe(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
