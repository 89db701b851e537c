import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { ListingOutcome } from './pass-store';

/** What the last pass that read a listing found of it, the drift clipped to the nights asked for. */
export interface ListingLastPassView {
  readonly channel: Channel;
  readonly listing_id: string;
  readonly pass_id: string;
  readonly checked_at: string;
  readonly outcome: ListingOutcome;
  readonly settled_at: string | null;
  readonly drift_nights: number;
  readonly drift: readonly { readonly check_in: string; readonly check_out: string; readonly kind: string }[];
}

/** Per channel and property, what the passes of the last `days` found and what became of it. */
export interface ReconciliationHealthView {
  readonly channel: Channel;
  readonly property_id: string;
  /** Listing checks made (one per listing per pass) and those that could not read the channel. */
  readonly checks: number;
  readonly unread: number;
  readonly last_checked_at: string | null;
  /** Checks that found availability drift, and the drifting nights they found. */
  readonly drift_found: number;
  readonly drift_nights: number;
  readonly last_drift_found_at: string | null;
  /** What became of the corrections: acknowledged by the channel, failed, still pending. */
  readonly corrected: number;
  readonly correction_failed: number;
  readonly correction_pending: number;
  /** Checks whose rates differed from the PMS's (a correction was sent), and their nights. */
  readonly rate_drift_found: number;
  readonly rate_drift_nights: number;
}

const iso = (ms: string | number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** The reconcile schema as the operator console reads it, for the listings or properties it is given (the caller scoped them). */
export class DriftReads {
  constructor(private readonly db: Knex) {}

  /** For each listing of a property, the newest pass that checked it (read or not), its drift within [from, to). */
  async lastPasses(propertyId: string, from: string, to: string): Promise<ListingLastPassView[]> {
    const rows: { channel: Channel; listing_id: string; pass_id: string; started_at_ms: string; outcome: ListingOutcome; settled_at_ms: string | null; drift_nights: number; drift_ranges: { check_in: string; check_out: string; kind: string }[] }[] = await this.db('reconcile.pass_listings as l')
      .join('reconcile.passes as p', 'p.pass_id', 'l.pass_id')
      .where('l.property_id', propertyId)
      .distinctOn('l.channel', 'l.listing_id')
      .orderBy([{ column: 'l.channel' }, { column: 'l.listing_id' }, { column: 'p.started_at_ms', order: 'desc' }])
      .select('l.channel', 'l.listing_id', 'l.pass_id', 'p.started_at_ms', 'l.outcome', 'l.settled_at_ms', 'l.drift_nights', 'l.drift_ranges');
    return rows.map((r) => ({
      channel: r.channel,
      listing_id: r.listing_id,
      pass_id: r.pass_id,
      checked_at: iso(r.started_at_ms)!,
      outcome: r.outcome,
      settled_at: iso(r.settled_at_ms),
      drift_nights: r.drift_nights,
      drift: r.drift_ranges
        .filter((d) => d.check_in < to && from < d.check_out)
        .map((d) => ({ check_in: d.check_in < from ? from : d.check_in, check_out: d.check_out > to ? to : d.check_out, kind: d.kind })),
    }));
  }

  /** Per channel and property of `propertyIds`, the passes that started at or after `sinceMs`. */
  async health(propertyIds: Knex.QueryBuilder | readonly string[], sinceMs: number): Promise<ReconciliationHealthView[]> {
    const rows: Record<string, string | number | null>[] = await this.db('reconcile.pass_listings as l')
      .join('reconcile.passes as p', 'p.pass_id', 'l.pass_id')
      .whereIn('l.property_id', propertyIds as readonly string[])
      .where('p.started_at_ms', '>=', sinceMs)
      .groupBy('l.channel', 'l.property_id')
      .orderBy(['l.property_id', 'l.channel'])
      .select(
        'l.channel',
        'l.property_id',
        this.db.raw('count(*)::int AS checks'),
        this.db.raw(`(count(*) FILTER (WHERE l.outcome = 'unread'))::int AS unread`),
        this.db.raw('max(p.started_at_ms) AS last_checked'),
        this.db.raw('(count(*) FILTER (WHERE l.drift_nights > 0))::int AS drift_found'),
        this.db.raw('coalesce(sum(l.drift_nights), 0)::int AS drift_nights'),
        this.db.raw('max(p.started_at_ms) FILTER (WHERE l.drift_nights > 0) AS last_drift'),
        this.db.raw(`(count(*) FILTER (WHERE l.outcome = 'fixed'))::int AS corrected`),
        this.db.raw(`(count(*) FILTER (WHERE l.outcome = 'failed'))::int AS correction_failed`),
        this.db.raw(`(count(*) FILTER (WHERE l.outcome = 'pending'))::int AS correction_pending`),
        this.db.raw('(count(*) FILTER (WHERE l.rate_drift_nights > 0))::int AS rate_drift_found'),
        this.db.raw('coalesce(sum(l.rate_drift_nights), 0)::int AS rate_drift_nights'),
      );
    return rows.map((r) => ({
      channel: r.channel as Channel,
      property_id: r.property_id as string,
      checks: Number(r.checks),
      unread: Number(r.unread),
      last_checked_at: iso(r.last_checked),
      drift_found: Number(r.drift_found),
      drift_nights: Number(r.drift_nights),
      last_drift_found_at: iso(r.last_drift),
      corrected: Number(r.corrected),
      correction_failed: Number(r.correction_failed),
      correction_pending: Number(r.correction_pending),
      rate_drift_found: Number(r.rate_drift_found),
      rate_drift_nights: Number(r.rate_drift_nights),
    }));
  }
}
