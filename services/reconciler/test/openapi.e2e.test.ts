import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelConnections, directoryConnections, listingTimeZones } from '@cm/channel-adapters';
import { requireOk } from '@cm/channel-simulator';
import { noRates } from '@cm/domain';
import { RatesStore } from '@cm/rates';
import { AvroSerde, closingErrorSchema, createRedis, PartitionFences, problemSchema, Registry, schemaOutbox, TokenBuckets, waitFor, type Redis, type RecordProducer } from '@cm/service-runtime';
import { documentedRoutes, freePort, openApiValidation, registeredRoutes, stack, testKafka, testKeyRing, testLogger } from '@cm/test-harness';
import { startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { expectDocumentedAnswer, expectEveryStatusReached, expectExamplesFit } from '@cm/test-harness/worlds/openapi-answers';
import type { z } from 'zod';
import { CorrectionsOutbox } from '../src/corrections-outbox';
import { passesApi, tenantCallerOf } from '../src/http';
import { reconcilerMetrics } from '../src/metrics';
import { passListingsAnswer, passStartedAnswer, passSummaryAnswer, propertyDriftAnswer, reconciliationHealthAnswer } from '../src/openapi/answers';
import { reconciliationApiDocument } from '../src/openapi/document';
import { RECONCILIATION_EXAMPLES } from '../src/openapi/examples';
import { Reconciliation } from '../src/pass';
import { DriftReads } from '../src/store/drift-reads';
import { PassStore } from '../src/store/pass-store';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** The schema each route's success is read with. */
const SUCCESS: Record<string, z.ZodType> = {
  'POST /v1/reconciliations': passStartedAnswer,
  'GET /v1/reconciliations/{id}': passSummaryAnswer,
  'GET /v1/reconciliations/{id}/listings': passListingsAnswer,
  'GET /v1/properties/{propertyId}/drift': propertyDriftAnswer,
  'GET /v1/reconciliation-health': reconciliationHealthAnswer,
};

/**
 * Issue 23.9: the reconciliation API's OpenAPI document is the one checked in, valid OpenAPI 3.1,
 * lists exactly the routes the app registers, and every answer a running reconciler gives (each
 * status its handlers can reach from outside: 200, 202, 400, 401, 404, 413, 415, 429) is
 * documented for its route, with its headers and a body its schema accepts; and each status
 * documented is met. A 500 needs PostgreSQL to fail and a 503 a server closing; both are
 * documented on every route, not driven.
 */
describe('reconciler: the OpenAPI document', () => {
  const DOCUMENT_FILE = join(__dirname, '..', 'openapi.json');
  const document = reconciliationApiDocument() as Parameters<typeof documentedRoutes>[0];
  let pipeline: Pipeline;
  let redis: Redis;
  const kafka = testKafka('reconcile-openapi-tests');
  let producer: RecordProducer;
  const urls = { fast: '', slow: '' };

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '100000' });
    redis = createRedis(stack.REDIS_URL);
    producer = await kafka.producer();
    const env = { CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0', CHANNEL_READS_PER_MINUTE: '100000' };
    for (const [name, rate] of [['fast', '1000'], ['slow', '1']] as const) {
      const port = await freePort();
      await pipeline.world.startReconciler({ ...env, API_RATE_PER_SECOND: rate, HTTP_PORT: String(port) });
      urls[name] = `http://127.0.0.1:${port}`;
    }
  });
  afterAll(async () => {
    await producer?.disconnect();
    redis?.disconnect();
    await pipeline?.close();
  });

  async function call(url: string, method: string, path: string, options: { key?: string | null; body?: string; contentType?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.key !== null) headers.authorization = `Bearer ${options.key ?? pipeline.world.tenants[0].apiKey}`;
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  /** An answer of the service, held to the document: its status listed for the route, the headers listed with it, its body of the schema listed. */
  const expectDocumented = (route: string, answer: Answer) =>
    expectDocumentedAnswer(document, route, answer, (status) => (status < 300 ? SUCCESS[route]! : status === 503 ? closingErrorSchema : problemSchema));

  it('is the one checked in, and valid OpenAPI 3.1', () => {
    expect(JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8'))).toEqual(document);
    expect(openApiValidation(DOCUMENT_FILE)).toEqual({ valid: true });
  });

  it('documents exactly the routes the app registers', async () => {
    const { world, simulator } = pipeline;
    const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [world.topics.availabilityChanges, world.topics.rateChanges, world.topics.conflicts], world.namespace);
    const passes = new PassStore(world.db);
    // Wired as the service wires it; the outbox is never started: no request is made here.
    const outbox = schemaOutbox(world.db, producer, serde, testLogger, { schema: 'reconcile', fences: new PartitionFences(world.db, 'reconcile.partition_fences', world.topics.syncResults, 'openapi-test'), namespace: world.namespace, batchSize: 100 });
    const reconciliation = new Reconciliation(
      {
        db: world.db,
        passes,
        adapters: new ChannelConnections({ apiBaseUrl: `${simulator.url}/{channel}/api`, icalChannels: [], icalImportUrlTemplate: undefined, timeoutMs: 10_000, timeZoneOf: listingTimeZones(world.db, 60_000), directory: directoryConnections(world.db, testKeyRing), cacheMs: 60_000 }),
        rates: new RatesStore(world.db),
        fx: noRates,
        buckets: new TokenBuckets(redis),
        metrics: reconcilerMetrics(new Registry()),
        log: testLogger,
        now: Date.now,
        corrections: new CorrectionsOutbox(world.db, outbox, () => 0, () => undefined),
      },
      { windowDays: 90, readConcurrency: 4, readsPerMinute: 100_000, batchProperties: 100, renewEveryMs: 10_000 },
    );
    const deps = { reconciliation, passes, drift: new DriftReads(world.db), db: world.db, log: testLogger, track: () => undefined, buckets: new TokenBuckets(redis), ratePerSecond: 10, now: Date.now };
    const app = passesApi(deps, tenantCallerOf(deps));
    await app.ready();
    expect(registeredRoutes(app)).toEqual(documentedRoutes(document));
    await app.close();
  });

  it('every example is of the schema it illustrates', () => {
    expectExamplesFit(RECONCILIATION_EXAMPLES);
  });

  it("the service's answers, success and refusal, are each documented for their route", async () => {
    const [a, b] = pipeline.world.tenants;
    const start = (body: string, options: { key?: string | null; contentType?: string } = {}) => call(urls.fast, 'POST', '/v1/reconciliations', { body, ...options });
    const answers: [string, Answer][] = [];
    // Airbnb answers slowly, so the pass is still running when the same scope is asked for again.
    requireOk(await pipeline.client.setFaults('AIRBNB', { latency: { fixed_ms: 1_500 } }));
    let passId: string;
    try {
      const started = await start(JSON.stringify({ property_id: a.propertyId }));
      passId = (started.body as { pass_id: string }).pass_id;
      answers.push(['POST /v1/reconciliations', started], ['POST /v1/reconciliations', await start(JSON.stringify({ property_id: a.propertyId }))]);
    } finally {
      requireOk(await pipeline.client.clearFaults('AIRBNB'));
    }
    await waitFor('the pass to finish', async () => ((await call(urls.fast, 'GET', `/v1/reconciliations/${passId}`)).body as { status: string }).status !== 'running', { timeoutMs: 60_000, intervalMs: 200 });
    answers.push(
      ['POST /v1/reconciliations', await start(JSON.stringify({ property_id: b.propertyId }))],
      ['POST /v1/reconciliations', await start(JSON.stringify({ property_id: 7 }))],
      ['POST /v1/reconciliations', await start('{"property_id":')],
      ['POST /v1/reconciliations', await start('{}', { key: null })],
      ['POST /v1/reconciliations', await start('{}', { key: 'cm_not_a_key' })],
      ['POST /v1/reconciliations', await start(JSON.stringify({ property_id: 'x'.repeat(20_000) }))],
      ['POST /v1/reconciliations', await start('property_id=x', { contentType: 'application/x-www-form-urlencoded' })],
      ['GET /v1/reconciliations/{id}', await call(urls.fast, 'GET', `/v1/reconciliations/${passId}`)],
      ['GET /v1/reconciliations/{id}', await call(urls.fast, 'GET', '/v1/reconciliations/not-a-uuid')],
      ['GET /v1/reconciliations/{id}', await call(urls.fast, 'GET', `/v1/reconciliations/${passId}`, { key: b.apiKey })],
      ['GET /v1/reconciliations/{id}', await call(urls.fast, 'GET', `/v1/reconciliations/${passId}`, { key: null })],
      ['GET /v1/reconciliations/{id}/listings', await call(urls.fast, 'GET', `/v1/reconciliations/${passId}/listings`)],
      ['GET /v1/reconciliations/{id}/listings', await call(urls.fast, 'GET', '/v1/reconciliations/not-a-uuid/listings')],
      ['GET /v1/reconciliations/{id}/listings', await call(urls.fast, 'GET', `/v1/reconciliations/${randomUUID()}/listings`)],
      ['GET /v1/properties/{propertyId}/drift', await call(urls.fast, 'GET', `/v1/properties/${a.propertyId}/drift?from=2027-01-01&to=2027-02-01`)],
      ['GET /v1/properties/{propertyId}/drift', await call(urls.fast, 'GET', `/v1/properties/${a.propertyId}/drift?from=2027-01-01&to=2027-06-01`)],
      ['GET /v1/properties/{propertyId}/drift', await call(urls.fast, 'GET', `/v1/properties/${b.propertyId}/drift?from=2027-01-01&to=2027-02-01`)],
      ['GET /v1/reconciliation-health', await call(urls.fast, 'GET', '/v1/reconciliation-health')],
      ['GET /v1/reconciliation-health', await call(urls.fast, 'GET', `/v1/reconciliation-health?property_id=${a.propertyId}&days=30`)],
      ['GET /v1/reconciliation-health', await call(urls.fast, 'GET', '/v1/reconciliation-health?days=0')],
      ['GET /v1/reconciliation-health', await call(urls.fast, 'GET', `/v1/reconciliation-health?property_id=${b.propertyId}`)],
    );
    // Every route: refused without a key, and over the rate on the reconciler held to one request
    // a second (bursts of two: the second tenant spends them first).
    const concrete = (route: string) => route.replace('{id}', passId).replace('{propertyId}', a.propertyId).split(' ') as [string, string];
    for (const route of documentedRoutes(document)) {
      const [method, path] = concrete(route);
      answers.push([route, await call(urls.fast, method, path, { key: null, ...(method === 'POST' ? { body: '{}' } : {}) })]);
    }
    for (let i = 0; i < 2; i++) await call(urls.slow, 'GET', `/v1/reconciliations/${passId}`, { key: b.apiKey });
    for (const route of documentedRoutes(document)) {
      const [method, path] = concrete(route);
      answers.push([route, await call(urls.slow, method, path, { key: b.apiKey, ...(method === 'POST' ? { body: '{}' } : {}) })]);
    }

    for (const [route, answer] of answers) expectDocumented(route, answer);
    // Every status documented was answered, but 500 and 503 (PostgreSQL failing, the server
    // closing): none is documented that a caller cannot meet.
    expectEveryStatusReached(document, answers);
  });
});
