import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { waitFor } from '@cm/service-runtime';
import { TEST_SECRETS_KEYS } from '@cm/test-harness';
import { escalationConfig } from '../src/config';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

/**
 * The review API is an operator's (issue 16.4): it listens on loopback unless told otherwise, and
 * each tenant is held to its request rate (429 with Retry-After), shared by every instance.
 */
let world: EscalationWorld;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  // No HTTP_HOST: the default is what is tested.
  service = await world.startEscalation({ API_RATE_PER_SECOND: '1' });
});
afterAll(async () => world?.close());

/** Local addresses listening on a TCP port (Linux /proc/net/tcp and tcp6), as hex. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => cols[1]!.split(':')[0]!),
  );
}

const reaches = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

test('the review API listens on 127.0.0.1 by default, not on every interface', async () => {
  expect(escalationConfig.parse({ SECRETS_KEYS: TEST_SECRETS_KEYS }).HTTP_HOST).toBe('127.0.0.1');
  const port = Number(new URL(service.url).port);
  expect(listeningAddresses(port)).toEqual(['0100007F']);
  expect(await reaches('127.0.0.1', port)).toBe(true);
  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  if (external) expect(await reaches(external.address, port)).toBe(false);
});

test("a tenant over its rate gets 429 with Retry-After and a problem document; another tenant's requests still go", async () => {
  const [first, second] = world.tenants;
  // One request a second, bursts of two: the third at once is over.
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await world.api(service, 'GET', '/v1/review-tasks', undefined, { tenant: second }));
  expect(answers.slice(0, 2).map((a) => a.status)).toEqual([200, 200]);
  const over = answers[2]!;
  expect(over).toMatchObject({ status: 429, body: { status: 429, code: 'rate_limited', title: 'Too Many Requests' } });
  expect(over.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect((await world.api(service, 'GET', '/v1/review-tasks', undefined, { tenant: first })).status).toBe(200);
  // A request without a key is refused before it counts against anyone.
  expect(await world.api(service, 'GET', '/v1/review-tasks', undefined, { apiKey: null })).toMatchObject({ status: 401, body: { code: 'missing_api_key' } });
});

test('bodies are read as I-JSON: a lone surrogate, bytes that are not UTF-8 and a number not as written are 400s', async () => {
  const [tenant] = world.tenants;
  const path = `/v1/review-tasks/${'6f1c1f7e-1111-4222-8333-444455556666'}/acknowledge`;
  expect(await world.api(service, 'POST', path, '{"operator":"ana \\ud800"}', { tenant })).toMatchObject({ status: 400, body: { code: 'ill_formed_unicode' } });
  expect(await world.api(service, 'POST', path, Buffer.from([0x7b, 0x22, 0x6f, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { tenant })).toMatchObject({ status: 400, body: { code: 'malformed_utf8' } });
  expect(await world.api(service, 'POST', path, '{"operator":"ana","n":1e-400}', { tenant })).toMatchObject({ status: 400, body: { code: 'number_not_representable' } });
  // Ids and names PostgreSQL cannot store, or people would read spoofed: 400, never a 5xx.
  expect(await world.api(service, 'POST', path, { operator: 'ana\u0000' }, { tenant })).toMatchObject({ status: 400 });
  // A GET is checked after the tenant's rate (1/s here): wait for a turn within it.
  const listed = await waitFor('a request within the rate', async () => {
    const answer = await world.api(service, 'GET', `/v1/review-tasks?property_id=${encodeURIComponent('v\u0000')}`, undefined, { tenant });
    return answer.status === 429 ? undefined : answer;
  }, { timeoutMs: 10_000, intervalMs: 250 });
  expect(listed).toMatchObject({ status: 400 });
});
