import type { AvailabilityRange } from '@cm/channel-adapters';
import type { Channel } from '@cm/schemas';
import { columnsWrite, type Knex } from '@cm/service-runtime';
import type { BreakerStateName } from '../policy/circuit-breaker';
import type { ListingWork, PendingNight } from './sync-store';

/** One availability call to a channel and how it ended (sync.push_calls). */
export interface PushCall {
  readonly work: ListingWork;
  readonly requestId: string;
  readonly attempt: number;
  readonly ranges: readonly AvailabilityRange[];
  /** The nights the call carried: their changes' correlation ids are kept with it. */
  readonly nights: readonly PendingNight[];
  readonly newestVersion: number;
  readonly isReconciliation: boolean;
  readonly outcome: string;
  readonly httpStatus: number | null;
  readonly error: string | null;
  readonly answeredAtMs: number;
}

/**
 * What the console reads of the channel side besides the nights (migration 007): each call made
 * to a channel, the pushes held back by our rate or a breaker, and each instance's breakers.
 */
export class PushHistory {
  constructor(
    private readonly db: Knex,
    /** This instance, whose breakers these are. */
    private readonly instance: string,
  ) {}

  /**
   * The statement that logs a call, to be run with the one that records its outcome
   * (SyncStore.acknowledged / release take it among their `writes`).
   */
  callInsert(call: PushCall): Knex.Sql {
    // One row as columns: the calls of a batch of acknowledgements are one insert (columnsWrite).
    return columnsWrite(
      this.db,
      `INSERT INTO sync.push_calls (request_id, attempt, channel, listing_id, property_id, ranges, nights, correlation_ids, newest_version, is_reconciliation, outcome, http_status, error, answered_at_ms)
       SELECT request_id, attempt, channel, listing_id, property_id, ranges, nights, ARRAY(SELECT jsonb_array_elements_text(correlation_ids)), newest_version, is_reconciliation, outcome, http_status, error, answered_at_ms
       FROM unnest(?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::datemultirange[], ?::jsonb[], ?::bigint[], ?::boolean[], ?::text[], ?::int[], ?::text[], ?::bigint[])
         AS c(request_id, attempt, channel, listing_id, property_id, ranges, nights, correlation_ids, newest_version, is_reconciliation, outcome, http_status, error, answered_at_ms)`,
      [
        [call.requestId],
        [call.attempt],
        [call.work.channel],
        [call.work.listingId],
        [call.work.propertyId],
        [JSON.stringify(call.ranges)],
        [multirangeOf(call.ranges)],
        [JSON.stringify([...new Set(call.nights.map((n) => n.correlationId))])],
        [call.newestVersion],
        [call.isReconciliation],
        [call.outcome],
        [call.httpStatus],
        [call.error === null ? null : call.error.slice(0, 2_000)],
        [call.answeredAtMs],
      ],
    );
  }

  /** Counts a push held back by our own rate or an open breaker, per listing: written in the statement that gives the listing back. */
  waitCount(work: ListingWork, kind: WaitKind, nowMs: number): Knex.Sql {
    const column = waitColumn(kind);
    return this.db
      .raw(
        `INSERT INTO sync.listing_waits (channel, listing_id, property_id, ${column}, last_wait_at_ms) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (channel, listing_id) DO UPDATE SET ${column} = sync.listing_waits.${column} + 1, last_wait_at_ms = excluded.last_wait_at_ms, property_id = excluded.property_id`,
        [work.channel, work.listingId, work.propertyId, nowMs],
      )
      .toSQL();
  }

  /** This instance's breaker of a channel entered `state` at `sinceMs`. */
  async breakerEntered(channel: Channel, state: BreakerStateName, sinceMs: number): Promise<void> {
    await this.db('sync.breaker_states').insert({ instance: this.instance, channel, state, since_ms: sinceMs }).onConflict(['instance', 'channel']).merge();
  }

  /** This instance stops: its breakers go with it (an instance that crashed leaves its rows until its name comes back). */
  async forgetBreakers(): Promise<void> {
    await this.db('sync.breaker_states').where({ instance: this.instance }).delete();
  }

  /** Deletes calls answered before `beforeMs`, at most `limit` (instances purging at once skip each other's rows); answers how many. */
  async purgeCalls(beforeMs: number, limit: number): Promise<number> {
    const result = await this.db.raw(`DELETE FROM sync.push_calls WHERE id IN (SELECT id FROM sync.push_calls WHERE answered_at_ms < ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)`, [beforeMs, limit]);
    return result.rowCount ?? 0;
  }
}

export type WaitKind = 'rate_limited' | 'circuit_open';

/** `{[2027-01-01,2027-01-03),[2027-01-05,2027-01-06)}`: PostgreSQL's text form of the ranges' nights. */
export function multirangeOf(ranges: readonly { from: string; to: string }[]): string {
  return `{${ranges.map((r) => `[${r.from},${r.to})`).join(',')}}`;
}

function waitColumn(kind: WaitKind): string {
  switch (kind) {
    case 'rate_limited':
      return 'rate_limited';
    case 'circuit_open':
      return 'circuit_open';
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled wait kind: ${JSON.stringify(value)}`);
}
