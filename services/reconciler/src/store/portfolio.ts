import { propertyListingsPage } from '@cm/directory';
import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { PassScope } from '../pass-scope';

export interface PortfolioProperty {
  readonly propertyId: string;
  readonly timeZone: string;
  readonly listings: readonly { channel: Channel; listingId: string }[];
}

/**
 * Every property of the scope with channel listings (a tenant's, or every tenant's; one or all),
 * in property order, a batch at a time (keyset paging), so a pass over any number of properties
 * holds one batch in memory. The mapping is the directory's (@cm/directory); the reconciler only reads it.
 */
export async function* propertyBatches(db: Knex, batchSize: number, scope: PassScope): AsyncGenerator<PortfolioProperty[]> {
  const { tenantId, propertyId: only } = scope;
  let after = '';
  for (;;) {
    const rows = await propertyListingsPage(db, { after, limit: batchSize, tenantId, propertyId: only });
    if (rows.length === 0) return;
    const batch: PortfolioProperty[] = [];
    for (const row of rows) {
      let last = batch[batch.length - 1];
      if (last?.propertyId !== row.property_id) {
        last = { propertyId: row.property_id, timeZone: row.time_zone, listings: [] };
        batch.push(last);
      }
      (last.listings as { channel: Channel; listingId: string }[]).push({ channel: row.channel, listingId: row.listing_id });
    }
    yield batch;
    after = batch[batch.length - 1]!.propertyId;
    if (only !== null) return;
  }
}
