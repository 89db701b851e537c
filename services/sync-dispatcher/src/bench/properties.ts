import { insertDirectoryRows } from '@cm/directory';
import { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';

export const CHANNELS = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const;

/** A key ring of this run's own: the webhook secrets of its scratch directory are sealed under it, and the services it starts get it. */
export const BENCH_KEYS = KeyRing.random('bench');

export interface BenchProperty {
  readonly propertyId: string;
  readonly listings: Record<string, string>;
}

/** A tenant, `count` properties with a listing per channel in the directory and on the simulator. */
export async function setUpProperties(db: Knex, simulatorUrl: string, namespace: string, count: number): Promise<BenchProperty[]> {
  const tenantId = `${namespace}-tenant`;
  await insertDirectoryRows(db, { tenants: [{ tenantId, name: 'Benchmark', ratePerSecond: 100_000 }] });
  for (const channel of CHANNELS) {
    await insertDirectoryRows(db, { connections: [{ connectionId: `${tenantId}-${channel}`, tenantId, channel, webhookSecret: `secret-${channel}` }] }, BENCH_KEYS.ring);
  }
  const properties: BenchProperty[] = [];
  for (let i = 0; i < count; i++) {
    const property = { propertyId: `${namespace}-p${i}`, listings: listingsOf('', i) };
    await insertDirectoryRows(db, { properties: [{ propertyId: property.propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' }] });
    for (const channel of CHANNELS) {
      await insertDirectoryRows(db, { listings: [{ channel, listingId: property.listings[channel]!, propertyId: property.propertyId, connectionId: `${tenantId}-${channel}` }] });
      await registerListing(simulatorUrl, channel, property.listings[channel]!, { connection_id: `${tenantId}-${channel}`, secret: `secret-${channel}` });
    }
    properties.push(property);
  }
  return properties;
}

/**
 * The floor's `count` properties: a listing per channel on the simulator only (nothing of ours
 * knows them), each sending its webhooks to `webhookUrl`, the floor's receiver.
 */
export async function setUpFloorProperties(simulatorUrl: string, namespace: string, count: number, webhookUrl: string): Promise<BenchProperty[]> {
  const properties: BenchProperty[] = [];
  for (let i = 0; i < count; i++) {
    const property = { propertyId: `${namespace}-floor-p${i}`, listings: listingsOf('floor-', i) };
    for (const channel of CHANNELS) await registerListing(simulatorUrl, channel, property.listings[channel]!, { connection_id: `floor-${channel}`, secret: `secret-${channel}`, webhook_url: webhookUrl });
    properties.push(property);
  }
  return properties;
}

function listingsOf(prefix: string, i: number): Record<string, string> {
  return Object.fromEntries(CHANNELS.map((channel) => [channel, `${prefix}${channel.toLowerCase()}-${i}`]));
}

async function registerListing(simulatorUrl: string, channel: string, listingId: string, settings: { connection_id: string; secret: string; webhook_url?: string }): Promise<void> {
  const answer = await fetch(`${simulatorUrl}/admin/${channel.toLowerCase()}/listings/${listingId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...settings, currency: 'EUR', time_zone: 'Europe/Lisbon' }),
  });
  if (!answer.ok) throw new Error(`registering ${channel} ${listingId}: ${answer.status} ${await answer.text()}`);
}
