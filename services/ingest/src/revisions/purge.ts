import { Waker } from '@cm/service-runtime';
import type { Knex, Logger } from '@cm/service-runtime';

export interface RevisionPurgeOptions {
  /** Acknowledged revisions are deleted this long after their acknowledgement. */
  readonly retentionMs: number;
  /** Pause between purges (each runs its batches until one is not full). */
  readonly intervalMs: number;
  /** Rows deleted per statement, so no purge holds many locks or runs long. */
  readonly batchSize: number;
  readonly onPurged: (rows: number) => void;
  readonly log: Logger;
}

/**
 * Deletes revisions acknowledged more than `retentionMs` ago, oldest acknowledgement first, a
 * bounded batch per statement: at start, then every `intervalMs`. Unacknowledged revisions are
 * never deleted. Each property's highest purged version is kept as its purge mark: a replay of
 * booking.events records nothing at or below it. Instances share the work (SKIP LOCKED); stop() ends the loop after the batch in
 * flight.
 */
export class RevisionPurge {
  private readonly waker = new Waker();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: Knex,
    private readonly options: RevisionPurgeOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.wake();
    await this.loop;
  }

  /** One purge: batches until one is not full (or stop() was called); returns the rows deleted. */
  async purgeAcknowledged(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      // The deleted versions raise their properties' purge marks in the same statement, so a replay
      // of booking.events does not record them again.
      const deleted = await this.db.raw(
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
        [this.options.retentionMs / 1000, this.options.batchSize],
      );
      const rows = Number(deleted.rows[0]?.rows ?? 0);
      total += rows;
      if (rows > 0) this.options.onPurged(rows);
      if (rows < this.options.batchSize) break;
    }
    return total;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const purged = await this.purgeAcknowledged();
        if (purged > 0) this.options.log.info({ purged }, 'acknowledged PMS revisions deleted');
      } catch (error) {
        this.options.log.error({ err: error }, 'purging acknowledged PMS revisions failed; the next round tries again');
      }
      await this.waker.sleep(this.options.intervalMs);
    }
  }
}
