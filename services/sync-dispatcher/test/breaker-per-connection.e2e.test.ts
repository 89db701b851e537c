import { addConnection } from '@cm/directory';
import { requireOk } from '@cm/channel-simulator';
import type { Channel } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { freePort, sumMetric, testKeyRing } from '@cm/test-harness';
import type { TestTenant } from '@cm/test-harness/worlds/ingest-world';
import { CHANNELS, startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * Two tenants on the same channels, on the real stack. Tenant A's Expedia connection has its own
 * base URL, and it is down: A's breaker opens. Tenant B's Expedia listings are pushed all the
 * same, through B's connection, while A's breaker is still open.
 */
describe('sync-dispatcher: a circuit breaker per connection', () => {
  let pipeline: Pipeline;
  let other: TestTenant;

  beforeAll(async () => {
    pipeline = await startPipeline({ BREAKER_FAILURES: '2', BREAKER_COOL_DOWN_MS: '120000', RETRY_MAX_ATTEMPTS: '3', RETRY_MAX_MS: '200', AFTER_FAILURE_MS: '500', CONNECTIONS_CACHE_MS: '300', LOG_LEVEL: 'info' });
    const { world, tenant, client } = pipeline;
    other = world.tenants.find((t) => t.tenantId !== tenant.tenantId)!;
    for (const channel of CHANNELS) {
      const { connectionId, secret, listingId } = other.connections[channel];
      requireOk(await client.registerListing(channel, listingId, { connection_id: connectionId, secret, currency: 'EUR', time_zone: other.timeZone }));
    }
    const down = await freePort();
    await addConnection(world.db, testKeyRing, { connectionId: tenant.connections.EXPEDIA.connectionId, tenantId: tenant.tenantId, channel: 'EXPEDIA', baseUrl: `http://127.0.0.1:${down}/expedia/api` }, { update: true });
  });
  afterAll(async () => pipeline?.close());

  const closedNightsOf = async (owner: TestTenant, channel: Channel) => {
    const { nights } = requireOk(await pipeline.client.trueCalendar(channel, owner.connections[channel].listingId, '2027-09-01', '2027-10-01'));
    return nights.filter((n) => !n.available).map((n) => n.date);
  };

  it("one tenant's Expedia connection failing opens its breaker only: another tenant's Expedia listing is pushed meanwhile", async () => {
    const { client, tenant, dispatcher } = pipeline;
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-09-10', check_out: '2027-09-12' }));
    await waitFor("tenant A's Expedia breaker to open", async () => sumMetric(await dispatcher.metrics(), 'cm_sync_circuit_state', { channel: 'EXPEDIA' }) === 2, { timeoutMs: 60_000, intervalMs: 100 });
    expect(sumMetric(await dispatcher.metrics(), 'cm_sync_circuits_not_closed', { channel: 'EXPEDIA' })).toBe(1);
    expect(sumMetric(await dispatcher.metrics(), 'cm_sync_circuit_state', { channel: 'VRBO' })).toBe(0);
    expect(await closedNightsOf(tenant, 'VRBO')).toEqual(['2027-09-10', '2027-09-11']);

    requireOk(await client.createBooking('AIRBNB', other.connections.AIRBNB.listingId, { check_in: '2027-09-20', check_out: '2027-09-23' }));
    await waitFor("tenant B's Expedia listing to show the booking", async () => (await closedNightsOf(other, 'EXPEDIA')).join() === '2027-09-20,2027-09-21,2027-09-22', { timeoutMs: 30_000, intervalMs: 100 });
    const results = await syncResults(pipeline, (rs) => rs.some((r) => r.channel === 'EXPEDIA' && r.property_id === other.propertyId && r.outcome === 'ACKNOWLEDGED'));
    expect(results.some((r) => r.channel === 'EXPEDIA' && r.property_id === tenant.propertyId && r.outcome === 'ACKNOWLEDGED')).toBe(false);
    // A's breaker is still open (two minutes' cool-down), and A's Expedia listing still shows nothing.
    expect(sumMetric(await dispatcher.metrics(), 'cm_sync_circuit_state', { channel: 'EXPEDIA' })).toBe(2);
    expect(await closedNightsOf(tenant, 'EXPEDIA')).toEqual([]);
    expect(dispatcher.output()).toContain(`connection:${tenant.connections.EXPEDIA.connectionId}`);
  });
});
