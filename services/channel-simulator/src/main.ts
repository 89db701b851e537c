import { commandLine, ConfigError, configHelp, createLogger, describe, parseCommandLine } from '@cm/service-runtime';
import { readSimulatorConfig, SERVICE_NAME, simulatorConfig, type SimulatorConfig } from './config';
import { startSimulator } from './simulator';

/**
 * The simulator as a process: reads its config (exit 78 when it is wrong), serves until SIGTERM
 * or SIGINT, then stops taking calls and exits within SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  let config: SimulatorConfig;
  try {
    config = readSimulatorConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const log = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const simulator = await startSimulator({
    port: config.PORT,
    host: config.HOST,
    ingestUrl: config.INGEST_URL,
    seed: config.SEED,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    webhookRetry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, firstBackoffMs: config.WEBHOOK_FIRST_BACKOFF_MS, timeoutMs: config.WEBHOOK_TIMEOUT_MS },
    reservations: { requestWindowMs: config.REQUEST_WINDOW_MS, redeliveryMs: config.ACK_REDELIVERY_MS, maxRedeliveries: config.ACK_MAX_REDELIVERIES },
    log,
  });
  log.info({ url: simulator.url, ingestUrl: config.INGEST_URL, seed: config.SEED }, `${SERVICE_NAME} started`);

  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping');
    const limit = setTimeout(() => {
      log.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'did not stop in time');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    limit.unref();
    simulator.close().then(
      () => {
        log.info({}, 'stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

parseCommandLine(commandLine(SERVICE_NAME, 'Stands in for the booking platforms (ARI APIs, webhooks, iCal feeds) until SIGTERM or SIGINT.').addHelpText('after', configHelp(simulatorConfig)));
main().catch((error: unknown) => {
  process.stderr.write(`${SERVICE_NAME} failed to start: ${describe(error)}\n`);
  process.exit(1);
});
