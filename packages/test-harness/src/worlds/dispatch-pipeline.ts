import type { Channel, SyncResult } from '@cm/schemas';
import { waitFor, type Knex } from '@cm/service-runtime';
import { requireOk, SimulatorClient, startSimulator, type RunningSimulator } from '@cm/channel-simulator';
import { exportFeedPath } from '@cm/directory';
import { freePort } from '../stack';
import { ingestWorld, type IngestProcess, type IngestWorld, type ServiceProcess, type TestTenant } from './ingest-world';

export const CHANNELS: readonly Channel[] = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];

/**
 * The whole path on the real stack: simulated platforms announce bookings by signed webhook to
 * ingest; the arbiter decides; the sync-dispatcher pushes to the simulated platforms.
 */
export interface Pipeline {
  readonly world: IngestWorld;
  readonly simulator: RunningSimulator;
  readonly client: SimulatorClient;
  readonly ingest: IngestProcess;
  readonly arbiter: ServiceProcess;
  readonly dispatcher: ServiceProcess;
  readonly tenant: TestTenant;
  /** The dispatcher's export feed of one of the tenants' listings, at its token's URL. */
  feedUrl(channel: Channel, listingId: string): string;
  /** The export feed at a token's URL (a rotated one, or one never issued). */
  feedUrlOfToken(token: string): string;
  close(): Promise<void>;
}

export async function startPipeline(dispatcherEnv: Record<string, string> = {}): Promise<Pipeline> {
  const world = await ingestWorld();
  const ingest = await world.startIngest();
  const simulator = await startSimulator({ ingestUrl: ingest.url, webhookRetry: { firstBackoffMs: 50, maxBackoffMs: 500 } });
  const client = new SimulatorClient(simulator.url);
  const [tenant] = world.tenants;
  for (const channel of CHANNELS) {
    const { connectionId, secret, listingId } = tenant.connections[channel];
    requireOk(await client.registerListing(channel, listingId, { connection_id: connectionId, secret, currency: 'EUR', time_zone: tenant.timeZone }));
  }
  const arbiter = await world.startArbiter();
  const feedPort = await freePort();
  const dispatcher = await world.startDispatcher({ CHANNEL_API_BASE_URL: `${simulator.url}/{channel}/api`, RETRY_BASE_MS: '50', FEED_PORT: String(feedPort), ...dispatcherEnv });
  return {
    world,
    simulator,
    client,
    ingest,
    arbiter,
    dispatcher,
    tenant,
    feedUrl: (channel, listingId) => {
      const listing = world.tenants.map((t) => t.connections[channel]).find((c) => c.listingId === listingId);
      if (!listing) throw new Error(`no ${channel} listing '${listingId}' in this world`);
      return `http://127.0.0.1:${feedPort}${exportFeedPath(listing.exportToken)}`;
    },
    feedUrlOfToken: (token) => `http://127.0.0.1:${feedPort}${exportFeedPath(token)}`,
    async close() {
      await simulator.close();
      await world.close();
    },
  };
}

/** Nights of [from, to) each channel shows as closed, by the platform's own truth. */
export async function closedNights(pipeline: Pipeline, channel: Channel, from: string, to: string): Promise<string[]> {
  const { nights } = requireOk(await pipeline.client.trueCalendar(channel, pipeline.tenant.connections[channel].listingId, from, to));
  return nights.filter((n) => !n.available).map((n) => n.date);
}

/** Nights of [from, to) the ledger holds (active bookings and blocks) for the tenant's property. */
export async function heldNights(db: Knex, propertyId: string, from: string, to: string): Promise<string[]> {
  const rows: { night: string }[] = (
    await db.raw(
      `SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS night FROM stays s, generate_series(s.check_in, s.check_out - 1, interval '1 day') d
       WHERE s.property_id = ? AND ((s.kind = 'booking' AND s.status IN ('PENDING', 'CONFIRMED')) OR (s.kind = 'block' AND s.active))
         AND d >= ?::date AND d < ?::date ORDER BY 1`,
      [propertyId, from, to],
    )
  ).rows;
  return rows.map((r) => r.night);
}

/** Waits until every channel shows exactly the nights the ledger holds (the booking's own channel included). */
export async function waitForConvergence(pipeline: Pipeline, from: string, to: string, timeoutMs: number): Promise<string[]> {
  let held: string[] = [];
  await waitFor('every channel to show what the ledger holds', async () => {
    held = await heldNights(pipeline.world.db, pipeline.tenant.propertyId, from, to);
    for (const channel of CHANNELS) {
      const closed = await closedNights(pipeline, channel, from, to);
      if (closed.join() !== held.join()) return false;
    }
    return true;
  }, { timeoutMs, intervalMs: 250 });
  return held;
}

export async function syncResults(pipeline: Pipeline, until: (results: SyncResult[]) => boolean, timeoutMs = 60_000): Promise<SyncResult[]> {
  const records = await pipeline.world.read<SyncResult>(pipeline.world.topics.syncResults, (rs) => until(rs.map((r) => r.value)), timeoutMs);
  return records.map((r) => r.value);
}
