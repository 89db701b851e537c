import { createServer, type Server } from 'node:http';
import { waitFor } from '@cm/service-runtime';
import { requireOk, SimulatorClient, startSimulator, type RunningSimulator } from '@cm/channel-simulator';
import { freePort } from '@cm/test-harness';
import { ingestWorld, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';
import { CHANNELS, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
}

/** OTLP/HTTP JSON as the exporter posts it, flattened to spans with their service's name. */
function spansOf(body: string): ExportedSpan[] {
  const value = (v: Record<string, unknown>) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  const parsed = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: Record<string, unknown> }[] }; scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: { key: string; value: Record<string, unknown> }[] }[] }[] }[] };
  return parsed.resourceSpans.flatMap((r) => {
    const service = String(value(r.resource.attributes.find((a) => a.key === 'service.name')!.value));
    return r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, value(a.value)])) })));
  });
}

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;

/**
 * W3C trace context from a channel's webhook to every push: ingest's request span, its Kafka
 * send, the arbiter's publication of the decision (its outbox keeps the command's trace), and
 * the dispatcher's calls to the other channels (each night keeps its change's trace) form one
 * trace.
 */
describe('tracing: one booking, one trace', () => {
  let collector: Server;
  const spans: ExportedSpan[] = [];
  let world: IngestWorld;
  let simulator: RunningSimulator;
  let client: SimulatorClient;
  let tenant: Pipeline['tenant'];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/v1/traces') spans.push(...spansOf(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as { port: number }).port}`, OTEL_BSP_SCHEDULE_DELAY: '100' };
    world = await ingestWorld();
    const ingest = await world.startIngest(traced);
    simulator = await startSimulator({ ingestUrl: ingest.url, webhookRetry: { firstBackoffMs: 50, maxBackoffMs: 500 } });
    client = new SimulatorClient(simulator.url);
    tenant = world.tenants[0];
    for (const channel of CHANNELS) {
      const { connectionId, secret, listingId } = tenant.connections[channel];
      requireOk(await client.registerListing(channel, listingId, { connection_id: connectionId, secret, currency: 'EUR', time_zone: tenant.timeZone }));
    }
    await world.startArbiter(traced);
    await world.startDispatcher({ ...traced, CHANNEL_API_BASE_URL: `${simulator.url}/{channel}/api`, FEED_PORT: String(await freePort()) });
  });
  afterAll(async () => {
    await simulator?.close();
    await world?.close();
    await new Promise((resolve) => collector.close(resolve));
  });

  it('the webhook, its command, the decision and the three pushes share one trace', async () => {
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-03-10', check_out: '2027-03-12' }));
    const others = (['BOOKING_COM', 'VRBO', 'EXPEDIA'] as const).map((c) => tenant.connections[c].listingId);
    let trace: ExportedSpan[] = [];
    await waitFor('the spans of the booking, from the webhook to the three pushes', () => {
      const webhook = spans.find((s) => s.service === 'ingest' && s.kind === SERVER && String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? '').includes('/webhooks/airbnb'));
      if (!webhook) return false;
      trace = spans.filter((s) => s.traceId === webhook.traceId);
      const pushes = trace.filter((s) => s.service === 'sync-dispatcher' && s.kind === CLIENT);
      return others.every((listing) => pushes.some((p) => String(p.attributes['url.full'] ?? p.attributes['url.path'] ?? '').includes(listing)));
    }, { timeoutMs: 60_000, intervalMs: 200 });

    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(['booking-arbiter', 'ingest', 'sync-dispatcher']);
    expect(trace.filter((s) => s.service === 'ingest' && s.kind === PRODUCER).length).toBeGreaterThanOrEqual(1);
    expect(trace.filter((s) => s.service === 'booking-arbiter' && s.kind === PRODUCER).length).toBeGreaterThanOrEqual(1);
    // One root: the webhook's request; every other span has its parent in the trace.
    const ids = new Set(trace.map((s) => s.spanId));
    const roots = trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    expect(roots.map((s) => [s.service, s.kind])).toEqual([['ingest', SERVER]]);
  });
});
