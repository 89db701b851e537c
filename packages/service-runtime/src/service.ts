import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { commandLine, configHelp, parseCommandLine } from './command-line';
import { parseConfig, type BaseConfig, type Env } from './config';
import { ConfigError, describe } from './errors';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import { startOpsServer, type ReadinessCheck } from './ops-server';
import { startTelemetry } from './telemetry';
import { createKafkaClient } from './kafka/client';
import type { KafkaClient } from './kafka/types';
import { topicNames, type TopicNames } from './topic-names';

export interface ServiceContext<C extends BaseConfig> {
  readonly name: string;
  readonly config: C;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly kafka: KafkaClient;
  /** Every topic's name in this deployment (namespaced when TOPIC_NAMESPACE is set). */
  readonly topics: TopicNames;
  /** /health/ready answers 200 only when every check passes. */
  addReadiness(check: ReadinessCheck): void;
  /** Runs at shutdown, last added first: add a consumer after the producer it writes with. */
  onStop(name: string, stop: () => Promise<void>): void;
}

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  readonly name: string;
  readonly configSchema: S;
  start(context: ServiceContext<z.infer<S>>): Promise<void>;
}

export interface RunningService {
  readonly opsPort: number;
  readonly log: Logger;
  /** Stops taking work, finishes what is in hand, closes everything; rejects past the time limit. */
  stop(): Promise<void>;
}

export async function startService<S extends z.ZodType<BaseConfig>>(
  definition: ServiceDefinition<S>,
  env: Env = process.env,
): Promise<RunningService> {
  const config = parseConfig(definition.name, definition.configSchema, env);
  const log = createLogger(definition.name, config.LOG_LEVEL);
  const telemetry = startTelemetry(definition.name, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const metrics = createMetricsRegistry(definition.name);
  const readiness: ReadinessCheck[] = [];
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  let stopping = false;
  let started = false;
  // Not ready until start() has finished: the checks it adds (database, consumer) do not exist before.
  readiness.push({ name: 'started', check: () => started });
  readiness.push({ name: 'accepting_work', check: () => !stopping });

  const ops = await startOpsServer({ port: config.OPS_PORT, metrics, readiness });
  const context: ServiceContext<z.infer<S>> = {
    name: definition.name,
    config,
    log,
    metrics,
    kafka: createKafkaClient({ clientId: definition.name, brokers: config.KAFKA_BROKERS, logger: log, metrics }),
    topics: topicNames(config.TOPIC_NAMESPACE),
    addReadiness: (check) => readiness.push(check),
    onStop: (name, stop) => stops.push({ name, stop }),
  };

  /** What stopAll is waiting on now: a shutdown that runs out of time says which part held it. */
  let stoppingNow = 'nothing yet';
  const stopAll = async () => {
    stopping = true;
    for (const { name, stop } of [...stops].reverse()) {
      stoppingNow = name;
      try {
        await stop();
      } catch (error) {
        log.error({ err: error }, `stopping ${name} failed`);
      }
    }
    stoppingNow = 'the ops server';
    await ops.close();
    await telemetry.shutdown();
  };

  try {
    await definition.start(context);
    started = true;
  } catch (error) {
    await stopAll();
    throw error;
  }
  log.info({ opsPort: ops.port, tracing: telemetry.enabled }, `${definition.name} started`);

  let stopped: Promise<void> | undefined;
  return {
    opsPort: ops.port,
    log,
    stop: () => {
      stopped ??= withTimeout(stopAll(), config.SHUTDOWN_TIMEOUT_MS, () => `${definition.name} did not stop within ${config.SHUTDOWN_TIMEOUT_MS} ms (still stopping ${stoppingNow})`);
      return stopped;
    },
  };
}

/**
 * The entry point of a service process: starts it, stops it on SIGTERM or SIGINT within the
 * configured limit, and turns a configuration error into a message and exit code 78 (EX_CONFIG).
 * It takes no arguments: `--help` lists its configuration and exits before anything starts.
 */
export function runServiceMain<S extends z.ZodType<BaseConfig>>(definition: ServiceDefinition<S>): void {
  parseCommandLine(serviceCommandLine(definition));
  startService(definition).then(
    (service) => {
      const shutdown = (signal: string) => {
        service.log.info({ signal }, 'stopping');
        service.stop().then(
          () => {
            service.log.info('stopped cleanly');
            exitAfterFlush(service.log, 0);
          },
          (error: unknown) => {
            service.log.error({ err: error }, 'shutdown failed');
            exitAfterFlush(service.log, 1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(78);
      }
      process.stderr.write(`${definition.name} failed to start: ${describe(error)}\n`);
      process.exit(1);
    },
  );
}

/** A service's command line: no arguments, its configuration in the help. */
export function serviceCommandLine<S extends z.ZodType<BaseConfig>>(definition: ServiceDefinition<S>): ReturnType<typeof commandLine> {
  return commandLine(definition.name, `Runs ${definition.name} until SIGTERM or SIGINT, then stops within SHUTDOWN_TIMEOUT_MS. Run its migrate command first.`).addHelpText('after', configHelp(definition.configSchema));
}

/**
 * Exits once the log's last lines are written: stdout may be a pipe whose reader is slow (a
 * supervisor, a test), and lines still buffered when the process exits are lost (seen: a
 * service's 'stopped cleanly' missing under load).
 */
function exitAfterFlush(log: Logger, code: number): void {
  const exit = () => process.exit(code);
  // The flush cannot take longer than the orchestrator's patience: exit regardless after a second.
  setTimeout(exit, 1_000).unref();
  log.flush(exit);
}

/** `message` is read when time runs out, so it can say what was still going on then. */
function withTimeout<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
