export { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** A registry per service with Node's default metrics and the service label on everything. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Records handled by a consumer, by topic and outcome. */
export function recordsConsumedCounter(registry: Registry) {
  return new Counter({
    name: 'cm_records_consumed_total',
    help: 'Records taken from Kafka, by topic and outcome (processed, dead_lettered).',
    labelNames: ['topic', 'outcome'] as const,
    registers: [registry],
  });
}
