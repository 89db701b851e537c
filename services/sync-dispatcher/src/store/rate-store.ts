import { fromEpochDay, toEpochDay, type LocalDate } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { listingKeyOf, type Lease } from './sync-store';

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

/** A night of a PMS rate plan to push. */
export interface MarkedNight {
  readonly ratePlan: string;
  readonly night: LocalDate;
}

/** A PMS rate plan's nights to push for one listing, with the count of markings they were read at. */
export interface DirtyPlan {
  readonly ratePlan: string;
  readonly marks: number;
  readonly nights: LocalDate[];
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
 * pushed, as multiranges. The terms are not copied here: a push reads them from the rates store
 * as they are then.
 */
export class RateStore {
  constructor(private readonly db: Knex) {}

  /** Marks nights to push and puts their listings in the queue (due now, unless already waiting). */
  async mark(markings: readonly RateMarking[], nowMs: number): Promise<void> {
    if (markings.length === 0) return;
    const listings = new Map(markings.map((m) => [listingKeyOf(m.listing), m.listing]));
    await this.db.raw(
      `WITH marked AS (
         INSERT INTO sync.rate_dirty AS d (channel, listing_id, rate_plan, nights, marks)
         SELECT m.channel, m.listing_id, m.rate_plan, range_agg(daterange(m.from_date, m.to_date)), 1
         FROM unnest(?::text[], ?::text[], ?::text[], ?::date[], ?::date[]) AS m(channel, listing_id, rate_plan, from_date, to_date)
         GROUP BY m.channel, m.listing_id, m.rate_plan
         ON CONFLICT (channel, listing_id, rate_plan) DO UPDATE SET nights = d.nights + excluded.nights, marks = d.marks + 1
         RETURNING 1)
       INSERT INTO sync.rate_work AS w (channel, listing_id, property_id, due_at_ms, marks)
       SELECT l.channel, l.listing_id, l.property_id, ?, 1 FROM unnest(?::text[], ?::text[], ?::text[]) AS l(channel, listing_id, property_id)
       ON CONFLICT (channel, listing_id) DO UPDATE SET marks = w.marks + 1, property_id = excluded.property_id, due_at_ms = COALESCE(w.due_at_ms, excluded.due_at_ms)`,
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

  /** The nights to push of each of these listings, per PMS rate plan, in date order: one query for a claim's listings. */
  async dirtyPlansOf(listings: readonly RateListing[]): Promise<Map<string, DirtyPlan[]>> {
    const byListing = new Map<string, DirtyPlan[]>(listings.map((l) => [listingKeyOf(l), []]));
    if (listings.length === 0) return byListing;
    const rows: { channel: Channel; listing_id: string; rate_plan: string; marks: number | string; spans: string[] | null }[] = (
      await this.db.raw(
        `SELECT d.channel, d.listing_id, d.rate_plan, d.marks,
                (SELECT array_agg(lower(r) - DATE '1970-01-01' || ':' || upper(r) - DATE '1970-01-01' ORDER BY lower(r)) FROM unnest(d.nights) r) AS spans
         FROM sync.rate_dirty d JOIN unnest(?::text[], ?::text[]) AS l(channel, listing_id) ON d.channel = l.channel AND d.listing_id = l.listing_id
         WHERE NOT isempty(d.nights) ORDER BY d.channel, d.listing_id, d.rate_plan`,
        [listings.map((l) => l.channel), listings.map((l) => l.listingId)],
      )
    ).rows;
    for (const r of rows) byListing.get(listingKeyOf({ channel: r.channel, listingId: r.listing_id }))?.push({ ratePlan: r.rate_plan, marks: Number(r.marks), nights: nightsOfSpans(r.spans ?? []) });
    return byListing;
  }

  /**
   * Records what a push came to, in one statement: the nights the channel took are taken out of
   * their plans' rows (unless a row was marked again since it was read: then all of it is pushed
   * again, and nothing marked is lost), and the listing is given back: due at `dueAtMs`, or, when
   * `dueAtMs` is null (all it read was pushed), due now if it was marked again since its claim,
   * else idle.
   */
  async finish(work: RateWork, owner: string, pushed: readonly MarkedNight[], marksOf: ReadonlyMap<string, number>, release: { dueAtMs: number | null; nowMs: number; attempts: number; error: string | null }): Promise<void> {
    const spans = spansOf(pushed);
    await this.db.raw(
      `WITH taken AS (
         UPDATE sync.rate_dirty d SET nights = d.nights - p.nights
         FROM (SELECT rate_plan, range_agg(daterange(from_date, to_date)) AS nights FROM unnest(?::text[], ?::date[], ?::date[]) AS x(rate_plan, from_date, to_date) GROUP BY rate_plan) p,
              unnest(?::text[], ?::bigint[]) AS seen(rate_plan, marks)
         WHERE d.channel = ? AND d.listing_id = ? AND d.rate_plan = p.rate_plan AND seen.rate_plan = p.rate_plan AND d.marks = seen.marks
         RETURNING 1)
       UPDATE sync.rate_work SET leased_by = NULL, leased_until_ms = NULL, attempts = ?, last_error = ?,
         due_at_ms = CASE WHEN ?::bigint IS NOT NULL THEN ?::bigint WHEN marks <> ? THEN ?::bigint ELSE NULL END
       WHERE channel = ? AND listing_id = ? AND leased_by = ?`,
      [
        spans.map((n) => n.ratePlan),
        spans.map((n) => n.from),
        spans.map((n) => n.to),
        [...marksOf.keys()],
        [...marksOf.values()],
        work.channel,
        work.listingId,
        release.attempts,
        release.error,
        release.dueAtMs,
        release.dueAtMs,
        work.marks,
        release.nowMs,
        work.channel,
        work.listingId,
        owner,
      ],
    );
  }
}

/** Nights as the fewest spans [from, to) per rate plan: what a statement needs, not a row per night. */
function spansOf(nights: readonly MarkedNight[]): { ratePlan: string; from: LocalDate; to: LocalDate }[] {
  const days = nights.map((n) => ({ ratePlan: n.ratePlan, day: toEpochDay(n.night) })).sort((a, b) => (a.ratePlan < b.ratePlan ? -1 : a.ratePlan > b.ratePlan ? 1 : a.day - b.day));
  const spans: { ratePlan: string; from: number; to: number }[] = [];
  for (const { ratePlan, day } of days) {
    const last = spans.at(-1);
    if (last && last.ratePlan === ratePlan && day <= last.to) last.to = Math.max(last.to, day + 1);
    else spans.push({ ratePlan, from: day, to: day + 1 });
  }
  return spans.map((span) => ({ ratePlan: span.ratePlan, from: fromEpochDay(span.from), to: fromEpochDay(span.to) }));
}

/** The nights of spans written as '<first epoch day>:<end epoch day>', in order. */
function nightsOfSpans(spans: readonly string[]): LocalDate[] {
  const nights: LocalDate[] = [];
  for (const span of spans) {
    const [from, to] = span.split(':').map(Number) as [number, number];
    for (let day = from; day < to; day++) nights.push(fromEpochDay(day));
  }
  return nights;
}
