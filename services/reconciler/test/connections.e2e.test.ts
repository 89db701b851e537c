import { randomBytes } from 'node:crypto';
import { addConnection, rotateConnectionSecrets } from '@cm/directory';
import { requireOk } from '@cm/channel-simulator';
import { freePort, testKeyRing } from '@cm/test-harness';
import type { ServiceProcess } from '@cm/test-harness/worlds/ingest-world';
import { CHANNELS, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import type { PassListingRow } from '../src/store/pass-store';
import { reconciliationsApi } from './support/reconciliations';

/**
 * Connections as data on the reconciler's side (issue 21.3), on the real stack: each listing is
 * read at its connection's base URL with its credentials as a Bearer token. The reconciler's own
 * CHANNEL_API_BASE_URL is a closed port, so a listing read went to its connection's URL.
 */
describe("reconciler: reads each listing through its connection", () => {
  let pipeline: Pipeline;
  let reconciler: ServiceProcess;
  let url: string;
  const TOKEN = `token-${randomBytes(18).toString('base64url')}`;
  const STALE = `stale-${randomBytes(18).toString('base64url')}`;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const { world, tenant, simulator, client } = pipeline;
    for (const channel of CHANNELS) {
      const { connectionId } = tenant.connections[channel];
      await addConnection(world.db, testKeyRing, { connectionId, tenantId: tenant.tenantId, channel, baseUrl: `${simulator.url}/${channel.toLowerCase()}/api` }, { update: true });
    }
    const expedia = tenant.connections.EXPEDIA;
    await rotateConnectionSecrets(world.db, testKeyRing, expedia.connectionId, { webhookSecret: false, credentials: TOKEN });
    requireOk(await client.registerListing('EXPEDIA', expedia.listingId, { connection_id: expedia.connectionId, secret: expedia.secret, currency: 'EUR', time_zone: tenant.timeZone, api_key: TOKEN }));
    const port = await freePort();
    reconciler = await world.startReconciler({
      HTTP_PORT: String(port),
      CHANNEL_API_BASE_URL: `http://127.0.0.1:${await freePort()}/{channel}/api`,
      RECONCILE_EVERY_MINUTES: '0',
      CHANNEL_READS_PER_MINUTE: '100000',
      // The longest it may be: the rotation below reaches the reads because the reconciler hears of it.
      CONNECTIONS_CACHE_MS: '600000',
      LOG_LEVEL: 'debug',
    });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => pipeline?.close());

  /** A pass over the tenant's property, to its end: each listing's row. */
  async function reconcileProperty(): Promise<Record<string, PassListingRow>> {
    const { listings } = await reconciliationsApi(url, pipeline.tenant.apiKey).reconcileProperty(pipeline.tenant.propertyId);
    return Object.fromEntries(listings.map((l) => [l.channel, l]));
  }

  it("reads every listing at its connection's base URL, Expedia's with its credentials; after a rotation to a key the platform refuses, Expedia's read is a 401", async () => {
    const first = await reconcileProperty();
    for (const channel of ['AIRBNB', 'BOOKING_COM', 'EXPEDIA'] as const) expect(first[channel]).toMatchObject({ outcome: 'in_sync', error: null });
    expect(requireOk(await pipeline.client.stats('EXPEDIA')).calls.calendar).toMatchObject({ ok: 1, rejected: 0 });

    await rotateConnectionSecrets(pipeline.world.db, testKeyRing, pipeline.tenant.connections.EXPEDIA.connectionId, { webhookSecret: false, credentials: STALE });
    // The rotation's commit notifies the reconciler (within milliseconds), which forgets what it
    // cached: the next read takes the new credentials, long before CONNECTIONS_CACHE_MS.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = await reconcileProperty();
    expect(second.EXPEDIA).toMatchObject({ outcome: 'unread', error: expect.stringContaining('401') });
    expect(second.EXPEDIA!.error).not.toContain(STALE);
    expect(second.AIRBNB).toMatchObject({ outcome: 'in_sync' });
    expect(requireOk(await pipeline.client.stats('EXPEDIA')).calls.calendar).toMatchObject({ ok: 1, rejected: 1 });
  });

  it('never logs the credentials', () => {
    const logs = reconciler.output();
    expect(logs).toContain('"level"');
    expect({ inLogs: logs.includes(TOKEN) }).toEqual({ inLogs: false });
    expect({ inLogs: logs.includes(STALE) }).toEqual({ inLogs: false });
  });
});
