import type { Channel } from '@cm/schemas';
import { preparedRaw, type Knex } from '@cm/service-runtime';
import type { ListingKey } from './sync-store';

/** One fetch of a listing's export feed, as the feed server answered it. */
export interface FeedFetch extends ListingKey {
  /** The feed's version the channel now holds: the one served (200) or the one its ETag named (304). */
  readonly version: number;
  readonly atMs: number;
  readonly status: 200 | 304;
}

/** The highest feed version a channel fetched of a listing, when a fetch first got it, and the latest fetch. */
export interface FetchedVersion {
  readonly version: number;
  readonly fetchedAtMs: number;
  readonly lastFetchedAtMs: number;
}

/**
 * Whether a fetch row `f` carried the pending night `n`: its version is at or below the one
 * fetched; a reconciliation's correction (at a version the feed already showed: the channel lost
 * it) needs a fetch after it, or a fetch made before the loss would acknowledge it.
 */
export const FETCH_CARRIES_NIGHT_SQL = 'f.version >= n.version AND (NOT n.is_reconciliation OR f.last_fetched_at_ms >= n.changed_at_ms)';

/** Per feed channel: its oldest change no fetch has carried yet, and how many listings hold one older than the alert's limit. */
export interface Unfetched {
  readonly channel: Channel;
  readonly oldestChangedAtMs: number;
  readonly overdueListings: number;
}

/**
 * The fetches of our iCal export feeds (sync.feed_fetches, one row per listing): what the
 * acknowledgement of a feed channel's changes waits for.
 */
export class FeedFetches {
  constructor(private readonly db: Knex) {}

  /**
   * Records a fetch. A fetch of an older version than one recorded (two polls crossing) lowers
   * nothing. Answers whether the listing has a pending change the fetch carried: then there is
   * an acknowledgement to make.
   */
  async record(fetch: FeedFetch): Promise<boolean> {
    const result = await preparedRaw(
      this.db,
      `INSERT INTO sync.feed_fetches AS f (channel, listing_id, version, version_fetched_at_ms, last_fetched_at_ms, last_status)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel, listing_id) DO UPDATE SET
         version = greatest(f.version, excluded.version),
         version_fetched_at_ms = CASE WHEN excluded.version > f.version THEN excluded.version_fetched_at_ms ELSE f.version_fetched_at_ms END,
         last_fetched_at_ms = greatest(f.last_fetched_at_ms, excluded.last_fetched_at_ms),
         last_status = excluded.last_status
       RETURNING EXISTS (SELECT 1 FROM sync.nights n WHERE n.channel = f.channel AND n.listing_id = f.listing_id
                           AND n.version > n.pushed_version AND ${FETCH_CARRIES_NIGHT_SQL}) AS carried_pending`,
      [fetch.channel, fetch.listingId, fetch.version, fetch.atMs, fetch.atMs, fetch.status],
    );
    return (result.rows[0] as { carried_pending: boolean }).carried_pending;
  }

  /** The version the channel fetched of the listing's feed; undefined when it never fetched it. */
  async fetchedVersionOf(listing: ListingKey): Promise<FetchedVersion | undefined> {
    const result = await preparedRaw(this.db, 'SELECT version, version_fetched_at_ms, last_fetched_at_ms FROM sync.feed_fetches WHERE channel = ? AND listing_id = ?', [listing.channel, listing.listingId]);
    const row = result.rows[0] as { version: string | number; version_fetched_at_ms: string | number; last_fetched_at_ms: string | number } | undefined;
    return row && { version: Number(row.version), fetchedAtMs: Number(row.version_fetched_at_ms), lastFetchedAtMs: Number(row.last_fetched_at_ms) };
  }

  /** What the feed channels have not fetched yet: `overdueBeforeMs` is the change time before which a change is overdue. */
  async unfetched(feedChannels: readonly Channel[], overdueBeforeMs: number): Promise<Unfetched[]> {
    if (feedChannels.length === 0) return [];
    const result = await this.db.raw(
      `SELECT channel, min(oldest) AS oldest, count(*) FILTER (WHERE oldest < ?) AS overdue
       FROM (SELECT channel, listing_id, min(changed_at_ms) AS oldest FROM sync.nights
             WHERE version > pushed_version AND channel IN (${feedChannels.map(() => '?').join(', ')})
             GROUP BY channel, listing_id) pending
       GROUP BY channel`,
      [overdueBeforeMs, ...feedChannels],
    );
    return (result.rows as { channel: Channel; oldest: string | number; overdue: string | number }[]).map((r) => ({ channel: r.channel, oldestChangedAtMs: Number(r.oldest), overdueListings: Number(r.overdue) }));
  }
}
