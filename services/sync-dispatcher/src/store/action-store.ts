import type { ReservationAction } from '@cm/schemas';
import { fixedTextWrite, writeTogether, type Knex } from '@cm/service-runtime';
import type { OutcomeLabel } from '../actions/plan';
import { runRecording, type Recording } from './recording';
import { SettleTogether, type Settling } from './settle-together';
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

/** What recording actions did: how many were new, and those leased as they were recorded. */
export interface RecordedActions {
  readonly recorded: number;
  readonly leased: ActionWork[];
}

/** An action carried out to its end, to be recorded as such (ActionStore.finish). */
export interface Finished {
  readonly action: Pick<ReservationAction, 'event_id' | 'channel' | 'booking_ref'>;
  readonly owner: string;
  readonly status: 'done' | 'refused';
  readonly outcome: OutcomeLabel;
  readonly error: string | null;
  readonly nowMs: number;
  /** Written in the same statement: the outcome's outbox records. */
  readonly writes: readonly Knex.Sql[];
  /** The lease the reservation's next action is taken under. */
  readonly next: Lease;
}

function reservationOf(action: Pick<ReservationAction, 'channel' | 'booking_ref'>): string {
  return `${action.channel}\u0000${action.booking_ref}`;
}

/**
 * SQL: an action of the reservation of the row `alias` pending before it, in the ledger's order
 * (and meeting `also`, a condition on `e`). A claim and a hand-over both take an action only
 * without one: a reservation's actions go one at a time, in that order.
 */
function earlierPendingSql(alias: string, also?: string): string {
  return `EXISTS (SELECT 1 FROM sync.reservation_actions e
    WHERE e.status = 'pending' AND e.channel = ${alias}.channel AND e.booking_ref = ${alias}.booking_ref
      AND (e.version, e.seq) < (${alias}.version, ${alias}.seq)${also === undefined ? '' : ` AND ${also}`})`;
}

/**
 * The reservation actions to carry out (sync.reservation_actions). An action is recorded before
 * its record's offset is committed and leased while it is carried out, so one that a crashed
 * instance held is taken again once its lease lapses, and done with the same request id. A
 * replayed record (its event id known) is not recorded again.
 */
export class ActionStore {
  private readonly settle: SettleTogether;

  /** `settle`: where finishes are written, with other work's ends that come at the same time (push acknowledgements). */
  constructor(
    private readonly db: Knex,
    settle?: SettleTogether,
  ) {
    this.settle = settle ?? new SettleTogether(db);
  }

  /**
   * Records actions not seen before, due now, and leases to `lease` in the same statement each one
   * that may go at once: the first new action of a reservation with no earlier action pending. The
   * runner is handed those (`leased`), without a claim of its own; the others wait for a claim.
   */
  async record(actions: readonly { record: ReservationAction; traceParent: string | null }[], nowMs: number, lease: Lease): Promise<RecordedActions> {
    const recording = this.actionsRecording(actions, nowMs, lease);
    return recording === null ? { recorded: 0, leased: [] } : runRecording(this.db, recording);
  }

  /** record() as pieces of a statement (Recording), to go alone or with another recording; null when there is nothing to record. */
  actionsRecording(actions: readonly { record: ReservationAction; traceParent: string | null }[], nowMs: number, lease: Lease): Recording<RecordedActions> | null {
    // A record produced twice in one chunk is one row.
    const unique = [...new Map(actions.map((a) => [a.record.event_id, a] as const)).values()];
    if (unique.length === 0) return null;
    // Within the chunk, a reservation's later actions wait for its first (the chunk is in the ledger's order).
    const firstOfReservation = new Set<string>();
    const rows = unique.map(({ record, traceParent }) => {
      const reservation = reservationOf(record);
      const first = !firstOfReservation.has(reservation);
      firstOfReservation.add(reservation);
      return {
        event_id: record.event_id,
        property_id: record.property_id,
        channel: record.channel,
        booking_ref: record.booking_ref,
        version: record.version,
        record,
        trace_parent: traceParent,
        due_at_ms: nowMs,
        may_lease: first,
      };
    });
    // An action already pending for the reservation is seen in the statement's snapshot: the
    // rows of this statement are not, and `may_lease` orders those. Fixed text: prepared, parsed
    // once per connection.
    return {
      parts: `acted AS (
       INSERT INTO sync.reservation_actions AS a (event_id, property_id, channel, booking_ref, version, record, trace_parent, due_at_ms, leased_by, leased_until_ms)
       SELECT r.event_id, r.property_id, r.channel, r.booking_ref, r.version, r.record, r.trace_parent, r.due_at_ms,
              CASE WHEN lease.ok THEN ? END, CASE WHEN lease.ok THEN ?::bigint END
         FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (event_id text, property_id text, channel text, booking_ref text, version bigint, record jsonb, trace_parent text, due_at_ms bigint, may_lease boolean))
              WITH ORDINALITY AS r(event_id, property_id, channel, booking_ref, version, record, trace_parent, due_at_ms, may_lease, position)
         CROSS JOIN LATERAL (SELECT r.may_lease AND NOT EXISTS (
           -- OFFSET 0: looked up per row, by the reservation; a plan made once hashed it over every pending action.
           SELECT 1 FROM sync.reservation_actions e WHERE e.status = 'pending' AND e.channel = r.channel AND e.booking_ref = r.booking_ref OFFSET 0) AS ok) AS lease
        ORDER BY r.position
       ON CONFLICT (event_id) DO NOTHING
       RETURNING a.record, a.attempts, a.trace_parent, a.leased_by IS NOT NULL AS leased)`,
      bindings: [lease.owner, lease.untilMs, JSON.stringify(rows)],
      answer: 'SELECT * FROM acted',
      read: (answered) => {
        const inserted = answered as (ActionRow & { leased: boolean })[];
        return {
          recorded: inserted.length,
          leased: inserted.filter((r) => r.leased).map((r) => ({ record: r.record, attempts: r.attempts, traceParent: r.trace_parent })),
        };
      },
    };
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
           AND NOT ${earlierPendingSql('a2')}
         ORDER BY a2.due_at_ms LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING a.record, a.attempts, a.trace_parent`,
      [lease.owner, lease.untilMs, nowMs, nowMs, limit],
    );
    return (result.rows as ActionRow[]).map((r) => ({ record: r.record, attempts: r.attempts, traceParent: r.trace_parent }));
  }

  /**
   * The action is over (done, or refused for good): kept with its outcome, never tried again. In
   * the same statement, the reservation's next action, if it may go now, is leased to `next` and
   * returned: the runner carries it out without a claim of its own. Actions finished at about the
   * same time go in one statement, with the push acknowledgements of then (SettleTogether).
   */
  finish(finished: Finished): Promise<ActionWork | null> {
    return this.settle.call(this.finishing, finished);
  }

  private readonly finishing: Settling<Finished, ActionWork | null> = { settle: (batch) => this.finishes(batch) };

  private finishes(batch: readonly Finished[]): ReturnType<Settling<Finished, ActionWork | null>['settle']> {
    const ids = batch.map((f) => f.action.event_id);
    const finish = fixedTextWrite(
      this.db,
      `UPDATE sync.reservation_actions a SET status = f.status, outcome = f.outcome, last_error = f.error, finished_at_ms = f.now_ms, leased_by = NULL, leased_until_ms = NULL
       FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) AS f(event_id, owner, status, outcome, error, now_ms)
       WHERE a.event_id = f.event_id AND a.leased_by = f.owner`,
      [ids, batch.map((f) => f.owner), batch.map((f) => f.status), batch.map((f) => f.outcome), batch.map((f) => f.error), batch.map((f) => f.nowMs)],
    );
    // Leases are handed out in call order, each ending later: the last is the longest.
    const next = batch[batch.length - 1]!.next;
    const nowMs = Math.max(...batch.map((f) => f.nowMs));
    // The statement's snapshot still shows the finished actions pending: they are left out by id.
    const handOff = fixedTextWrite(
      this.db,
      `UPDATE sync.reservation_actions a SET leased_by = ?, leased_until_ms = ?
       WHERE a.event_id IN (
         SELECT nx.event_id
           FROM unnest(?::text[], ?::text[]) AS d(event_id, owner)
           JOIN sync.reservation_actions f ON f.event_id = d.event_id AND f.leased_by = d.owner
           CROSS JOIN LATERAL (
             SELECT n.event_id FROM sync.reservation_actions n
              WHERE n.channel = f.channel AND n.booking_ref = f.booking_ref AND n.status = 'pending' AND n.event_id <> ALL(?::text[])
                AND n.due_at_ms <= ? AND (n.leased_until_ms IS NULL OR n.leased_until_ms < ?)
                AND NOT ${earlierPendingSql('n', 'e.event_id <> ALL(?::text[])')}
              ORDER BY n.version, n.seq LIMIT 1 FOR UPDATE OF n SKIP LOCKED) nx)
       RETURNING a.record, a.attempts, a.trace_parent`,
      [next.owner, next.untilMs, ids, batch.map((f) => f.owner), ids, nowMs, nowMs, ids],
    );
    return {
      writes: [finish, ...batch.flatMap((f) => f.writes)],
      answer: handOff,
      results: (rows) => {
        const byReservation = new Map((rows as ActionRow[]).map((r) => [reservationOf(r.record), { record: r.record, attempts: r.attempts, traceParent: r.trace_parent }] as const));
        return batch.map((f) => {
          const reservation = reservationOf(f.action);
          const work = byReservation.get(reservation) ?? null;
          byReservation.delete(reservation);
          return work;
        });
      },
    };
  }

  /** Gives the action back, due again at `dueAtMs` with `attempts` failed calls counted. */
  async release(eventId: string, owner: string, dueAtMs: number, attempts: number, error: string | null, outcome: OutcomeLabel | null = null, writes: readonly Knex.Sql[] = []): Promise<void> {
    const release = this.db('sync.reservation_actions')
      .where({ event_id: eventId, leased_by: owner })
      .update({ due_at_ms: dueAtMs, attempts, last_error: error, leased_by: null, leased_until_ms: null, ...(outcome ? { outcome } : {}) });
    await writeTogether(this.db, [release.toSQL(), ...writes]);
  }
}
