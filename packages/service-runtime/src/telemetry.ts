import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';

export interface Telemetry {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Tracing with W3C context carried in Kafka headers. Off (no SDK, no cost) unless an OTLP/HTTP
 * endpoint is configured.
 */
export function startTelemetry(service: string, otlpEndpoint: string | undefined): Telemetry {
  if (!otlpEndpoint) return { enabled: false, shutdown: async () => undefined };
  const sdk = new NodeSDK({
    serviceName: service,
    traceExporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [new KafkaJsInstrumentation()],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
