import type { Knex } from '@cm/service-runtime';

/** The ledger's own predicate (its exclusion constraint's): the stays of alias `s` that hold their nights. */
const holding = (s: string) => `((${s}.kind = 'booking' AND ${s}.status IN ('PENDING', 'CONFIRMED')) OR (${s}.kind = 'block' AND ${s}.active))`;

/** Pairs of stays holding a night at once: in the whole ledger, or among the properties given. */
export async function doubleBookedStays(db: Knex, propertyIds?: readonly string[]): Promise<{ property_id: string; stay_key: string; other: string }[]> {
  const { rows } = await db.raw(
    `SELECT a.property_id, a.stay_key, b.stay_key AS other
     FROM stays a JOIN stays b ON a.property_id = b.property_id AND a.stay_key < b.stay_key
     WHERE daterange(a.check_in, a.check_out, '[)') && daterange(b.check_in, b.check_out, '[)')
       AND ${holding('a')} AND ${holding('b')} ${propertyIds ? 'AND a.property_id = ANY(?)' : ''}`,
    propertyIds ? [[...propertyIds]] : [],
  );
  return rows;
}

/** Nights [from, to) the ledger holds for a property, in order. */
export async function heldNights(db: Knex, propertyId: string, window: { from: string; to: string }): Promise<string[]> {
  const { rows } = await db.raw(
    `SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS night FROM stays s, generate_series(s.check_in, s.check_out - 1, interval '1 day') d
     WHERE s.property_id = ? AND ${holding('s')} AND d >= ?::date AND d < ?::date ORDER BY 1`,
    [propertyId, window.from, window.to],
  );
  return (rows as { night: string }[]).map((r) => r.night);
}

/** The stays holding nights of a property that end after `from`, with their nights as dates. */
export async function holdingStays(db: Knex, propertyId: string, from: string): Promise<{ stay_key: string; check_in: string; check_out: string }[]> {
  const { rows } = await db.raw(
    `SELECT s.stay_key, to_char(s.check_in, 'YYYY-MM-DD') AS check_in, to_char(s.check_out, 'YYYY-MM-DD') AS check_out
     FROM stays s WHERE s.property_id = ? AND ${holding('s')} AND s.check_out > ?::date`,
    [propertyId, from],
  );
  return rows;
}
