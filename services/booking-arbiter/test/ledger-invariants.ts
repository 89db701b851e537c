/** Queries of the ledger that must return no row, whatever failed along the way. */

/** Two active stays (bookings pending or confirmed, blocks in force) of one property on a common night. */
export const OVERLAPPING_ACTIVE_STAYS = `
  SELECT a.property_id, a.stay_key AS a, b.stay_key AS b
  FROM stays a JOIN stays b ON a.property_id = b.property_id AND a.stay_key < b.stay_key
  WHERE daterange(a.check_in, a.check_out, '[)') && daterange(b.check_in, b.check_out, '[)')
    AND ((a.kind = 'booking' AND a.status IN ('PENDING', 'CONFIRMED')) OR (a.kind = 'block' AND a.active))
    AND ((b.kind = 'booking' AND b.status IN ('PENDING', 'CONFIRMED')) OR (b.kind = 'block' AND b.active))`;

/** Partitions whose decisions, in the order written, ever went back to an older fence generation: a zombie write. */
export const FENCE_GOING_BACKWARDS = `
  SELECT partition, decided_by, fence_generation, previous_generation FROM (
    SELECT partition, decided_by, fence_generation,
           max(fence_generation) OVER (PARTITION BY partition ORDER BY decision_seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_generation
    FROM processed_commands) d
  WHERE fence_generation < previous_generation`;
