import { propertyExists } from '@cm/directory';
import { isDeepStrictEqual } from 'node:util';
import type { BookingEvent } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { relocationBookingOf, relocationDecisionOf, relocationWithdrawalOf, type RelocateRequest, type WithdrawRequest } from '../resolve/relocate';
import type { DeskRefusal, Resolved } from './review-store';
import { applyResolution } from './resolution';
import type { TaskRow, TaskStore } from './task-store';

const R = 'escalation.relocations';
const T = 'escalation.review_tasks';

export interface RelocationRow {
  task_id: string;
  property_id: string;
  tenant_id: string;
  command_id: string;
  booking_ref: string;
  status: 'pending' | 'accepted' | 'refused' | 'withdrawn';
  operator: string;
  request: RelocateRequest;
  requested_at_ms: number;
  decided_at_ms: number | null;
  decision_event_id: string | null;
  refusal: { reason: string; conflicting_ref: string | null } | null;
  withdrawal: { operator: string; note: string | null; command_id: string; request: WithdrawRequest } | null;
}

/** What the ledger's decision of a relocation booking did to its task. */
export type RelocationOutcome = { readonly kind: 'ignored' } | { readonly kind: 'accepted'; readonly task: TaskRow } | { readonly kind: 'refused'; readonly taskId: string };

/**
 * Relocations (resolve/relocate.ts): the booking on the other property is asked for in the
 * transaction of the request (outbox), and its decision arrives on booking.events. Each decision
 * is applied once: only a pending relocation moves, under a row lock, so a redelivered event or a
 * restart changes nothing.
 */
export class RelocationStore {
  constructor(
    private readonly db: Knex,
    private readonly tasks: TaskStore,
    private readonly now: () => number,
  ) {}

  /** Step 1, in the caller's transaction on a locked, unresolved task of the tenant. */
  async request(trx: Knex.Transaction, tenantId: string, task: TaskRow, request: RelocateRequest): Promise<DeskRefusal | (Resolved & { relocation: RelocationRow })> {
    if (!(await propertyExists(trx, request.property_id, tenantId))) return { refused: true, status: 404, code: 'property_not_found', detail: `no property '${request.property_id.slice(0, 200)}' for this API key to relocate the guest to` };
    const now = this.now();
    const booking = relocationBookingOf({ taskId: task.task_id, tenantId, propertyId: task.property_id, bookingRef: task.booking_ref, details: task.details }, request, now);
    if (booking.kind === 'refused') return { refused: true, status: 422, code: booking.code, detail: booking.detail };
    const existing: RelocationRow[] = await trx(R).where({ task_id: task.task_id }).forUpdate();
    const pending = existing.find((r) => r.status === 'pending');
    if (pending?.property_id === request.property_id) return { refused: false, task, replayed: true, commandId: pending.command_id, newlyResolved: false, relocation: pending };
    if (pending) return pendingRefusal(pending);
    const triedThere = existing.find((r) => r.property_id === request.property_id);
    if (triedThere?.status === 'withdrawn') return { refused: true, status: 409, code: 'relocation_withdrawn', detail: `the relocation to ${request.property_id} was withdrawn and its booking cancelled there; relocate the guest to another property` };
    if (triedThere) return { refused: true, status: 409, code: 'relocation_refused', detail: `the ledger refused the relocation to ${request.property_id}: ${triedThere.refusal?.reason ?? 'refused'}` };
    const { command } = booking;
    const [relocation] = await trx(R)
      .insert({ task_id: task.task_id, property_id: request.property_id, tenant_id: tenantId, command_id: command.command_id, booking_ref: command.booking_ref, status: 'pending', operator: request.operator, request: JSON.stringify(request), requested_at_ms: now })
      .returning('*');
    // Keyed by the target property, as every command is keyed by its own property.
    await this.tasks.commands.issue(trx, task.task_id, command, now);
    await this.tasks.history(trx, task.task_id, request.operator, 'relocation_requested', { property_id: request.property_id, command_id: command.command_id, booking_ref: command.booking_ref, note: request.note ?? null });
    return { refused: false, task, replayed: false, commandId: command.command_id, newlyResolved: false, relocation: relocation as RelocationRow };
  }

  /**
   * Withdraws the task's pending relocation (one the ledger has not decided, or never will), in the
   * caller's transaction on the locked, unresolved task: its booking is cancelled by a PMS command
   * on the target property, produced after the booking on the same partition (a late acceptance is
   * undone), a later decision of it is ignored, and the task is open for another resolution. The
   * same request again answers the same.
   */
  async withdraw(trx: Knex.Transaction, tenantId: string, task: TaskRow, request: WithdrawRequest): Promise<DeskRefusal | (Resolved & { relocation: RelocationRow })> {
    const rows: RelocationRow[] = await trx(R).where({ task_id: task.task_id }).forUpdate();
    const pending = rows.find((r) => r.status === 'pending');
    if (!pending) {
      const same = rows.find((r) => r.status === 'withdrawn' && isDeepStrictEqual(r.withdrawal?.request, request));
      if (same) return { refused: false, task, replayed: true, commandId: same.withdrawal!.command_id, newlyResolved: false, relocation: same };
      return { refused: true, status: 409, code: 'no_relocation_pending', detail: 'the task has no relocation waiting for the ledger to withdraw' };
    }
    const now = this.now();
    const cancel = relocationWithdrawalOf({ taskId: task.task_id, tenantId, propertyId: task.property_id, bookingRef: task.booking_ref, details: task.details }, { propertyId: pending.property_id, bookingRef: pending.booking_ref }, request, now);
    if (cancel.kind === 'refused') return { refused: true, status: 422, code: cancel.code, detail: cancel.detail };
    const { command } = cancel;
    const withdrawal = { operator: request.operator, note: request.note ?? null, command_id: command.command_id, request };
    const [relocation] = await trx(R)
      .where({ task_id: pending.task_id, property_id: pending.property_id })
      .update({ status: 'withdrawn', decided_at_ms: now, withdrawal: JSON.stringify(withdrawal) })
      .returning('*');
    await this.tasks.commands.issue(trx, task.task_id, command, now);
    await this.tasks.history(trx, task.task_id, request.operator, 'relocation_withdrawn', { property_id: pending.property_id, booking_ref: pending.booking_ref, command_id: command.command_id, note: request.note ?? null });
    return { refused: false, task, replayed: false, commandId: command.command_id, newlyResolved: false, relocation: relocation as RelocationRow };
  }

  async pendingOf(trx: Knex, taskId: string): Promise<RelocationRow | undefined> {
    return trx(R).where({ task_id: taskId, status: 'pending' }).first();
  }

  async ofTask(taskId: string): Promise<RelocationRow[]> {
    return this.db(R).where({ task_id: taskId }).orderBy('requested_at_ms');
  }

  /** Step 2: the ledger's decision of a relocation booking. Accepted: the loser is cancelled and the task resolved. Refused: the task stays unresolved. */
  async decided(event: BookingEvent): Promise<RelocationOutcome> {
    const decision = relocationDecisionOf(event);
    if (decision.kind === 'ignore') return { kind: 'ignored' };
    return this.db.transaction(async (trx): Promise<RelocationOutcome> => {
      // Locks in the resolve path's order, the task first and then its relocations, so the two
      // never wait on each other; the relocation is read again under its lock, as still pending.
      const unlocked: Pick<RelocationRow, 'task_id' | 'status'> | undefined = await trx(R).where({ command_id: event.command_id }).first('task_id', 'status');
      if (!unlocked || unlocked.status !== 'pending') return { kind: 'ignored' };
      const task: TaskRow = (await trx(T).where({ task_id: unlocked.task_id }).forUpdate().first())!;
      const row: RelocationRow | undefined = await trx(R).where({ command_id: event.command_id }).forUpdate().first();
      if (!row || row.status !== 'pending') return { kind: 'ignored' };
      const now = this.now();
      if (decision.kind === 'refused') {
        const refusal = { reason: decision.reason, conflicting_ref: decision.conflictingRef };
        await trx(R).where({ command_id: row.command_id }).update({ status: 'refused', decided_at_ms: now, decision_event_id: event.event_id, refusal: JSON.stringify(refusal) });
        await this.tasks.history(trx, row.task_id, 'system', 'relocation_refused', { property_id: row.property_id, command_id: row.command_id, event_id: event.event_id, ...refusal });
        return { kind: 'refused', taskId: row.task_id };
      }
      await trx(R).where({ command_id: row.command_id }).update({ status: 'accepted', decided_at_ms: now, decision_event_id: event.event_id });
      await this.tasks.history(trx, row.task_id, 'system', 'relocation_accepted', { property_id: row.property_id, booking_ref: row.booking_ref, event_id: event.event_id });
      // A pending relocation keeps every other resolution away (409 relocation_pending), so the task is unresolved here.
      const applied = await applyResolution(trx, this.tasks, task, row.tenant_id, row.request, now);
      if (applied.refused) {
        await this.tasks.history(trx, row.task_id, 'system', 'relocation_refused', { property_id: row.property_id, reason: `the losing booking cannot be cancelled: ${applied.detail}` });
        return { kind: 'refused', taskId: row.task_id };
      }
      return { kind: 'accepted', task: (await trx(T).where({ task_id: row.task_id }).first())! };
    });
  }
}

export function pendingRefusal(pending: RelocationRow): DeskRefusal {
  return { refused: true, status: 409, code: 'relocation_pending', detail: `a relocation to ${pending.property_id} waits for the ledger's answer; withdraw it (withdraw_relocation) to resolve the task otherwise` };
}
