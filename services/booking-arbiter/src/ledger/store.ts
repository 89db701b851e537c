import type { PropertyState, Stay, StayDates, StayKey } from '@cm/domain';
import type { Knex } from '@cm/service-runtime';
import { guestToRow, stayFromRow, stayToRow, type StayRow } from './rows';

/** The same predicate as the exclusion constraint: the stays that occupy their nights. */
const HOLDING = `((s.kind = 'booking' AND s.status IN ('PENDING', 'CONFIRMED')) OR (s.kind = 'block' AND s.active))`;

/**
 * Locks the property's row for the rest of the transaction and returns its ledger version.
 * Partitioning already gives one writer per property; the lock keeps that true even if two
 * instances briefly both believe they own it.
 */
export async function lockProperty(tx: Knex.Transaction, propertyId: string): Promise<number> {
  await tx.raw('INSERT INTO properties (property_id) VALUES (?) ON CONFLICT DO NOTHING', [propertyId]);
  const row = await tx('properties').where({ property_id: propertyId }).forUpdate().first('version');
  return Number(row.version);
}

/**
 * Loads the part of a property's ledger a decision can read: the stay the command is about and
 * every stay holding a night of the dates it asks for.
 */
export async function loadState(
  tx: Knex.Transaction,
  propertyId: string,
  version: number,
  key: StayKey,
  dates: StayDates | null,
): Promise<PropertyState> {
  const rows = (await tx
    .select('s.*', 'g.name', 'g.name_updated_at_ms', 'g.name_source', 'g.email', 'g.email_updated_at_ms', 'g.email_source', 'g.phone', 'g.phone_updated_at_ms', 'g.phone_source')
    .from('stays as s')
    .leftJoin('guests as g', function joinGuest() {
      this.on('g.property_id', 's.property_id').andOn('g.stay_key', 's.stay_key');
    })
    .where('s.property_id', propertyId)
    .andWhere((q) => {
      q.where('s.stay_key', key);
      if (dates) q.orWhereRaw(`(${HOLDING} AND daterange(s.check_in, s.check_out, '[)') && daterange(?::date, ?::date, '[)'))`, [dates.checkIn, dates.checkOut]);
    })) as StayRow[];
  return { propertyId, version, stays: new Map(rows.map((r) => [r.stay_key as StayKey, stayFromRow(r)])) };
}

/** Writes what changed between two states of the ledger (evolve keeps unchanged stays identical). */
export async function writeChanges(tx: Knex.Transaction, before: PropertyState, after: PropertyState): Promise<Stay[]> {
  const changed: Stay[] = [];
  for (const [key, stay] of after.stays) {
    const previous = before.stays.get(key);
    if (previous === stay) continue;
    changed.push(stay);
    await tx('stays').insert(stayToRow(after.propertyId, stay, after.version)).onConflict(['property_id', 'stay_key']).merge();
    if (stay.kind === 'booking' && (previous?.kind !== 'booking' || previous.guest !== stay.guest)) {
      await tx('guests').insert(guestToRow(after.propertyId, key, stay.guest)).onConflict(['property_id', 'stay_key']).merge();
    }
  }
  if (after.version !== before.version) {
    await tx('properties').where({ property_id: after.propertyId }).update({ version: after.version, updated_at: new Date() });
  }
  return changed;
}
