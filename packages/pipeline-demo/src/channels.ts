import { exportFeedPath, insertDirectoryRows, setImportUrl } from '@cm/directory';
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';

/**
 * The demo's platforms: three with an ARI API on the simulator, and Vrbo connected only by iCal:
 * it announces nothing, and its guests' bookings reach the ledger through its feed, which ingest
 * reads every second (the connection's poll interval); Vrbo polls our export feed every second too.
 */
export const ARI_CHANNELS = ['AIRBNB', 'BOOKING_COM', 'EXPEDIA'] as const;
export const ICAL_CHANNEL = 'VRBO' as const;
export const ALL_CHANNELS = [...ARI_CHANNELS, ICAL_CHANNEL] as const;
export type DemoChannel = (typeof ALL_CHANNELS)[number];

export interface DemoProperty {
  readonly propertyId: string;
  readonly listings: Readonly<Record<DemoChannel, string>>;
  /** The token of its Vrbo listing's export feed (/ical/<token>.ics), which Vrbo polls. */
  readonly vrboFeedToken: string;
}

export interface Portfolio {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly properties: readonly DemoProperty[];
}

/** A small JSON client of the channel simulator's admin and platform APIs. */
export class Simulator {
  constructor(readonly url: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const answer = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return { status: answer.status, body: (text ? JSON.parse(text) : null) as T };
  }

  listing(channel: DemoChannel, listingId: string): string {
    return `/admin/${channel.toLowerCase()}/listings/${encodeURIComponent(listingId)}`;
  }

  /** Nights [from, to) and whether the platform sells each, by its own truth. */
  async calendar(channel: DemoChannel, listingId: string, from: string, to: string): Promise<{ date: string; available: boolean; reservation_id: string | null }[]> {
    const { status, body } = await this.call<{ nights: { date: string; available: boolean; reservation_id: string | null }[] }>('GET', `${this.listing(channel, listingId)}/calendar?${new URLSearchParams({ from, to })}`);
    if (status !== 200) throw new Error(`reading ${channel} ${listingId}: ${status}`);
    return body.nights;
  }
}

/** How often each side of the Vrbo iCal sync reads the other's feed in the demo. */
export const ICAL_POLL_SECONDS = 1;

/**
 * The operator's set-up for the day: a tenant with an API key, a connection per channel with its
 * webhook secret, properties with a listing on each channel in the directory, and the same
 * listings registered on the simulated platforms. Each Vrbo listing is iCal-only on the platform,
 * which imports our export feed (`feedBaseUrl` + its token); ours imports the platform's feed.
 */
export async function setUpPortfolio(db: Knex, secrets: KeyRing, simulator: Simulator, feedBaseUrl: string, run: string, count: number): Promise<Portfolio> {
  const tenantId = `day-${run}`;
  const apiKey = `cm_demo_${randomBytes(16).toString('hex')}`;
  const webhookSecrets = Object.fromEntries(ALL_CHANNELS.map((c) => [c, randomBytes(24).toString('hex')])) as Record<DemoChannel, string>;
  await insertDirectoryRows(db, {
    tenants: [{ tenantId, name: `Demo day ${run}`, ratePerSecond: 1_000 }],
    apiKeys: [{ key: apiKey, tenantId, label: 'demo operator' }],
    connections: ALL_CHANNELS.map((channel) => ({ connectionId: `${tenantId}-${channel}`, tenantId, channel, webhookSecret: webhookSecrets[channel], ...(channel === ICAL_CHANNEL ? { pollIntervalSeconds: ICAL_POLL_SECONDS } : {}) })),
  }, secrets);
  const properties: DemoProperty[] = [];
  for (let i = 0; i < count; i++) {
    const propertyId = `${tenantId}-villa-${i}`;
    const listings = Object.fromEntries(ALL_CHANNELS.map((c) => [c, `${c.toLowerCase()}-${run}-${i}`])) as Record<DemoChannel, string>;
    const vrboFeedToken = randomBytes(32).toString('base64url');
    await insertDirectoryRows(db, {
      properties: [{ propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' }],
      listings: ALL_CHANNELS.map((channel) => ({ channel, listingId: listings[channel], propertyId, connectionId: `${tenantId}-${channel}`, ...(channel === ICAL_CHANNEL ? { exportToken: vrboFeedToken } : {}) })),
    });
    for (const channel of ALL_CHANNELS) {
      const ical = channel === ICAL_CHANNEL ? { sync: 'ical', import_url: `${feedBaseUrl}${exportFeedPath(vrboFeedToken)}`, ical_poll_seconds: ICAL_POLL_SECONDS } : {};
      const { status, body } = await simulator.call('PUT', simulator.listing(channel, listings[channel]), { connection_id: `${tenantId}-${channel}`, secret: webhookSecrets[channel], currency: 'EUR', time_zone: 'Europe/Lisbon', ...ical });
      if (status !== 200 && status !== 201) throw new Error(`registering ${channel} ${listings[channel]} on the simulator: ${status} ${JSON.stringify(body)}`);
    }
    await setImportUrl(db, secrets, { channel: ICAL_CHANNEL, listingId: listings[ICAL_CHANNEL] }, `${simulator.url}/${ICAL_CHANNEL.toLowerCase()}/ical/${encodeURIComponent(listings[ICAL_CHANNEL])}.ics`);
    properties.push({ propertyId, listings, vrboFeedToken });
  }
  return { tenantId, apiKey, properties };
}
