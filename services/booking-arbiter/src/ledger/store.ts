import type { PropertyState, Stay, StayDates, StayKey } from '@cm/domain';
import type { Knex } from '@cm/service-runtime';
import { guestToRow, stayFromRow, stayToRow, type StayRow } from './rows';

/** The same predicate as the exclusion constraint: the stays that occupy their nights. */
const HOLDING = `((s.kind = 'booking' AND s.status IN ('PENDING', 'CONFIRMED')) OR (s.kind = 'block' AND s.active))`;

/**
 * Locks the properties' rows (in a fixed order, so two writers cannot deadlock) for the rest of
 * the transaction and returns their ledger versions. Partitioning already gives one writer per
 * property; the lock keeps that true even if two instances briefly both believe they own it.
 */
export async function lockProperties(tx: Knex.Transaction, propertyIds: readonly string[]): Promise<Map<string, number>> {
  const sorted = [...new Set(propertyIds)].sort();
  await tx.raw('INSERT INTO properties (property_id) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING', [sorted]);
  const rows: { property_id: string; version: number }[] = await tx('properties').whereIn('property_id', sorted).orderBy('property_id').forUpdate().select('property_id', 'version');
  return new Map(rows.map((r) => [r.property_id, Number(r.version)]));
}

/** What one command needs to read: its own stay, and every stay holding a night it asks for. */
export interface StateNeed {
  readonly propertyId: string;
  readonly key: StayKey;
  readonly dates: StayDates | null;
}

/** Loads, in one query, the part of each property's ledger the given commands can read. */
export async function loadStates(tx: Knex.Transaction, versions: ReadonlyMap<string, number>, needs: readonly StateNeed[]): Promise<Map<string, PropertyState>> {
  const states = new Map<string, PropertyState>();
  for (const [propertyId, version] of versions) states.set(propertyId, { propertyId, version, stays: new Map() });
  if (needs.length === 0) return states;
  const values = needs.map(() => '(?::text, ?::text, ?::date, ?::date)').join(', ');
  const bindings = needs.flatMap((n) => [n.propertyId, n.key, n.dates?.checkIn ?? null, n.dates?.checkOut ?? null]);
  // Two lookups, each by its own index (the primary key; the exclusion constraint's GiST index,
  // whose predicate HOLDING repeats): one join with an OR between them read every stay of the
  // property instead.
  const { rows } = (await tx.raw(
    `WITH n(property_id, stay_key, check_in, check_out) AS (VALUES ${values}),
     wanted AS (
       SELECT s.property_id, s.stay_key FROM n JOIN stays s ON s.property_id = n.property_id AND s.stay_key = n.stay_key
       UNION
       SELECT s.property_id, s.stay_key FROM n JOIN stays s ON s.property_id = n.property_id
         AND n.check_in IS NOT NULL AND ${HOLDING} AND daterange(s.check_in, s.check_out, '[)') && daterange(n.check_in, n.check_out, '[)'))
     SELECT s.*,
            g.name, g.name_updated_at_ms, g.name_source, g.email, g.email_updated_at_ms, g.email_source, g.phone, g.phone_updated_at_ms, g.phone_source
     FROM wanted w
     JOIN stays s ON s.property_id = w.property_id AND s.stay_key = w.stay_key
     LEFT JOIN guests g ON g.property_id = s.property_id AND g.stay_key = s.stay_key`,
    bindings,
  )) as { rows: StayRow[] };
  for (const row of rows) (states.get(row.property_id)!.stays as Map<StayKey, Stay>).set(row.stay_key as StayKey, stayFromRow(row));
  return states;
}

/** Writes, in bulk, what changed between each property's loaded and final state. */
export async function writeChanges(tx: Knex.Transaction, changes: readonly { before: PropertyState; after: PropertyState }[]): Promise<void> {
  const stays: ReturnType<typeof stayToRow>[] = [];
  const guests: ReturnType<typeof guestToRow>[] = [];
  const versions: { property_id: string; version: number }[] = [];
  for (const { before, after } of changes) {
    for (const [key, stay] of after.stays) {
      const previous = before.stays.get(key);
      if (previous === stay) continue;
      stays.push(stayToRow(after.propertyId, stay, after.version));
      if (stay.kind === 'booking' && (previous?.kind !== 'booking' || previous.guest !== stay.guest)) guests.push(guestToRow(after.propertyId, key, stay.guest));
    }
    if (after.version !== before.version) versions.push({ property_id: after.propertyId, version: after.version });
  }
  if (stays.length > 0) await tx('stays').insert(stays).onConflict(['property_id', 'stay_key']).merge();
  if (guests.length > 0) await tx('guests').insert(guests).onConflict(['property_id', 'stay_key']).merge();
  if (versions.length > 0) {
    await tx.raw(
      `UPDATE properties p SET version = v.version, updated_at = now() FROM (VALUES ${versions.map(() => '(?::text, ?::bigint)').join(', ')}) AS v(property_id, version) WHERE p.property_id = v.property_id`,
      versions.flatMap((v) => [v.property_id, v.version]),
    );
  }
}
