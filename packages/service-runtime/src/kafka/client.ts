import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import { fetchRequestsCounter } from '../metrics';
import { createPlatformaticClient } from './platformatic-client';
import type { KafkaClient } from './types';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** The registry that gets cm_kafka_fetch_requests_total, when given. */
  readonly metrics?: Registry;
}

/**
 * A KafkaClient on @platformatic/kafka, chosen by measurement (issue 22): with static membership
 * a killed and restarted instance resumes in seconds without rebalancing the others.
 */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  return createPlatformaticClient({
    clientId: options.clientId,
    brokers: options.brokers,
    logger: options.logger,
    ...(options.metrics ? { fetchRequests: fetchRequestsCounter(options.metrics) } : {}),
  });
}
