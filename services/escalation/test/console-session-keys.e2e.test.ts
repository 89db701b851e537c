import { createHash } from 'node:crypto';
import { createTenant, ingestMigrations, issueApiKey } from '@cm/ingest';
import { KeyRing } from '@cm/secrets';
import { scratchDatabase, testKeyRing, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { SessionStore } from '../src/console/session-store';
import { escalationMigrations } from '../src/store/migrations';

/**
 * The API key a console session keeps for the read pages (src/console/pages.ts): sealed in its
 * row under the key ring, bound to that row, gone with it. On the real PostgreSQL.
 */
let scratch: ScratchDatabase;
/** Live keys of the directory: a session lasts only as long as the key it was opened with. */
const keys: string[] = [];
let now = Date.parse('2027-01-10T12:00:00Z');
const TTL_MS = 60 * 60_000;

beforeAll(async () => {
  scratch = await scratchDatabase(uniqueName('tk').toLowerCase(), [ingestMigrations, escalationMigrations]);
  await createTenant(scratch.db, { tenantId: 'tenant-a', name: 'Tenant A' });
  for (let i = 0; i < 5; i++) keys.push(await issueApiKey(scratch.db, 'tenant-a', `console ${i}`));
});
afterAll(async () => scratch?.drop());

/** The row's key: the SHA-256 of the cookie token, as the store keeps it. */
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const sessions = (keys: KeyRing = testKeyRing) => new SessionStore(scratch.db, TTL_MS, () => now, keys);

test('the key is stored sealed, opens for its own session only, and goes with the session', async () => {
  const store = sessions();
  const { token } = await store.open('tenant-a', 'Maria', keys[0]!);
  const { token: other } = await store.open('tenant-a', 'Joao', keys[1]!);
  const rows = await scratch.db('escalation.console_sessions').select('token_hash', 'sealed_api_key');
  expect(rows).toHaveLength(2);
  for (const row of rows) expect(row.sealed_api_key).toMatch(/^v1\.test1\./);
  expect(JSON.stringify(rows)).not.toContain(keys[0]!);
  expect(await store.apiKeyOf(token)).toBe(keys[0]);

  // A sealed value moved onto another session's row does not open there: it is bound to its row.
  const theirs = rows.find((r) => r.token_hash === sha256(other))!.sealed_api_key;
  await scratch.db('escalation.console_sessions').where({ token_hash: sha256(token) }).update({ sealed_api_key: theirs });
  expect(await store.apiKeyOf(token)).toBeNull();
  expect(await store.apiKeyOf(other)).toBe(keys[1]);

  await store.close(token);
  await store.close(other);
  expect(await scratch.db('escalation.console_sessions').count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
  expect(await store.apiKeyOf(token)).toBeNull();
});

test('no key for an expired session, a malformed token, a session kept without one, or one sealed under a key the ring no longer has', async () => {
  const store = sessions();
  const { token } = await store.open('tenant-a', 'Maria', keys[2]!);
  now += TTL_MS + 1;
  expect(await store.apiKeyOf(token)).toBeNull();
  expect(await store.apiKeyOf('not a token')).toBeNull();
  expect(await store.apiKeyOf(undefined)).toBeNull();

  const { token: older } = await store.open('tenant-a', 'Maria', keys[3]!);
  await scratch.db('escalation.console_sessions').whereNotNull('sealed_api_key').andWhere('expires_at_ms', '>', now).update({ sealed_api_key: null });
  expect(await store.apiKeyOf(older)).toBeNull();
  expect(await store.find(older)).toMatchObject({ tenantId: 'tenant-a', operator: 'Maria' });

  const rotated = KeyRing.random('old');
  const { token: sealedOld } = await sessions(rotated.ring).open('tenant-a', 'Maria', keys[4]!);
  expect(await sessions(rotated.ring).apiKeyOf(sealedOld)).toBe(keys[4]);
  expect(await store.apiKeyOf(sealedOld)).toBeNull();
});
