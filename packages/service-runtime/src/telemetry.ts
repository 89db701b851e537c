import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** Probes and scrapes are not traced: they would drown the traces of the work. */
const UNTRACED_PATHS = /^\/(health|metrics)/;

export interface Telemetry {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Tracing with W3C context carried in HTTP and Kafka headers: an incoming request (a webhook, a
 * PMS call) starts or continues a trace, a Kafka send carries it to the consumer, and an outgoing
 * call (a push to a channel) continues it. Off (no SDK, no cost) unless an OTLP/HTTP endpoint is
 * configured.
 */
export function startTelemetry(service: string, otlpEndpoint: string | undefined): Telemetry {
  if (!otlpEndpoint) return { enabled: false, shutdown: async () => undefined };
  const sdk = new NodeSDK({
    serviceName: service,
    traceExporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? '') }),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  // The HTTP instrumentation patches the module when it is next required; the service's modules
  // required it before tracing started, so require it again now (servers are patched through
  // their prototype, so servers created before and after are both traced).
  require('node:http');
  require('http');
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
