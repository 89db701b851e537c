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
  // Required here, not imported: loading the SDK and its exporters was 0.17 s of the
  // dispatcher's 0.96 s of loading modules, paid by every start (and every restart a failover
  // waits for) with tracing off.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
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
