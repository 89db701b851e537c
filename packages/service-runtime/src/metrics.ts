export { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop lag histogram samples the loop. prom-client's default, 10 ms, is a
 * timer firing 100 times a second in every process whether or not anything flows: measured, 500
 * of the five idle services' 600-690 wake-ups a second (issue 22.3). A sample a second still
 * catches a loop blocked past its tick, and nodejs_eventloop_lag_seconds measures one on every scrape.
 */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/** A registry per service with Node's default metrics and the service label on everything. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}

/** Records handled by a consumer, by topic and outcome; one counter shared by a service's consumers. */
export function recordsConsumedCounter(registry: Registry): Counter<'topic' | 'outcome'> {
  return sharedCounter(registry, 'cm_records_consumed_total', 'Records taken from Kafka, by topic and outcome (processed, dead_lettered, skipped: undecodable on a topic another service dead-letters).', ['topic', 'outcome']);
}

/** Fetch requests the consumers of a process make, by group: what an idle or a busy consumer costs the brokers. */
export function fetchRequestsCounter(registry: Registry): Counter<'group'> {
  return sharedCounter(registry, 'cm_kafka_fetch_requests_total', 'Fetch requests made by the Kafka consumers, by consumer group.', ['group']);
}

/**
 * Statements sent to PostgreSQL (BEGIN and COMMIT included), by pool: what each booking costs the
 * database is read from it (the sync benchmark divides it by the bookings of a run).
 */
export function databaseStatementsCounter(registry: Registry): Counter<'pool'> {
  return sharedCounter(registry, 'cm_db_statements_total', 'Statements sent to PostgreSQL, BEGIN and COMMIT included, by pool.', ['pool']);
}

/** The registry's counter of that name, made on first use: every part of a process that counts into it shares it. */
function sharedCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
