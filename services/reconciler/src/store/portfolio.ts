import { propertyListingsPage } from '@cm/directory';
import type { LocalDate, StayDates } from '@cm/domain';
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

/** What the ledger says of a batch of properties, read in one snapshot. */
export interface LedgerView {
  /** Each property's ledger version (0 for a property the ledger has not seen). */
  readonly versions: ReadonlyMap<string, number>;
  /** The dates of the stays holding nights in the window, per property. */
  readonly holding: ReadonlyMap<string, readonly StayDates[]>;
}

/** The same predicate as the ledger's exclusion constraint: stays that hold their nights. */
const HOLDING = `((kind = 'booking' AND status IN ('PENDING', 'CONFIRMED')) OR (kind = 'block' AND active))`;

/**
 * Versions and holding stays of the properties overlapping [from, to), in one repeatable-read
 * snapshot so each version is the one the stays were read at: a correction carries it, and the
 * dispatcher never lets it overwrite a newer state.
 */
export async function readLedger(db: Knex, propertyIds: readonly string[], from: LocalDate, to: LocalDate): Promise<LedgerView> {
  return db.transaction(
    async (tx) => {
      const versions = new Map<string, number>(propertyIds.map((id) => [id, 0]));
      const holding = new Map<string, StayDates[]>(propertyIds.map((id) => [id, []]));
      const versionRows: { property_id: string; version: string | number }[] = await tx('properties').whereIn('property_id', propertyIds).select('property_id', 'version');
      for (const r of versionRows) versions.set(r.property_id, Number(r.version));
      const stays: { property_id: string; check_in: string; check_out: string }[] = await tx('stays')
        .whereIn('property_id', propertyIds)
        .whereRaw(HOLDING)
        .where('check_out', '>', from)
        .where('check_in', '<', to)
        .select('property_id', 'check_in', 'check_out');
      for (const s of stays) holding.get(s.property_id)!.push({ checkIn: s.check_in as LocalDate, checkOut: s.check_out as LocalDate });
      return { versions, holding };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
