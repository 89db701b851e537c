import { issueApiKey, revokeApiKey, rotateConnectionSecrets } from '@cm/directory';
import { waitFor } from '@cm/service-runtime';
import { sumMetric, testKeyRing } from '@cm/test-harness';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/**
 * A running ingest caching its directory for ten minutes, the longest it may: a key revoked and a
 * webhook secret rotated by the admin commands are followed at once, because ingest hears of the
 * change (NOTIFY at its commit), not because an entry lapsed.
 */
describe('ingest: directory changes are followed at once', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DIRECTORY_CACHE_MS: '600000' });
  });
  afterAll(async () => world?.close());

  it('says on its metrics that it hears them', async () => {
    expect(sumMetric(await ingest.metrics(), 'cm_directory_changes_heard', { service: 'ingest' })).toBe(1);
  });

  const bookingsPath = () => `/v1/properties/${world.tenants[0].propertyId}/bookings/NONE`;

  it('a revoked API key is refused from its revocation on', async () => {
    const key = await issueApiKey(world.db, world.tenants[0].tenantId, 'revoked in a test');
    const before = await world.pms(ingest, 'GET', bookingsPath(), undefined, { apiKey: key });
    expect([before.status, before.body.code]).toEqual([404, 'booking_not_found']);
    // Cached now: a second read of the key asks nobody.
    expect((await world.pms(ingest, 'GET', bookingsPath(), undefined, { apiKey: key })).status).toBe(404);
    await revokeApiKey(world.db, key);
    const after = await waitFor('the revoked key to be refused', async () => {
      const answer = await world.pms(ingest, 'GET', bookingsPath(), undefined, { apiKey: key });
      return answer.status === 401 && answer;
    }, { timeoutMs: 2_000, intervalMs: 20 });
    expect(after.body.code).toBe('invalid_api_key');
  });

  it("a webhook signed with a connection's old secret is refused once it is rotated, and the new one is taken", async () => {
    const tenant = world.tenants[0];
    const { connectionId, secret: old } = tenant.connections.AIRBNB;
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'))).status).toBe(202);
    const { webhookSecret } = await rotateConnectionSecrets(world.db, testKeyRing, connectionId, { webhookSecret: true });
    const refused = await waitFor('the old secret to be refused', async () => {
      const answer = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'), { secret: old });
      return answer.status === 401 && answer;
    }, { timeoutMs: 2_000, intervalMs: 20 });
    expect(refused.body.code).toBe('signature_mismatch');
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'), { secret: webhookSecret! })).status).toBe(202);
  });
});
