import type { Knex } from '@cm/service-runtime';

/**
 * One batch of the revision purge (BatchedPurge runs it): revisions acknowledged more than
 * `retentionMs` ago, oldest acknowledgement first, SKIP LOCKED so instances share the work.
 * Unacknowledged revisions are never deleted. Each property's highest purged version is kept as
 * its purge mark in the same statement: a replay of booking.events records nothing at or below it.
 */
export function acknowledgedRevisions(db: Knex, retentionMs: number): (batchSize: number) => Promise<number> {
  return async (batchSize) => {
    const deleted = await db.raw(
      `WITH purged AS (
         DELETE FROM ingest.pms_revisions WHERE revision_id IN (
           SELECT revision_id FROM ingest.pms_revisions
           WHERE acknowledged_at < now() - make_interval(secs => ?)
           ORDER BY acknowledged_at LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING property_id, version
       ), marked AS (
         INSERT INTO ingest.pms_revision_purge_marks AS m (property_id, version)
         SELECT property_id, max(version) FROM purged GROUP BY property_id
         ON CONFLICT (property_id) DO UPDATE SET version = greatest(m.version, excluded.version)
       )
       SELECT count(*)::int AS rows FROM purged`,
      [retentionMs / 1000, batchSize],
    );
    return Number(deleted.rows[0]?.rows ?? 0);
  };
}
