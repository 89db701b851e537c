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
  const properties = [];
  for (const channel of CHANNELS) {
    await insertDirectoryRows(db, { connections: [{ connectionId: `${tenantId}-${channel}`, tenantId, channel, webhookSecret: `secret-${channel}` }] }, BENCH_KEYS.ring);
  }
  for (let i = 0; i < count; i++) {
    const propertyId = `${namespace}-p${i}`;
    await insertDirectoryRows(db, { properties: [{ propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' }] });
    const listings: Record<string, string> = {};
    for (const channel of CHANNELS) {
      const listingId = `${channel.toLowerCase()}-${i}`;
      listings[channel] = listingId;
      await insertDirectoryRows(db, { listings: [{ channel, listingId, propertyId, connectionId: `${tenantId}-${channel}` }] });
      const answer = await fetch(`${simulatorUrl}/admin/${channel.toLowerCase()}/listings/${listingId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ connection_id: `${tenantId}-${channel}`, secret: `secret-${channel}`, currency: 'EUR', time_zone: 'Europe/Lisbon' }),
      });
      if (!answer.ok) throw new Error(`registering ${channel} ${listingId}: ${answer.status} ${await answer.text()}`);
    }
    properties.push({ propertyId, listings });
  }
  return properties;
}
