import { randomUUID } from 'node:crypto';
import { NO_FAILURES } from '@cm/domain';
import type { BookingCommand, BookingEvent, Channel, Conflict, SyncResult } from '@cm/schemas';
import { runInboxStep, type Knex } from '@cm/service-runtime';
import { AUTO_CANCEL_ACTOR, autoCancelOf } from '../resolve/auto-cancel';
import { losingStayGoneOf, type LosingStayGone } from '../rules/losing-stay-gone';
import { triageConflict, triageSyncResult, type Triage } from '../rules/triage';
import { firstDueAt, repeatTask, slaStep } from '../tasks/lifecycle';
import { conflictKey } from '../tasks/conflict-key';
import type { IssuedCommands } from './issued-commands';
import { applyResolution } from './resolution';
import { SettingsStore } from './settings-store';
import type { HistoryAction, Occurrence, OpenTaskState, TaskStatus } from '../tasks/types';

/** A review task as stored. */
export interface TaskRow {
  task_id: string;
  conflict_key: string;
  conflict_type: Conflict['conflict_type'];
  property_id: string;
  channel: Conflict['channel'];
  booking_ref: string | null;
  severity: Conflict['severity'];
  sla_minutes: number;
  status: TaskStatus;
  level: number;
  due_at_ms: number;
  rule: string;
  escalated_by: string;
  summary: string;
  details: Record<string, string>;
  occurrences: number;
  first_event_id: string;
  last_event_id: string;
  opened_at_ms: number;
  last_seen_at_ms: number;
  acknowledged_by: string | null;
  acknowledged_at_ms: number | null;
  resolved_by: string | null;
  resolved_at_ms: number | null;
  resolution: string | null;
  resolve_request: unknown;
  command_id: string | null;
}

/** A notification taken for delivery, with its task. */
export type ClaimedNotification = TaskRow & { notification_id: number; reason: 'opened' | 'escalated' | 'reminder'; notification_level: number; failed_rounds: number };

export type OccurrenceOutcome = { readonly outcome: 'opened' | 'repeated'; readonly taskId: string; readonly severityRaised: boolean };

/** What became of one consumed record. */
export type RecordOutcome =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'counted'; readonly triage: Triage | null }
  | ({ readonly kind: 'task'; readonly triage: Triage | null; readonly autoCancel?: AutoCancelOutcome } & OccurrenceOutcome);

/** What the tenant's auto-cancel setting did to a newly opened overbooking: resolved it (the task as resolved), or left it to a person. */
export type AutoCancelOutcome = { readonly outcome: 'cancelled'; readonly channel: Channel; readonly task: TaskRow } | { readonly outcome: 'left_open'; readonly channel: Channel };

const T = 'escalation.review_tasks';
/** Who resolves a reservation action's SYNC_FAILED task once the action lands after all. */
export const LANDED_ACTOR = 'system:action-landed';

export class TaskStore {
  constructor(
    private readonly db: Knex,
    private readonly clock: { readonly minuteMs: number; readonly now: () => number },
    /** Where resolutions' commands go, in their transaction. */
    readonly commands: IssuedCommands,
  ) {}

  /**
   * A conflict record: triaged by the 5.2 rules; a task opened or counted, in one transaction with
   * its inbox row. A newly opened overbooking of a tenant that cancels instant-book losers without
   * review is resolved at once by the system, in the same transaction (see autoCancelOf).
   */
  async processConflict(conflict: Conflict): Promise<RecordOutcome> {
    const triage = triageConflict(conflict);
    return this.inboxStep(conflict.event_id, 'conflicts', triage.kind, async (trx) => {
      if (triage.kind === 'count_only') return { kind: 'counted', triage };
      const tenant = triage.occurrence.conflictType === 'OVERBOOKING' ? await SettingsStore.ofProperty(trx, triage.occurrence.propertyId) : null;
      const auto = tenant ? autoCancelOf(tenant.settings, triage.occurrence) : null;
      const occurrence = auto?.kind === 'leave_open' ? { ...triage.occurrence, summary: `${triage.occurrence.summary} (${auto.note})`.slice(0, 2_000) } : triage.occurrence;
      const recorded = await this.recordOccurrence(trx, occurrence);
      if (recorded.outcome !== 'opened' || !tenant || !auto || auto.kind === 'not_applicable') return { kind: 'task', triage, ...recorded };
      if (auto.kind === 'leave_open') {
        await this.history(trx, recorded.taskId, AUTO_CANCEL_ACTOR, 'auto_cancel_not_possible', { channel: auto.channel, reason: auto.reason, note: auto.note });
        return { kind: 'task', triage, ...recorded, autoCancel: { outcome: 'left_open', channel: auto.channel } };
      }
      const task: TaskRow = (await trx(T).where({ task_id: recorded.taskId }).forUpdate().first())!;
      const applied = await applyResolution(trx, this, task, tenant.tenantId, auto.request, this.clock.now());
      if (applied.refused) {
        await this.history(trx, recorded.taskId, AUTO_CANCEL_ACTOR, 'auto_cancel_not_possible', { channel: auto.channel, reason: applied.code, note: applied.detail });
        return { kind: 'task', triage, ...recorded, autoCancel: { outcome: 'left_open', channel: auto.channel } };
      }
      // Resolved before anyone was told: nobody is paged for it; its history and the resolved task tell what happened.
      await trx('escalation.notifications').where({ task_id: recorded.taskId }).whereNull('delivered_at_ms').delete();
      return { kind: 'task', triage, ...recorded, autoCancel: { outcome: 'cancelled', channel: auto.channel, task: (await trx(T).where({ task_id: recorded.taskId }).first())! } };
    });
  }

  /** A sync result: counted on its property+channel streak (kept here, so it survives restarts); the 5.2.3 task when the streak passes 3. */
  async processSyncResult(result: SyncResult): Promise<RecordOutcome> {
    return this.inboxStep(result.event_id, 'sync.results.v2', result.outcome, async (trx) => {
      if (result.reservation_action === 'HOST_CANCEL' && result.outcome === 'ACKNOWLEDGED' && result.booking_ref !== null) {
        await trx('escalation.host_cancellations_landed')
          .insert({ property_id: result.property_id, channel: result.channel, booking_ref: result.booking_ref, event_id: result.event_id, landed_at_ms: result.completed_at })
          .onConflict(['property_id', 'channel', 'booking_ref'])
          .ignore();
      }
      if (result.reservation_action !== null && result.outcome === 'ACKNOWLEDGED' && result.booking_ref !== null) await this.closeLandedActionTask(trx, result);
      const row = await trx('escalation.sync_streaks').where({ property_id: result.property_id, channel: result.channel }).forUpdate().first('consecutive_failures');
      const { streak, occurrence } = triageSyncResult(row ? { consecutiveFailures: row.consecutive_failures } : NO_FAILURES, result);
      await trx('escalation.sync_streaks')
        .insert({ property_id: result.property_id, channel: result.channel, consecutive_failures: streak.consecutiveFailures, last_event_id: result.event_id, updated_at_ms: this.clock.now() })
        .onConflict(['property_id', 'channel'])
        .merge(['consecutive_failures', 'last_event_id', 'updated_at_ms']);
      if (!occurrence) return { kind: 'counted', triage: null };
      return { kind: 'task', triage: null, ...(await this.recordOccurrence(trx, occurrence)) };
    });
  }

  /**
   * A reservation action that failed (its SYNC_FAILED task is open) and was then carried out on a
   * later try: nothing is left for a person, so the system resolves the task, saying so in its history.
   */
  private async closeLandedActionTask(trx: Knex.Transaction, result: SyncResult): Promise<void> {
    const key = conflictKey({ conflictType: 'SYNC_FAILED', propertyId: result.property_id, channel: result.channel, bookingRef: result.booking_ref, details: { reservation_action: result.reservation_action ?? '' } });
    const open: TaskRow | undefined = await trx(T).where({ conflict_key: key }).whereNot({ status: 'resolved' }).forUpdate().first();
    if (!open) return;
    const now = this.clock.now();
    await trx(T).where({ task_id: open.task_id }).update({ status: 'resolved', resolved_by: LANDED_ACTOR, resolved_at_ms: now, resolution: 'action_landed' });
    await this.history(trx, open.task_id, LANDED_ACTOR, 'resolved', { action: 'action_landed', reservation_action: result.reservation_action, sync_result: result.event_id });
  }

  /**
   * A booking event that shows a channel reservation gone from its channel (losingStayGoneOf):
   * kept once per reservation, so a redelivered event or a replay changes nothing.
   */
  async processBookingEvent(event: BookingEvent): Promise<LosingStayGone> {
    const gone = losingStayGoneOf(event);
    if (gone.kind === 'gone') {
      await this.db('escalation.channel_cancellations')
        .insert({ property_id: event.property_id, channel: gone.channel, booking_ref: gone.ref, how: gone.how, event_id: event.event_id, seen_at_ms: this.clock.now() })
        .onConflict(['property_id', 'channel', 'booking_ref'])
        .ignore();
    }
    return gone;
  }

  /**
   * One consumed record through the runtime's inbox step: its event id claimed in the inbox first
   * (a redelivery is a duplicate, decided nothing again), then `decide` in the same transaction.
   * The commands a decision issues go to the outbox through `commands`, which tells their owners.
   */
  private async inboxStep(eventId: string, topic: string, outcome: string, decide: (trx: Knex.Transaction) => Promise<RecordOutcome>): Promise<RecordOutcome> {
    const { decided } = await runInboxStep(this.db, this.commands.outbox, {
      open: async (trx, items) => {
        const inserted = await trx('escalation.processed_records').insert({ event_id: eventId, topic, outcome, processed_at_ms: this.clock.now() }).onConflict('event_id').ignore().returning('event_id');
        return inserted.length > 0 ? { fresh: items, duplicates: [], opened: null } : { fresh: [], duplicates: items, opened: null };
      },
      decide: async (trx) => ({ writes: [], records: [], decided: await decide(trx) }),
    }, [eventId]);
    return decided ?? { kind: 'duplicate' };
  }

  /** Opens the key's task, or counts the repeat on the unresolved one (raising its severity if worse). */
  async recordOccurrence(trx: Knex.Transaction, occurrence: Occurrence): Promise<OccurrenceOutcome> {
    const now = this.clock.now();
    for (let tries = 0; tries < 3; tries++) {
      const existing: TaskRow | undefined = await trx(T).where({ conflict_key: occurrence.key }).whereNot({ status: 'resolved' }).forUpdate().first();
      if (existing) {
        const state: OpenTaskState = { severity: existing.severity, slaMinutes: existing.sla_minutes, status: existing.status, dueAtMs: existing.due_at_ms, occurrences: existing.occurrences };
        const next = repeatTask(state, occurrence, now, this.clock.minuteMs);
        await trx(T).where({ task_id: existing.task_id }).update({
          severity: next.severity,
          sla_minutes: next.slaMinutes,
          due_at_ms: next.dueAtMs,
          occurrences: next.occurrences,
          last_seen_at_ms: Math.max(existing.last_seen_at_ms, now),
          last_event_id: occurrence.eventId,
          summary: occurrence.summary,
        });
        await this.history(trx, existing.task_id, 'system', next.severityRaised ? 'severity_raised' : 'repeated', { event_id: occurrence.eventId, occurrences: next.occurrences, severity: next.severity });
        return { outcome: 'repeated', taskId: existing.task_id, severityRaised: next.severityRaised };
      }
      const taskId = randomUUID();
      const dueAtMs = firstDueAt(now, occurrence.slaMinutes, this.clock.minuteMs);
      // Another transaction may open the key's task between the look and the insert: the unique index refuses the second.
      const inserted = await trx
        .raw(
          `INSERT INTO ${T} (task_id, conflict_key, conflict_type, property_id, channel, booking_ref, severity, sla_minutes, status, level, due_at_ms, rule, escalated_by, summary, details, occurrences, first_event_id, last_event_id, opened_at_ms, last_seen_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?, ?, ?, ?::jsonb, 1, ?, ?, ?, ?)
           ON CONFLICT (conflict_key) WHERE status <> 'resolved' DO NOTHING RETURNING task_id`,
          [taskId, occurrence.key, occurrence.conflictType, occurrence.propertyId, occurrence.channel, occurrence.bookingRef, occurrence.severity, occurrence.slaMinutes, dueAtMs, occurrence.rule, occurrence.escalatedBy, occurrence.summary, JSON.stringify(occurrence.details), occurrence.eventId, occurrence.eventId, now, now],
        )
        .then((r: { rows: unknown[] }) => r.rows.length);
      if (inserted === 0) continue;
      await this.history(trx, taskId, 'system', 'opened', { event_id: occurrence.eventId, severity: occurrence.severity, sla_minutes: occurrence.slaMinutes, escalated_by: occurrence.escalatedBy });
      await this.queueNotification(trx, taskId, 'opened', 0, now);
      return { outcome: 'opened', taskId, severityRaised: false };
    }
    throw new Error(`could not open or find the task of ${occurrence.key}`);
  }

  /**
   * Whether the timer has anything to do now: an open task past its due time, a notification due.
   * One statement, no transaction: idle, a round was two transactions of three round trips each
   * every TIMER_POLL_MS, most of escalation's idle cost.
   */
  async dueWork(): Promise<{ tasks: boolean; notifications: boolean }> {
    const now = this.clock.now();
    const { rows } = await this.db.raw(
      `SELECT EXISTS (SELECT 1 FROM ${T} WHERE status = 'open' AND due_at_ms <= ?) AS tasks,
              EXISTS (SELECT 1 FROM escalation.notifications WHERE delivered_at_ms IS NULL AND next_attempt_ms <= ?) AS notifications`,
      [now, now],
    );
    const row = rows[0] as { tasks: boolean; notifications: boolean };
    return { tasks: row.tasks, notifications: row.notifications };
  }

  /** Open tasks past their SLA move a level up (or remind the top), a few at a time, skipping tasks another instance holds. */
  async escalateDue(levels: number, limit = 50): Promise<{ taskId: string; conflictType: TaskRow['conflict_type']; kind: 'escalated' | 'reminded' }[]> {
    return this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const due: TaskRow[] = await trx(T).where('status', 'open').andWhere('due_at_ms', '<=', now).orderBy('due_at_ms').limit(limit).forUpdate().skipLocked();
      const moved: { taskId: string; conflictType: TaskRow['conflict_type']; kind: 'escalated' | 'reminded' }[] = [];
      for (const task of due) {
        const step = slaStep({ status: task.status, level: task.level, dueAtMs: task.due_at_ms, slaMinutes: task.sla_minutes }, levels, now, this.clock.minuteMs);
        if (step.kind === 'ignore') continue;
        await trx(T).where({ task_id: task.task_id }).update({ level: step.level, due_at_ms: step.dueAtMs });
        const reason = step.kind === 'escalate' ? 'escalated' : 'reminder';
        await this.history(trx, task.task_id, 'timer', 'escalated', { from_level: task.level, to_level: step.level, reason, due_at_ms: step.dueAtMs });
        await this.queueNotification(trx, task.task_id, reason, step.level, now);
        moved.push({ taskId: task.task_id, conflictType: task.conflict_type, kind: step.kind === 'escalate' ? 'escalated' : 'reminded' });
      }
      return moved;
    });
  }

  async queueNotification(trx: Knex.Transaction, taskId: string, reason: 'opened' | 'escalated' | 'reminder', level: number, now: number): Promise<void> {
    await trx('escalation.notifications').insert({ task_id: taskId, reason, level, next_attempt_ms: now, created_at_ms: now });
  }

  /** Takes pending notifications for `leaseMs` (another instance skips them), with their tasks. */
  async claimNotifications(leaseMs: number, limit = 20): Promise<ClaimedNotification[]> {
    return this.db.transaction(async (trx): Promise<ClaimedNotification[]> => {
      const now = this.clock.now();
      const ids = await trx('escalation.notifications').whereNull('delivered_at_ms').andWhere('next_attempt_ms', '<=', now).orderBy('notification_id').limit(limit).forUpdate().skipLocked().pluck('notification_id');
      if (ids.length === 0) return [];
      await trx('escalation.notifications').whereIn('notification_id', ids).update({ next_attempt_ms: now + leaseMs });
      return trx('escalation.notifications as n')
        .join(`${T} as t`, 't.task_id', 'n.task_id')
        .whereIn('n.notification_id', ids)
        .orderBy('n.notification_id')
        .select('t.*', 'n.notification_id', 'n.reason', 'n.level as notification_level', 'n.failed_rounds');
    });
  }

  async notificationDelivered(notificationId: number, taskId: string, via: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('escalation.notifications').where({ notification_id: notificationId }).update({ delivered_at_ms: this.clock.now(), last_error: null });
      await this.history(trx, taskId, 'system', 'notified', { notification_id: notificationId, via });
    });
  }

  async notificationFailed(notificationId: number, taskId: string, error: string, retryAtMs: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('escalation.notifications').where({ notification_id: notificationId }).update({ failed_rounds: trx.raw('failed_rounds + 1'), last_error: error.slice(0, 1_000), next_attempt_ms: retryAtMs });
      await this.history(trx, taskId, 'system', 'notification_failed', { notification_id: notificationId, error: error.slice(0, 500), retry_at_ms: retryAtMs });
    });
  }

  /** Unresolved tasks by severity and type: the open_review_tasks gauge, right after a restart too. */
  async unresolvedCounts(): Promise<{ severity: string; conflict_type: string; count: number }[]> {
    const rows = await this.db(T).whereNot({ status: 'resolved' }).groupBy('severity', 'conflict_type').select('severity', 'conflict_type').count<{ severity: string; conflict_type: string; count: string }[]>('* as count');
    return rows.map((r) => ({ severity: r.severity, conflict_type: r.conflict_type, count: Number(r.count) }));
  }

  /**
   * The losing reservations of overbookings still confirmed on their channel, per channel: the
   * loser of every unresolved OVERBOOKING task, and of every one resolved by cancelling it whose
   * host cancellation the channel has not yet taken (no HOST_CANCEL ACKNOWLEDGED on sync.results.v2);
   * a relocation cancels the loser too. A host cancellation the channel did not take raises its own
   * SYNC_FAILED task (per channel and reservation): once a person resolved that one (say, after
   * cancelling on the extranet, as Booking.com and Expedia need), the loser is no longer counted.
   * A task resolved by keeping the channel guest, or dismissed by a person, is not counted; nor is
   * a loser booking.events shows gone from its channel (channel_cancellations: its guest cancelled
   * there, or the resolution's cancellation found it cancelled already), whatever its task's state.
   */
  async losingReservationsConfirmed(): Promise<{ channel: string; count: number; oldestOpenedAtMs: number }[]> {
    const { rows } = await this.db.raw<{ rows: { channel: string; count: string; oldest: number }[] }>(
      `WITH losers AS (
         SELECT t.property_id, t.opened_at_ms, t.status, t.resolution, t.resolve_request, t.resolved_at_ms,
                split_part(t.details->>'losingKey', ':', 1) AS channel,
                substr(t.details->>'losingKey', strpos(t.details->>'losingKey', ':') + 1) AS ref
           FROM ${T} t
          WHERE t.conflict_type = 'OVERBOOKING' AND strpos(coalesce(t.details->>'losingKey', ''), ':') > 1)
       SELECT l.channel, count(*) AS count, min(l.opened_at_ms) AS oldest
         FROM losers l
        WHERE (l.status <> 'resolved' OR l.resolution = 'relocate' OR (l.resolution = 'cancel_stay' AND l.resolve_request->>'booking_ref' = l.ref))
          AND NOT EXISTS (SELECT 1 FROM escalation.host_cancellations_landed h WHERE h.property_id = l.property_id AND h.channel = l.channel AND h.booking_ref = l.ref)
          AND NOT EXISTS (SELECT 1 FROM escalation.channel_cancellations c WHERE c.property_id = l.property_id AND c.channel = l.channel AND c.booking_ref = l.ref)
          AND NOT EXISTS (SELECT 1 FROM ${T} s WHERE l.status = 'resolved' AND s.conflict_key = 'SYNC_FAILED|' || l.property_id || '|' || l.channel || '|' || l.ref
                                                AND s.status = 'resolved' AND s.resolved_at_ms >= l.resolved_at_ms)
        GROUP BY l.channel`,
    );
    return rows.map((r) => ({ channel: r.channel, count: Number(r.count), oldestOpenedAtMs: Number(r.oldest) }));
  }

  async history(trx: Knex.Transaction, taskId: string, actor: string, action: HistoryAction, details: Record<string, unknown>): Promise<void> {
    await trx('escalation.task_history').insert({ task_id: taskId, at_ms: this.clock.now(), actor, action, details: JSON.stringify(details) });
  }
}
