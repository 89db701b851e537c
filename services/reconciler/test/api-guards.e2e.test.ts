import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { freePort } from '@cm/test-harness';
import type { TestTenant } from '@cm/test-harness/worlds/ingest-world';
import { startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { scopeKey } from '../src/pass-scope';
import type { PassListingRow, PassSummary } from '../src/store/pass-store';

const RECONCILE_CLI = join(__dirname, '..', 'dist', 'cli', 'reconcile.js');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/**
 * The reconciler's endpoint is a tenant's, like the review API (issue 16.4): a key names the
 * tenant, a tenant reconciles and reads only its own properties and passes (another's answer 404
 * as missing ones do), one pass runs per scope at a time across instances, and each tenant is
 * held to its rate. The operator's reconcile command needs no key, on the local socket.
 */
describe('reconciler: who may start and read a pass', () => {
  let pipeline: Pipeline;
  let a: TestTenant;
  let b: TestTenant;
  /** Two instances on one database, and a third whose rate is one request a second. */
  const urls = { first: '', second: '', slow: '' };
  const operatorSocket = join(tmpdir(), `cm-reconciler-test-${randomBytes(4).toString('hex')}.sock`);

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '100000' });
    [a, b] = pipeline.world.tenants;
    const env = { CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0', CHANNEL_READS_PER_MINUTE: '100000', API_RATE_PER_SECOND: '1000' };
    for (const [name, extra] of [['first', { OPERATOR_SOCKET: operatorSocket }], ['second', {}], ['slow', { API_RATE_PER_SECOND: '1' }]] as const) {
      const port = await freePort();
      await pipeline.world.startReconciler({ ...env, ...extra, HTTP_PORT: String(port) });
      urls[name] = `http://127.0.0.1:${port}`;
    }
  });
  afterAll(async () => pipeline?.close());

  async function call(url: string, method: string, path: string, options: { key?: string | null; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.key !== null) headers.authorization = `Bearer ${options.key ?? a.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }
  const start = (body: unknown, key?: string, url = urls.first) => call(url, 'POST', '/v1/reconciliations', { body, key });
  async function finished(passId: string, key = a.apiKey): Promise<PassSummary> {
    return waitFor('the pass to finish', async () => {
      const { body } = await call(urls.first, 'GET', `/v1/reconciliations/${passId}`, { key });
      return body.status !== 'running' ? (body as PassSummary) : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
  }

  it('answers 401 with a problem document without a key or with an unknown one, and starts nothing', async () => {
    const before = await pipeline.world.db('reconcile.passes').count<{ n: string }[]>('* as n');
    const none = await call(urls.first, 'POST', '/v1/reconciliations', { key: null, body: {} });
    expect(none).toMatchObject({ status: 401, body: { status: 401, code: 'missing_api_key' } });
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await start({ property_id: a.propertyId }, 'cm_not-a-key')).toMatchObject({ status: 401, body: { code: 'invalid_api_key' } });
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${randomUUID()}`, { key: null })).toMatchObject({ status: 401, body: { code: 'missing_api_key' } });
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${randomUUID()}/listings`, { key: null })).toMatchObject({ status: 401, body: { code: 'missing_api_key' } });
    expect(await pipeline.world.db('reconcile.passes').count<{ n: string }[]>('* as n')).toEqual(before);
  });

  it('reads bodies as I-JSON: a lone surrogate in the property id is a 400 naming the field, and starts nothing', async () => {
    const answer = await fetch(`${urls.first}/v1/reconciliations`, { method: 'POST', headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' }, body: '{"property_id":"villa-\\ud800"}' });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'ill_formed_unicode', errors: [{ path: 'property_id' }] });
    const nul = await fetch(`${urls.first}/v1/reconciliations`, { method: 'POST', headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' }, body: '{"property_id":"villa\\u0000"}' });
    expect(nul.status).toBe(400);
  });

  // Found by a review: a body of null started a pass over everything, a charset parameter was a 415, an upper-case pass id a 404.
  it('a body of null is a 400 and starts nothing; a JSON body naming its charset is taken; a pass id in upper case is the pass', async () => {
    const before = await pipeline.world.db('reconcile.passes').count<{ n: string }[]>('* as n');
    const post = (body: string, contentType: string) => fetch(`${urls.first}/v1/reconciliations`, { method: 'POST', headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': contentType }, body });
    const asNull = await post('null', 'application/json');
    expect(asNull.status).toBe(400);
    expect(await asNull.json()).toMatchObject({ code: 'invalid_body' });
    const latin = await post(JSON.stringify({ property_id: a.propertyId }), 'application/json; charset=iso-8859-1');
    expect(latin.status).toBe(415);
    expect(await latin.json()).toMatchObject({ code: 'unsupported_charset' });
    expect(await pipeline.world.db('reconcile.passes').count<{ n: string }[]>('* as n')).toEqual(before);

    const started = await post(JSON.stringify({ property_id: a.propertyId }), 'application/json; charset=utf-8');
    expect([200, 202]).toContain(started.status);
    const { pass_id: passId } = (await started.json()) as { pass_id: string };
    await finished(passId);
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${passId.toUpperCase()}`)).toMatchObject({ status: 200, body: { passId } });
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${passId.toUpperCase()}/listings`)).toMatchObject({ status: 200 });
  });

  it("another tenant's property answers 404 exactly as a missing one; another tenant's pass too", async () => {
    const theirs = await start({ property_id: b.propertyId });
    const missing = await start({ property_id: 'nobody-s-villa' });
    expect(theirs).toMatchObject({ status: 404, body: { code: 'unknown_property' } });
    expect({ ...theirs.body, detail: theirs.body.detail.replace(b.propertyId, 'X') }).toEqual({ ...missing.body, detail: missing.body.detail.replace('nobody-s-villa', 'X') });
    expect(await pipeline.world.db('reconcile.passes').where({ scope: b.propertyId })).toEqual([]);

    const mine = await start({ property_id: a.propertyId });
    expect(mine.status).toBe(202);
    await finished(mine.body.pass_id);
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${mine.body.pass_id}`, { key: b.apiKey })).toMatchObject({ status: 404, body: { code: 'unknown_pass' } });
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${mine.body.pass_id}/listings`, { key: b.apiKey })).toMatchObject({ status: 404, body: { code: 'unknown_pass' } });
    expect(await call(urls.first, 'GET', `/v1/reconciliations/${mine.body.pass_id}/listings`)).toMatchObject({ status: 200 });
  });

  it("a pass over all is over all of the caller's properties, none of another tenant's", async () => {
    const started = await start({});
    expect(started).toMatchObject({ status: 202, body: { scope: 'all', already_running: false } });
    const summary = await finished(started.body.pass_id);
    const { body } = await call(urls.first, 'GET', `/v1/reconciliations/${started.body.pass_id}/listings`);
    expect(summary.listings).toBe(4);
    expect(new Set((body.listings as PassListingRow[]).map((l) => l.propertyId))).toEqual(new Set([a.propertyId]));
  });

  it('concurrent requests for one scope, on two instances, get one pass; the next request after it finished starts another', async () => {
    // Airbnb answers slowly, so the pass is still running when the others arrive.
    requireOk(await pipeline.client.setFaults('AIRBNB', { latency: { fixed_ms: 1_500 } }));
    try {
      const answers = await Promise.all([urls.first, urls.second, urls.first, urls.second, urls.first, urls.second].map((url) => start({ property_id: a.propertyId }, undefined, url)));
      const ids = new Set(answers.map((x) => x.body.pass_id));
      expect(ids.size).toBe(1);
      expect(answers.filter((x) => x.status === 202 && x.body.already_running === false)).toHaveLength(1);
      expect(answers.filter((x) => x.status === 200 && x.body.already_running === true)).toHaveLength(5);
      const [passId] = [...ids] as [string];
      expect(answers.every((x) => x.headers.get('location') === `/v1/reconciliations/${passId}`)).toBe(true);
      await finished(passId);
      const again = await start({ property_id: a.propertyId });
      expect(again).toMatchObject({ status: 202, body: { already_running: false } });
      expect(again.body.pass_id).not.toBe(passId);
      await finished(again.body.pass_id);
    } finally {
      requireOk(await pipeline.client.clearFaults('AIRBNB'));
    }
  });

  it("a running pass recorded by another instance is answered; one its instance stopped renewing gives up its scope", async () => {
    const key = scopeKey({ tenantId: a.tenantId, propertyId: null });
    const now = Date.now();
    const live = randomUUID();
    await pipeline.world.db('reconcile.passes').insert({ pass_id: live, scope: 'all', tenant_id: a.tenantId, scope_key: key, trigger: 'on_demand', window_days: 90, status: 'running', started_at_ms: now, alive_at_ms: now });
    expect(await start({})).toMatchObject({ status: 200, body: { pass_id: live, already_running: true } });

    await pipeline.world.db('reconcile.passes').where({ pass_id: live }).update({ alive_at_ms: now - 10 * 60_000 });
    const fresh = await start({});
    expect(fresh).toMatchObject({ status: 202, body: { already_running: false } });
    expect(await pipeline.world.db('reconcile.passes').where({ pass_id: live }).first('status', 'error')).toEqual({ status: 'failed', error: expect.stringContaining('abandoned') });
    await finished(fresh.body.pass_id);
  });

  it('a tenant over its rate gets 429 with Retry-After and a problem document; another tenant is not held back', async () => {
    // One request a second, bursts of two: the third at once is over.
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await call(urls.slow, 'GET', `/v1/reconciliations/${randomUUID()}`, { key: b.apiKey }));
    expect(answers.map((x) => x.status)).toEqual([404, 404, 429]);
    expect(answers[2]).toMatchObject({ body: { status: 429, code: 'rate_limited', title: 'Too Many Requests' } });
    expect(answers[2]!.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A third tenant, with a key of its own, still gets through.
    const other = await newTenant(pipeline);
    expect((await call(urls.slow, 'GET', `/v1/reconciliations/${randomUUID()}`, { key: other })).status).toBe(404);
  });

  it("the operator's reconcile command needs no key: on the local socket it reconciles any tenant's property", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [RECONCILE_CLI, '--socket', operatorSocket, '--property', b.propertyId, '--settle-seconds', '0'], { timeout: 60_000 });
    expect(stdout).toMatch(/^pass [0-9a-f-]{36} started \(/);
    expect(stdout).toMatch(/\nfinished: 4 listings compared/);
    const passId = /^pass ([0-9a-f-]{36})/.exec(stdout)![1]!;
    expect(await pipeline.world.db('reconcile.passes').where({ pass_id: passId }).first('scope', 'tenant_id', 'trigger')).toEqual({ scope: b.propertyId, tenant_id: null, trigger: 'on_demand' });
  });
});

/** A tenant of its own with an API key (the directory's rows, as ingest's admin command writes them). */
async function newTenant(pipeline: Pipeline): Promise<string> {
  const tenantId = `${pipeline.world.namespace}-c`;
  const key = `cm_${randomBytes(16).toString('hex')}`;
  await pipeline.world.db('ingest.tenants').insert({ tenant_id: tenantId, name: 'Tenant C' });
  await pipeline.world.db('ingest.api_keys').insert({ key_hash: createHash('sha256').update(key, 'utf8').digest(), tenant_id: tenantId, label: 'tests' });
  return key;
}
