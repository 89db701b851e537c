import type { LocalDate } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { Lease } from './sync-store';

/** A channel listing and its property. */
export interface RateListing {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
}

/** A listing claimed for a rate push. */
export interface RateWork extends RateListing {
  readonly attempts: number;
  /** How many markings it had when claimed. */
  readonly marks: number;
}

/** A night of a PMS rate plan to push, with the marking it was read at. */
export interface MarkedNight {
  readonly ratePlan: string;
  readonly night: LocalDate;
  readonly mark: number;
}

/** Nights [from, to) of a PMS rate plan to mark for one listing. */
export interface RateMarking {
  readonly listing: RateListing;
  readonly ratePlan: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
}

/**
 * The rate push queue: which nights of which listing's rate plans changed since they were
 * pushed. The terms are not copied here: a push reads them from the rates store as they are then.
 */
export class RateStore {
  constructor(private readonly db: Knex) {}

  /** Marks nights to push and puts their listings in the queue (due now, unless already waiting). */
  async mark(markings: readonly RateMarking[], nowMs: number): Promise<void> {
    if (markings.length === 0) return;
    const listings = new Map(markings.map((m) => [`${m.listing.channel}\u0000${m.listing.listingId}`, m.listing]));
    await this.db.raw(
      `WITH marked AS (
         INSERT INTO sync.rate_nights (channel, listing_id, rate_plan, night, mark)
         SELECT DISTINCT ON (m.channel, m.listing_id, m.rate_plan, d) m.channel, m.listing_id, m.rate_plan, d::date, nextval('sync.rate_mark_seq')
         FROM unnest(?::text[], ?::text[], ?::text[], ?::date[], ?::date[]) AS m(channel, listing_id, rate_plan, from_date, to_date)
         CROSS JOIN LATERAL generate_series(m.from_date, m.to_date - 1, interval '1 day') AS d
         ORDER BY m.channel, m.listing_id, m.rate_plan, d
         ON CONFLICT (channel, listing_id, rate_plan, night) DO UPDATE SET mark = excluded.mark
         RETURNING 1)
       INSERT INTO sync.rate_work (channel, listing_id, property_id, due_at_ms, marks)
       SELECT l.channel, l.listing_id, l.property_id, ?, 1 FROM unnest(?::text[], ?::text[], ?::text[]) AS l(channel, listing_id, property_id)
       ON CONFLICT (channel, listing_id) DO UPDATE SET marks = sync.rate_work.marks + 1, property_id = excluded.property_id, due_at_ms = COALESCE(sync.rate_work.due_at_ms, excluded.due_at_ms)`,
      [
        markings.map((m) => m.listing.channel),
        markings.map((m) => m.listing.listingId),
        markings.map((m) => m.ratePlan),
        markings.map((m) => m.from),
        markings.map((m) => m.to),
        nowMs,
        [...listings.values()].map((l) => l.channel),
        [...listings.values()].map((l) => l.listingId),
        [...listings.values()].map((l) => l.propertyId),
      ],
    );
  }

  /** Leases up to `limit` listings due at `nowMs`. */
  async claim(lease: Lease, nowMs: number, limit: number): Promise<RateWork[]> {
    const result = await this.db.raw(
      `UPDATE sync.rate_work w SET leased_by = ?, leased_until_ms = ?
       WHERE (w.channel, w.listing_id) IN (
         SELECT w2.channel, w2.listing_id FROM sync.rate_work w2
         WHERE w2.due_at_ms <= ? AND (w2.leased_until_ms IS NULL OR w2.leased_until_ms < ?)
         ORDER BY w2.due_at_ms LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING w.channel, w.listing_id, w.property_id, w.attempts, w.marks`,
      [lease.owner, lease.untilMs, nowMs, nowMs, limit],
    );
    return (result.rows as { channel: Channel; listing_id: string; property_id: string; attempts: number; marks: number | string }[]).map((r) => ({
      channel: r.channel,
      listingId: r.listing_id,
      propertyId: r.property_id,
      attempts: r.attempts,
      marks: Number(r.marks),
    }));
  }

  /** A listing's marked nights, by plan and date, at most `limit`. */
  async markedNights(listing: RateListing, limit: number): Promise<MarkedNight[]> {
    const rows: { rate_plan: string; night: LocalDate; mark: number | string }[] = await this.db('sync.rate_nights')
      .where({ channel: listing.channel, listing_id: listing.listingId })
      .orderBy(['rate_plan', 'night'])
      .limit(limit)
      .select('rate_plan', 'night', 'mark');
    return rows.map((r) => ({ ratePlan: r.rate_plan, night: r.night, mark: Number(r.mark) }));
  }

  /** The channel took these nights: they are cleared, unless marked again since they were read. */
  async pushed(listing: RateListing, nights: readonly MarkedNight[]): Promise<void> {
    if (nights.length === 0) return;
    await this.db.raw(
      `DELETE FROM sync.rate_nights n USING unnest(?::text[], ?::date[], ?::bigint[]) AS p(rate_plan, night, mark)
       WHERE n.channel = ? AND n.listing_id = ? AND n.rate_plan = p.rate_plan AND n.night = p.night AND n.mark = p.mark`,
      [nights.map((n) => n.ratePlan), nights.map((n) => n.night), nights.map((n) => n.mark), listing.channel, listing.listingId],
    );
  }

  /**
   * Gives the listing back: due at `dueAtMs`, or, when `dueAtMs` is null (all it read was pushed),
   * due now if it was marked again since its claim or has nights it did not read, else idle.
   */
  async release(work: RateWork, owner: string, release: { dueAtMs: number | null; nowMs: number; attempts: number; error: string | null; unread: boolean }): Promise<void> {
    await this.db.raw(
      `UPDATE sync.rate_work SET leased_by = NULL, leased_until_ms = NULL, attempts = ?, last_error = ?,
         due_at_ms = CASE WHEN ?::bigint IS NOT NULL THEN ?::bigint WHEN marks <> ? OR ? THEN ?::bigint ELSE NULL END
       WHERE channel = ? AND listing_id = ? AND leased_by = ?`,
      [release.attempts, release.error, release.dueAtMs, release.dueAtMs, work.marks, release.unread, release.nowMs, work.channel, work.listingId, owner],
    );
  }

  /** Listings with nights still to push, and the nights: for tests and the benchmark to wait on. */
  async backlog(): Promise<{ listings: number; nights: number }> {
    const [row] = (await this.db.raw('SELECT (SELECT count(*) FROM sync.rate_work WHERE due_at_ms IS NOT NULL) AS listings, (SELECT count(*) FROM sync.rate_nights) AS nights')).rows as { listings: string; nights: string }[];
    return { listings: Number(row!.listings), nights: Number(row!.nights) };
  }
}
