import type { Knex } from '@cm/service-runtime';
import { resolutionOf, type ClosingRequest } from '../resolve/actions';
import type { TaskRow, TaskStore } from './task-store';

const T = 'escalation.review_tasks';

/** Why a resolution was refused: the API answers 422 with it. */
export type ResolutionRefusal = { readonly refused: true; readonly code: string; readonly detail: string };

/**
 * Resolves a task the caller has locked, in the caller's transaction: the command the action
 * sends (if any) goes to the outbox, the task closes with the request kept (a repeat answers the
 * same), and its history names who resolved it. The one path for operators and the system alike.
 */
export async function applyResolution(
  trx: Knex.Transaction,
  tasks: Pick<TaskStore, 'history' | 'commands'>,
  task: TaskRow,
  tenantId: string,
  request: ClosingRequest,
  now: number,
): Promise<ResolutionRefusal | { refused: false; commandId: string | null }> {
  const taskId = task.task_id;
  const resolution = resolutionOf({ taskId, tenantId, propertyId: task.property_id, bookingRef: task.booking_ref, details: task.details }, request, now);
  if (resolution.kind === 'refused') return { refused: true, code: resolution.code, detail: resolution.detail };
  const commandId = resolution.kind === 'command' ? resolution.command.command_id : null;
  if (resolution.kind === 'command') {
    await tasks.commands.issue(trx, taskId, resolution.command, now);
  }
  await trx(T).where({ task_id: taskId }).update({ status: 'resolved', resolved_by: request.operator, resolved_at_ms: now, resolution: request.action, resolve_request: JSON.stringify(request), command_id: commandId });
  await tasks.history(trx, taskId, request.operator, 'resolved', { action: request.action, command_id: commandId, note: request.note ?? null });
  return { refused: false, commandId };
}
