import type { Registry } from 'prom-client';
import { kafkaClientImplementation, type KafkaClientImplementation } from '../config';
import type { Logger } from '../logger';
import { fetchRequestsCounter } from '../metrics';
import { createKafkajsClient } from './kafkajs-client';
import { createPlatformaticClient } from './platformatic-client';
import type { KafkaClient } from './types';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** The library underneath; KAFKA_CLIENT when not given, kafkajs when neither is. */
  readonly implementation?: KafkaClientImplementation;
  /** The registry that gets cm_kafka_fetch_requests_total, when given. */
  readonly metrics?: Registry;
}

/** A KafkaClient on the library chosen (issue 22 compares them by measurement). */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const implementation = implementationOf(options.implementation ?? process.env.KAFKA_CLIENT);
  const shared = {
    clientId: options.clientId,
    brokers: options.brokers,
    logger: options.logger,
    ...(options.metrics ? { fetchRequests: fetchRequestsCounter(options.metrics) } : {}),
  };
  switch (implementation) {
    case 'kafkajs':
      return createKafkajsClient(shared);
    case 'platformatic':
      return createPlatformaticClient(shared);
    default: {
      const unknown: never = implementation;
      throw new Error(`unknown Kafka client ${String(unknown)}`);
    }
  }
}

/** The implementation named, or a clear error naming the choices. */
function implementationOf(name: string | undefined): KafkaClientImplementation {
  if (name === undefined || name === '') return 'kafkajs';
  const parsed = kafkaClientImplementation.safeParse(name);
  if (!parsed.success) throw new Error(`KAFKA_CLIENT must be one of ${kafkaClientImplementation.options.join(', ')}; got '${name}'`);
  return parsed.data;
}
