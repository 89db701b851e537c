import type { Channel, ReservationAction } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { ListingKey } from './sync-store';

/** Where the dispatcher stands with a listing-night: acknowledged, on its way, or failing (the push's last call failed, or its breaker holds it). */
export type NightPushState = 'in_sync' | 'pending_push' | 'failed';

export interface ListingNightView {
  readonly date: string;
  /** What the channel should show, as the dispatcher last recorded it. */
  readonly available: boolean;
  readonly push_state: NightPushState;
  readonly version: number;
  readonly pushed_version: number;
  readonly source: string;
  readonly changed_at: string;
  readonly correlation_id: string;
}

export interface PushCallView {
  readonly request_id: string;
  readonly attempt: number;
  readonly channel: Channel;
  readonly listing_id: string;
  readonly ranges: readonly { from: string; to: string; available: boolean }[];
  readonly newest_version: number;
  readonly is_reconciliation: boolean;
  readonly outcome: string;
  readonly http_status: number | null;
  readonly error: string | null;
  readonly answered_at: string;
  readonly correlation_ids: readonly string[];
}

export interface ReservationActionView {
  readonly event_id: string;
  readonly channel: Channel;
  readonly booking_ref: string;
  /** The variant's kind (ACKNOWLEDGE_RESERVATION, DECLINE_REQUEST, HOST_CANCELLATION, ...). */
  readonly action: string;
  /** The command whose decision asked for it, and its flow. */
  readonly command_id: string;
  readonly correlation_id: string;
  readonly version: number;
  readonly status: string;
  readonly outcome: string | null;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly finished_at: string | null;
}

export interface ChannelHealthView {
  readonly channel: Channel;
  readonly property_id: string;
  readonly listings: number;
  readonly last_successful_push_at: string | null;
  readonly last_failed_push_at: string | null;
  readonly last_error: string | null;
  /** Calls answered in the last 24 hours, and those that failed (a channel's 429 included). */
  readonly calls_24h: number;
  readonly failures_24h: number;
  readonly channel_rate_limited_24h: number;
  readonly pending_nights: number;
  readonly oldest_pending_change_at: string | null;
  /** Pushes held back by our own per-property rate of the channel, and by its open breaker, since the counts began. */
  readonly rate_limit_waits: number;
  readonly circuit_waits: number;
  readonly last_wait_at: string | null;
  /** Each instance's breaker of the channel (breakers are per channel and instance, not per property). */
  readonly circuit: readonly { readonly instance: string; readonly state: string; readonly since: string }[];
}

const DAY_MS = 86_400_000;
const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The sync schema as the operator console reads it; every read is of the listings or properties it is given (the caller scoped them to a tenant). */
export class ChannelSideReads {
  constructor(private readonly db: Knex) {}

  /**
   * Per listing, the nights of [from, to) the dispatcher holds a state for, of the property it is
   * mapped to now: a night recorded while it was another property's (before a remap) is not this one's.
   */
  async nightsOf(listings: readonly (ListingKey & { readonly propertyId: string })[], from: string, to: string): Promise<Map<string, ListingNightView[]>> {
    const found = new Map<string, ListingNightView[]>(listings.map((l) => [keyOf(l.channel, l.listingId), []]));
    if (listings.length === 0) return found;
    const rows: { channel: Channel; listing_id: string; night: string; available: boolean; version: string; pushed_version: string; source: string; changed_at_ms: string; correlation_id: string; failing: boolean }[] = await this.db('sync.nights as n')
      .leftJoin('sync.listing_work as w', function joinWork() {
        this.on('w.channel', 'n.channel').andOn('w.listing_id', 'n.listing_id');
      })
      .whereIn(['n.channel', 'n.listing_id', 'n.property_id'], listings.map((l) => [l.channel, l.listingId, l.propertyId]))
      .where('n.night', '>=', from)
      .where('n.night', '<', to)
      .orderBy(['n.channel', 'n.listing_id', 'n.night'])
      .select('n.channel', 'n.listing_id', this.db.raw(`to_char(n.night, 'YYYY-MM-DD') AS night`), 'n.available', 'n.version', 'n.pushed_version', 'n.source', 'n.changed_at_ms', 'n.correlation_id', this.db.raw('(coalesce(w.attempts, 0) > 0 OR w.last_error IS NOT NULL) AS failing'));
    for (const r of rows) {
      const pending = Number(r.version) > Number(r.pushed_version);
      found.get(keyOf(r.channel, r.listing_id))?.push({
        date: r.night,
        available: r.available,
        push_state: !pending ? 'in_sync' : r.failing ? 'failed' : 'pending_push',
        version: Number(r.version),
        pushed_version: Number(r.pushed_version),
        source: r.source,
        changed_at: iso(r.changed_at_ms)!,
        correlation_id: r.correlation_id,
      });
    }
    return found;
  }

  /** The calls that carried a night of a listing for this property, newest first (a listing mapped to another property since does not bring its calls along). */
  async callsOfNight(listing: ListingKey & { readonly propertyId: string }, night: string, limit: number): Promise<PushCallView[]> {
    const rows = await this.db('sync.push_calls')
      .where({ channel: listing.channel, listing_id: listing.listingId, property_id: listing.propertyId })
      .whereRaw('nights @> ?::date', [night])
      .orderBy('id', 'desc')
      .limit(limit)
      .select(CALL_COLUMNS);
    return rows.map(callView);
  }

  /** The calls of a property that carried a change of these correlations (a booking's commands), oldest first. */
  async callsOfCorrelations(propertyId: string, correlationIds: readonly string[], limit: number): Promise<PushCallView[]> {
    if (correlationIds.length === 0) return [];
    const rows = await this.db('sync.push_calls').where({ property_id: propertyId }).whereRaw(`correlation_ids && ARRAY[${correlationIds.map(() => '?').join(', ')}]::text[]`, [...correlationIds]).orderBy('id').limit(limit).select(CALL_COLUMNS);
    return rows.map(callView);
  }

  /** The reservation actions of a channel's reservation at a property, in the order they were taken. */
  async actionsOf(propertyId: string, channel: Channel, bookingRef: string): Promise<ReservationActionView[]> {
    const rows: { event_id: string; channel: Channel; booking_ref: string; record: ReservationAction; version: string; status: string; outcome: string | null; attempts: number; last_error: string | null; finished_at_ms: string | null }[] = await this.db('sync.reservation_actions')
      .where({ property_id: propertyId, channel, booking_ref: bookingRef })
      .orderBy('seq')
      .select('event_id', 'channel', 'booking_ref', 'record', 'version', 'status', 'outcome', 'attempts', 'last_error', 'finished_at_ms');
    return rows.map((r) => ({
      event_id: r.event_id,
      channel: r.channel,
      booking_ref: r.booking_ref,
      action: r.record.action.kind,
      command_id: r.record.command_id,
      correlation_id: r.record.correlation_id,
      version: Number(r.version),
      status: r.status,
      outcome: r.outcome,
      attempts: r.attempts,
      last_error: r.last_error,
      finished_at: iso(r.finished_at_ms),
    }));
  }

  /** Per channel and property among `propertyIds` with a listing, how its pushes fare. */
  async health(listings: readonly (ListingKey & { propertyId: string })[], nowMs: number): Promise<ChannelHealthView[]> {
    if (listings.length === 0) return [];
    // What was pushed or waited for a listing while it was another property's is not this one's.
    const ofProperty = listings.map((l) => [l.channel, l.listingId, l.propertyId]);
    const since = nowMs - DAY_MS;
    const [calls, lastErrors, pending, waits, breakers] = await Promise.all([
      this.db('sync.push_calls')
        .whereIn(['channel', 'listing_id', 'property_id'], ofProperty)
        .groupBy('channel', 'listing_id')
        .select(
          'channel',
          'listing_id',
          this.db.raw(`max(answered_at_ms) FILTER (WHERE outcome = 'ok') AS last_ok`),
          this.db.raw(`max(answered_at_ms) FILTER (WHERE outcome <> 'ok') AS last_failed`),
          this.db.raw(`count(*) FILTER (WHERE answered_at_ms >= ?) AS calls`, [since]),
          this.db.raw(`count(*) FILTER (WHERE answered_at_ms >= ? AND outcome <> 'ok') AS failures`, [since]),
          this.db.raw(`count(*) FILTER (WHERE answered_at_ms >= ? AND outcome = 'rate_limited') AS limited`, [since]),
        ),
      this.db('sync.push_calls').whereIn(['channel', 'listing_id', 'property_id'], ofProperty).whereNot('outcome', 'ok').distinctOn('channel', 'listing_id').orderBy([{ column: 'channel' }, { column: 'listing_id' }, { column: 'id', order: 'desc' }]).select('channel', 'listing_id', 'error', 'answered_at_ms'),
      this.db('sync.nights').whereIn(['channel', 'listing_id', 'property_id'], ofProperty).whereRaw('version > pushed_version').groupBy('channel', 'listing_id').select('channel', 'listing_id', this.db.raw('count(*) AS nights'), this.db.raw('min(changed_at_ms) AS oldest')),
      this.db('sync.listing_waits').whereIn(['channel', 'listing_id', 'property_id'], ofProperty).select('channel', 'listing_id', 'rate_limited', 'circuit_open', 'last_wait_at_ms'),
      this.db('sync.breaker_states').whereIn('channel', [...new Set(listings.map((l) => l.channel))]).orderBy(['channel', 'instance']).select('channel', 'instance', 'state', 'since_ms'),
    ]);
    const byListing = <R extends { channel: string; listing_id: string }>(rows: R[]) => new Map(rows.map((r) => [keyOf(r.channel, r.listing_id), r] as const));
    const [callsOf, errorsOf, pendingOf, waitsOf] = [byListing(calls), byListing(lastErrors), byListing(pending), byListing(waits)];
    const groups = new Map<string, { channel: Channel; propertyId: string; listings: ListingKey[] }>();
    for (const l of listings) {
      const key = keyOf(l.channel, l.propertyId);
      const group = groups.get(key) ?? { channel: l.channel, propertyId: l.propertyId, listings: [] };
      group.listings.push(l);
      groups.set(key, group);
    }
    return [...groups.values()]
      .sort((a, b) => (a.propertyId === b.propertyId ? a.channel.localeCompare(b.channel) : a.propertyId.localeCompare(b.propertyId)))
      .map((g) => {
        const of = <R>(map: Map<string, R>) => g.listings.map((l) => map.get(keyOf(l.channel, l.listingId))).filter((r): r is R => r !== undefined);
        const c = of(callsOf);
        const e = of(errorsOf).sort((a, b) => Number(b.answered_at_ms) - Number(a.answered_at_ms));
        const p = of(pendingOf);
        const w = of(waitsOf);
        return {
          channel: g.channel,
          property_id: g.propertyId,
          listings: g.listings.length,
          last_successful_push_at: iso(maxOf(c.map((r) => r.last_ok))),
          last_failed_push_at: iso(maxOf(c.map((r) => r.last_failed))),
          last_error: e[0]?.error ?? null,
          calls_24h: sum(c.map((r) => r.calls)),
          failures_24h: sum(c.map((r) => r.failures)),
          channel_rate_limited_24h: sum(c.map((r) => r.limited)),
          pending_nights: sum(p.map((r) => r.nights)),
          oldest_pending_change_at: iso(minOf(p.map((r) => r.oldest))),
          rate_limit_waits: sum(w.map((r) => r.rate_limited)),
          circuit_waits: sum(w.map((r) => r.circuit_open)),
          last_wait_at: iso(maxOf(w.map((r) => r.last_wait_at_ms))),
          circuit: breakers.filter((b) => b.channel === g.channel).map((b) => ({ instance: b.instance, state: b.state, since: iso(b.since_ms)! })),
        };
      });
  }
}

const CALL_COLUMNS = ['request_id', 'attempt', 'channel', 'listing_id', 'ranges', 'newest_version', 'is_reconciliation', 'outcome', 'http_status', 'error', 'answered_at_ms', 'correlation_ids'];

function callView(r: Record<string, any>): PushCallView {
  return {
    request_id: r.request_id,
    attempt: r.attempt,
    channel: r.channel,
    listing_id: r.listing_id,
    ranges: r.ranges,
    newest_version: Number(r.newest_version),
    is_reconciliation: r.is_reconciliation,
    outcome: r.outcome,
    http_status: r.http_status,
    error: r.error,
    answered_at: iso(r.answered_at_ms)!,
    correlation_ids: r.correlation_ids,
  };
}

const keyOf = (a: string, b: string) => `${a}\u0000${b}`;
const numbers = (values: (string | number | null | undefined)[]) => values.filter((v): v is string | number => v !== null && v !== undefined).map(Number);
const sum = (values: (string | number | null | undefined)[]) => numbers(values).reduce((a, b) => a + b, 0);
const maxOf = (values: (string | number | null | undefined)[]) => (numbers(values).length ? Math.max(...numbers(values)) : null);
const minOf = (values: (string | number | null | undefined)[]) => (numbers(values).length ? Math.min(...numbers(values)) : null);
