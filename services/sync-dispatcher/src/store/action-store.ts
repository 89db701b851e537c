import type { ReservationAction } from '@cm/schemas';
import { writeTogether, type Knex } from '@cm/service-runtime';
import type { OutcomeLabel } from '../actions/plan';
import type { Lease } from './sync-store';

/** An action leased for carrying out, with its failed calls since the last reported failure. */
export interface ActionWork {
  readonly record: ReservationAction;
  readonly attempts: number;
  readonly traceParent: string | null;
}

interface ActionRow {
  record: ReservationAction;
  attempts: number;
  trace_parent: string | null;
}

/**
 * The reservation actions to carry out (sync.reservation_actions). An action is recorded before
 * its record's offset is committed and leased while it is carried out, so one that a crashed
 * instance held is taken again once its lease lapses, and done with the same request id. A
 * replayed record (its event id known) is not recorded again.
 */
export class ActionStore {
  constructor(private readonly db: Knex) {}

  /** Records actions not seen before, due now; answers how many were new. */
  async record(actions: readonly { record: ReservationAction; traceParent: string | null }[], nowMs: number): Promise<number> {
    // A record produced twice in one chunk is one row.
    const unique = [...new Map(actions.map((a) => [a.record.event_id, a] as const)).values()];
    if (unique.length === 0) return 0;
    const rows = unique.map(({ record, traceParent }) => ({
      event_id: record.event_id,
      property_id: record.property_id,
      channel: record.channel,
      booking_ref: record.booking_ref,
      version: record.version,
      record: JSON.stringify(record),
      trace_parent: traceParent,
      due_at_ms: nowMs,
    }));
    const inserted = await this.db('sync.reservation_actions').insert(rows).onConflict('event_id').ignore().returning('event_id');
    return inserted.length;
  }

  /**
   * Leases due actions that no other instance holds. A reservation's actions go one at a time in
   * the ledger's order: one waits while an earlier action of its reservation is still to be done.
   */
  async claimDue(lease: Lease, nowMs: number, limit: number): Promise<ActionWork[]> {
    const result = await this.db.raw(
      `UPDATE sync.reservation_actions a SET leased_by = ?, leased_until_ms = ?
       WHERE a.event_id IN (
         SELECT a2.event_id FROM sync.reservation_actions a2
         WHERE a2.status = 'pending' AND a2.due_at_ms <= ? AND (a2.leased_until_ms IS NULL OR a2.leased_until_ms < ?)
           AND NOT EXISTS (
             SELECT 1 FROM sync.reservation_actions e
             WHERE e.status = 'pending' AND e.channel = a2.channel AND e.booking_ref = a2.booking_ref AND (e.version, e.seq) < (a2.version, a2.seq))
         ORDER BY a2.due_at_ms LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING a.record, a.attempts, a.trace_parent`,
      [lease.owner, lease.untilMs, nowMs, nowMs, limit],
    );
    return (result.rows as ActionRow[]).map((r) => ({ record: r.record, attempts: r.attempts, traceParent: r.trace_parent }));
  }

  /** The action is over (done, or refused for good): kept with its outcome, never tried again. */
  async finish(eventId: string, owner: string, status: 'done' | 'refused', outcome: OutcomeLabel, error: string | null, nowMs: number, writes: readonly Knex.Sql[] = []): Promise<void> {
    const finish = this.db('sync.reservation_actions')
      .where({ event_id: eventId, leased_by: owner })
      .update({ status, outcome, last_error: error, finished_at_ms: nowMs, leased_by: null, leased_until_ms: null });
    // With what it writes (the outcome in the outbox), in one statement.
    await writeTogether(this.db, [finish.toSQL(), ...writes]);
  }

  /** Gives the action back, due again at `dueAtMs` with `attempts` failed calls counted. */
  async release(eventId: string, owner: string, dueAtMs: number, attempts: number, error: string | null, outcome: OutcomeLabel | null = null, writes: readonly Knex.Sql[] = []): Promise<void> {
    const release = this.db('sync.reservation_actions')
      .where({ event_id: eventId, leased_by: owner })
      .update({ due_at_ms: dueAtMs, attempts, last_error: error, leased_by: null, leased_until_ms: null, ...(outcome ? { outcome } : {}) });
    await writeTogether(this.db, [release.toSQL(), ...writes]);
  }
}
