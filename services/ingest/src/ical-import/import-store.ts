import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { HeldEvent } from './feed-events';

/** A listing's import as a poller claimed it. */
export interface ImportState {
  readonly channel: Channel;
  readonly listingId: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly sourceVersion: number;
  readonly consecutiveFailures: number;
  readonly acceptShrink: boolean;
  /** The claim's lease: the feed's due time while this read holds it. */
  readonly claimedUntilMs: number;
}

/**
 * When a read's feed is due again: at `atMs`, unless an operator asked for a read while this one
 * was under way (its due time moved before the claim's lease), which is then kept, not lost.
 */
export interface NextPoll {
  readonly atMs: number;
  readonly claimedUntilMs: number;
}

/** What one read of a feed leaves: its validators, its events, when it is due again. */
export interface ReadRecord {
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly sourceVersion: number;
  readonly readAtMs: number;
  readonly nextPoll: NextPoll;
  /** The UIDs whose held state changed (appeared, moved, left, or ended before the window). */
  readonly events: readonly (HeldEvent & { readonly present: boolean })[];
}

interface StateRow {
  channel: Channel;
  listing_id: string;
  etag: string | null;
  last_modified: string | null;
  source_version: string;
  consecutive_failures: number;
  accept_shrink: boolean;
}

interface EventRow {
  uid: string;
  kind: HeldEvent['kind'];
  check_in: string;
  check_out: string;
  present: boolean;
  generation: number;
  revision: number;
}

/**
 * The iCal imports' state (ingest.ical_imports and ical_import_events). Several ingest instances
 * poll: each claims due feeds by moving their due time past a lease, with SKIP LOCKED, so a feed
 * is read by one at a time (but for an operator's read-now during a read, which sends the same
 * events, taken once) and a crashed poller's claim lapses.
 */
export class ImportStore {
  constructor(private readonly db: Knex) {}

  /** Makes sure every configured feed has its state row; a new one is due at once. */
  async ensure(feeds: readonly { channel: Channel; listingId: string }[], nowMs: number): Promise<void> {
    for (let i = 0; i < feeds.length; i += 1_000) {
      const slice = feeds.slice(i, i + 1_000);
      await this.db('ingest.ical_imports')
        .insert(slice.map((f) => ({ channel: f.channel, listing_id: f.listingId, next_poll_at_ms: nowMs })))
        .onConflict(['channel', 'listing_id'])
        .ignore();
    }
  }

  /** Up to `limit` of these feeds that are due, claimed for `leaseMs`. */
  async claimDue(feeds: readonly { channel: Channel; listingId: string }[], nowMs: number, leaseMs: number, limit: number): Promise<ImportState[]> {
    if (feeds.length === 0) return [];
    const rows: StateRow[] = (
      await this.db.raw(
        `UPDATE ingest.ical_imports i SET next_poll_at_ms = ?
         WHERE (i.channel, i.listing_id) IN (
           SELECT d.channel, d.listing_id FROM ingest.ical_imports d
           JOIN unnest(?::text[], ?::text[]) AS f(channel, listing_id) ON f.channel = d.channel AND f.listing_id = d.listing_id
           WHERE d.next_poll_at_ms <= ? ORDER BY d.next_poll_at_ms LIMIT ? FOR UPDATE OF d SKIP LOCKED)
         RETURNING i.channel, i.listing_id, i.etag, i.last_modified, i.source_version, i.consecutive_failures, i.accept_shrink`,
        [nowMs + leaseMs, feeds.map((f) => f.channel), feeds.map((f) => f.listingId), nowMs, limit],
      )
    ).rows;
    return rows.map((r) => ({ channel: r.channel, listingId: r.listing_id, etag: r.etag, lastModified: r.last_modified, sourceVersion: Number(r.source_version), consecutiveFailures: r.consecutive_failures, acceptShrink: r.accept_shrink, claimedUntilMs: nowMs + leaseMs }));
  }

  /** The events held now (present), and of those that left the feed, the ones whose UIDs are given (the read shows them again). */
  async events(channel: Channel, listingId: string, alsoUids: readonly string[]): Promise<(HeldEvent & { present: boolean })[]> {
    const rows: EventRow[] = await this.db('ingest.ical_import_events')
      .select('uid', 'kind', this.db.raw("to_char(check_in, 'YYYY-MM-DD') AS check_in"), this.db.raw("to_char(check_out, 'YYYY-MM-DD') AS check_out"), 'present', 'generation', 'revision')
      .where({ channel, listing_id: listingId })
      // Events that left the feed are kept for good; only those the read names again matter.
      .andWhere((q) => q.where('present', true).orWhereIn('uid', [...alsoUids]));
    return rows.map((r) => ({ uid: r.uid, kind: r.kind, checkIn: r.check_in, checkOut: r.check_out, present: r.present, generation: r.generation, revision: r.revision }));
  }

  /** A read taken in: its changes were sent; now they are held, and the feed is due again later. */
  async recordRead(channel: Channel, listingId: string, read: ReadRecord): Promise<void> {
    await this.db.transaction(async (trx) => {
      if (read.events.length > 0) {
        await trx('ingest.ical_import_events')
          .insert(read.events.map((e) => ({ channel, listing_id: listingId, uid: e.uid, kind: e.kind, check_in: e.checkIn, check_out: e.checkOut, present: e.present, generation: e.generation, revision: e.revision })))
          .onConflict(['channel', 'listing_id', 'uid'])
          .merge(['kind', 'check_in', 'check_out', 'present', 'generation', 'revision']);
      }
      await trx('ingest.ical_imports')
        .where({ channel, listing_id: listingId })
        .update({ etag: read.etag, last_modified: read.lastModified, source_version: read.sourceVersion, next_poll_at_ms: this.dueAgain(read.nextPoll), last_read_at_ms: read.readAtMs, consecutive_failures: 0, last_problem: null, accept_shrink: this.db.raw(`CASE WHEN ${ASKED_DURING_READ} THEN accept_shrink ELSE false END`, [read.nextPoll.claimedUntilMs]) });
    });
  }

  /**
   * A read not taken in (failed, incomplete, or a shrink nobody vouched for): nothing held
   * changes, the validators are dropped so the next read is whole. Answers the failures in a row
   * (counted when `failure`: a shrink is not a failure of the feed to answer) and the problem the
   * last read left, so the same problem is not raised at every read.
   */
  async recordUntaken(channel: Channel, listingId: string, problem: string, nextPoll: NextPoll, failure: boolean): Promise<{ failures: number; previousProblem: string | null }> {
    const { rows } = await this.db.raw(
      `UPDATE ingest.ical_imports i SET etag = NULL, last_modified = NULL, last_problem = ?, next_poll_at_ms = ${DUE_AGAIN_SQL}, consecutive_failures = i.consecutive_failures + ?
       FROM (SELECT last_problem FROM ingest.ical_imports WHERE channel = ? AND listing_id = ? FOR UPDATE) AS before
       WHERE i.channel = ? AND i.listing_id = ?
       RETURNING i.consecutive_failures, before.last_problem AS previous_problem`,
      [problem.slice(0, 500), nextPoll.claimedUntilMs, nextPoll.atMs, failure ? 1 : 0, channel, listingId, channel, listingId],
    );
    const row = rows[0] as { consecutive_failures: number; previous_problem: string | null } | undefined;
    return { failures: row?.consecutive_failures ?? 0, previousProblem: row?.previous_problem ?? null };
  }

  /** An unchanged feed (304): still whole, due again later. */
  async recordUnchanged(channel: Channel, listingId: string, readAtMs: number, nextPoll: NextPoll): Promise<void> {
    await this.db('ingest.ical_imports').where({ channel, listing_id: listingId }).update({ next_poll_at_ms: this.dueAgain(nextPoll), last_read_at_ms: readAtMs, consecutive_failures: 0, last_problem: null });
  }

  private dueAgain(next: NextPoll): Knex.Raw {
    return this.db.raw(DUE_AGAIN_SQL, [next.claimedUntilMs, next.atMs]);
  }

  /** An operator's "read it now": due at once (still a conditional GET). False for a feed not imported. */
  async pollNow(channel: Channel, listingId: string, nowMs: number): Promise<boolean> {
    const updated = await this.db('ingest.ical_imports').where({ channel, listing_id: listingId }).update({ next_poll_at_ms: nowMs });
    return updated > 0;
  }

  /**
   * An operator vouches for a listing's feed as it is now: its next read (due at once, not
   * conditional) releases what it dropped, however much. Returns false for a feed not imported.
   */
  async acceptShrink(channel: Channel, listingId: string, nowMs: number): Promise<boolean> {
    const updated = await this.db('ingest.ical_imports').where({ channel, listing_id: listingId }).update({ accept_shrink: true, etag: null, last_modified: null, next_poll_at_ms: nowMs });
    return updated > 0;
  }

  /** Each imported feed's state, for the admin command and the gauges. */
  async states(): Promise<{ channel: Channel; listingId: string; lastReadAtMs: number | null; consecutiveFailures: number; lastProblem: string | null; held: number }[]> {
    const rows: { channel: Channel; listing_id: string; last_read_at_ms: string | null; consecutive_failures: number; last_problem: string | null; held: string }[] = await this.db('ingest.ical_imports as i')
      .select('i.channel', 'i.listing_id', 'i.last_read_at_ms', 'i.consecutive_failures', 'i.last_problem')
      .select(this.db.raw('(SELECT count(*) FROM ingest.ical_import_events e WHERE e.channel = i.channel AND e.listing_id = i.listing_id AND e.present) AS held'))
      .orderBy(['i.channel', 'i.listing_id']);
    return rows.map((r) => ({ channel: r.channel, listingId: r.listing_id, lastReadAtMs: r.last_read_at_ms === null ? null : Number(r.last_read_at_ms), consecutiveFailures: r.consecutive_failures, lastProblem: r.last_problem, held: Number(r.held) }));
  }
}

/** A due time moved before the claim's lease (bound: the lease's end) was asked for during the read (pollNow, accept). */
const ASKED_DURING_READ = 'next_poll_at_ms < ?';
/** The due time asked for during the read is kept; otherwise the read's own next due time. */
const DUE_AGAIN_SQL = `CASE WHEN ${ASKED_DURING_READ} THEN next_poll_at_ms ELSE ? END`;
