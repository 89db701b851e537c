import { randomBytes } from 'node:crypto';
import { addConnection, rotateConnectionSecrets } from '@cm/directory';
import { requireOk } from '@cm/channel-simulator';
import { waitFor } from '@cm/service-runtime';
import { freePort, testKeyRing } from '@cm/test-harness';
import { CHANNELS, closedNights, startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * Connections as data on the dispatcher's side (issue 21.3), on the real stack: each listing is
 * pushed to at its connection's base URL with its credentials as a Bearer token. The service's
 * own CHANNEL_API_BASE_URL is a closed port, so a push that lands went to the connection's URL.
 */
describe('sync-dispatcher: pushes through each listing connection', () => {
  let pipeline: Pipeline;
  const TOKEN = `token-${randomBytes(18).toString('base64url')}`;
  const STALE = `stale-${randomBytes(18).toString('base64url')}`;

  beforeAll(async () => {
    const closed = await freePort();
    pipeline = await startPipeline({
      CHANNEL_API_BASE_URL: `http://127.0.0.1:${closed}/{channel}/api`,
      // The longest it may be: the rotation below reaches the pushes because the dispatcher hears of it.
      CONNECTIONS_CACHE_MS: '600000',
      AFTER_FAILURE_MS: '300',
      BREAKER_COOL_DOWN_MS: '300',
      LOG_LEVEL: 'debug',
    });
    const { world, tenant, simulator, client } = pipeline;
    // Nothing was pushed yet: the dispatcher reads these settings at its first push.
    for (const channel of CHANNELS) {
      const { connectionId } = tenant.connections[channel];
      await addConnection(world.db, testKeyRing, { connectionId, tenantId: tenant.tenantId, channel, baseUrl: `${simulator.url}/${channel.toLowerCase()}/api` }, { update: true });
    }
    const expedia = tenant.connections.EXPEDIA;
    await rotateConnectionSecrets(world.db, testKeyRing, expedia.connectionId, { webhookSecret: false, credentials: STALE });
    requireOk(await client.registerListing('EXPEDIA', expedia.listingId, { connection_id: expedia.connectionId, secret: expedia.secret, currency: 'EUR', time_zone: tenant.timeZone, api_key: TOKEN }));
  });
  afterAll(async () => pipeline?.close());

  it("lands at each connection's base URL; a credential the platform refuses is a 401, and the rotated one lands at the next attempt, whatever the cache time", async () => {
    const { client, tenant, world } = pipeline;
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-05-10', check_out: '2027-05-13' }));
    const results = await syncResults(pipeline, (rs) => ['BOOKING_COM', 'VRBO'].every((c) => rs.some((r) => r.channel === c && r.outcome === 'ACKNOWLEDGED')) && rs.some((r) => r.channel === 'EXPEDIA' && r.outcome === 'FAILED'));
    const refused = results.find((r) => r.channel === 'EXPEDIA' && r.outcome === 'FAILED')!;
    expect(refused.error).toContain('401');
    expect(refused.error).toContain('unauthorized');
    expect(refused.error).not.toContain(STALE);
    for (const channel of ['BOOKING_COM', 'VRBO'] as const) expect(await closedNights(pipeline, channel, '2027-05-01', '2027-06-01')).toEqual(['2027-05-10', '2027-05-11', '2027-05-12']);
    expect(await closedNights(pipeline, 'EXPEDIA', '2027-05-01', '2027-06-01')).toEqual([]);
    expect(requireOk(await client.stats('EXPEDIA')).calls.availability).toMatchObject({ ok: 0, rejected: expect.any(Number) });
    expect(requireOk(await client.stats('EXPEDIA')).calls.availability.rejected).toBeGreaterThanOrEqual(1);

    // The operator rotates the connection's credentials (admin connections rotate --credentials-stdin).
    await rotateConnectionSecrets(world.db, testKeyRing, tenant.connections.EXPEDIA.connectionId, { webhookSecret: false, credentials: TOKEN });
    await waitFor('the rotated credentials to reach Expedia', async () => (await closedNights(pipeline, 'EXPEDIA', '2027-05-01', '2027-06-01')).join() === '2027-05-10,2027-05-11,2027-05-12', { timeoutMs: 30_000, intervalMs: 100 });
    await syncResults(pipeline, (rs) => rs.some((r) => r.channel === 'EXPEDIA' && r.outcome === 'ACKNOWLEDGED'));
  });

  it('never logs the credentials', async () => {
    const logs = pipeline.dispatcher.output();
    expect(logs).toContain('"level"');
    expect({ inLogs: logs.includes(TOKEN) }).toEqual({ inLogs: false });
    expect({ inLogs: logs.includes(STALE) }).toEqual({ inLogs: false });
  });
});
