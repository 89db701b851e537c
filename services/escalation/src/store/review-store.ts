import { propertyIdsOfTenant } from '@cm/directory';
import { isDeepStrictEqual } from 'node:util';
import type { ConflictType, Severity } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import type { ResolveRequest } from '../resolve/actions';
import { acknowledgeRefusal } from '../tasks/lifecycle';
import type { TaskStatus } from '../tasks/types';
import { pendingRefusal, type RelocationRow, type RelocationStore } from './relocation-store';
import { applyResolution } from './resolution';
import type { TaskRow, TaskStore } from './task-store';

export interface TaskFilter {
  readonly status?: TaskStatus;
  readonly severity?: Severity;
  readonly type?: ConflictType;
  readonly propertyId?: string;
  readonly limit: number;
  readonly offset: number;
}

/** Why the review desk refused: the API's status and code. */
export type DeskRefusal = { readonly refused: true; readonly status: 404 | 409 | 422; readonly code: string; readonly detail: string };

export type Resolved = { readonly refused: false; readonly task: TaskRow; readonly replayed: boolean; readonly commandId: string | null; readonly newlyResolved: boolean; readonly relocation?: RelocationRow };

const T = 'escalation.review_tasks';

/**
 * The review queue of one tenant: the tasks of its properties (the directory's), read, acknowledged
 * and resolved by operators. Another tenant's task is answered as absent.
 */
export class ReviewStore {
  constructor(
    private readonly db: Knex,
    private readonly tasks: TaskStore,
    private readonly relocations: RelocationStore,
    private readonly now: () => number,
  ) {}

  private ofTenant(query: Knex.QueryBuilder, tenantId: string): Knex.QueryBuilder {
    return query.whereIn(`${T}.property_id`, propertyIdsOfTenant(this.db, tenantId));
  }

  async list(tenantId: string, filter: TaskFilter): Promise<{ tasks: TaskRow[]; total: number }> {
    const base = this.ofTenant(this.db(T), tenantId);
    if (filter.status) base.where({ status: filter.status });
    if (filter.severity) base.where({ severity: filter.severity });
    if (filter.type) base.where({ conflict_type: filter.type });
    if (filter.propertyId) base.where({ property_id: filter.propertyId });
    const counted = await base.clone().count<{ count: string }[]>('* as count');
    const tasks = await base.orderBy([{ column: 'opened_at_ms', order: 'desc' }, { column: 'task_id' }]).limit(filter.limit).offset(filter.offset).select('*');
    return { tasks, total: Number(counted[0]?.count ?? 0) };
  }

  async get(tenantId: string, taskId: string, trx: Knex = this.db): Promise<TaskRow | undefined> {
    return this.ofTenant(trx(T), tenantId).where({ task_id: taskId }).first();
  }

  async history(taskId: string): Promise<{ at_ms: number; actor: string; action: string; details: unknown }[]> {
    return this.db('escalation.task_history').where({ task_id: taskId }).orderBy('history_id').select('at_ms', 'actor', 'action', 'details');
  }

  /** open -> acknowledged: the SLA timer stops escalating it. Acknowledging again by the same operator answers the same. */
  async acknowledge(tenantId: string, taskId: string, operator: string): Promise<DeskRefusal | { refused: false; task: TaskRow }> {
    return this.db.transaction(async (trx) => {
      const task = await this.locked(trx, tenantId, taskId);
      if (!task) return notFound(taskId);
      const refusal = acknowledgeRefusal(task.status);
      if (refusal === 'already_acknowledged' && task.acknowledged_by === operator) return { refused: false, task };
      if (refusal) return { refused: true, status: 409, code: refusal, detail: refusal === 'task_resolved' ? 'the task is resolved' : `the task was acknowledged by ${task.acknowledged_by}` };
      const now = this.now();
      await trx(T).where({ task_id: taskId }).update({ status: 'acknowledged', acknowledged_by: operator, acknowledged_at_ms: now });
      await this.tasks.history(trx, taskId, operator, 'acknowledged', {});
      return { refused: false, task: (await trx(T).where({ task_id: taskId }).first())! };
    });
  }

  /**
   * Resolves with an action: a command for the ledger is written to the outbox in the same
   * transaction (produced right after, or by the timer after a crash); the task closes without
   * waiting for the arbiter. The same request again answers the same; another is refused.
   */
  async resolve(tenantId: string, taskId: string, request: ResolveRequest): Promise<DeskRefusal | Resolved> {
    return this.db.transaction(async (trx) => {
      const task = await this.locked(trx, tenantId, taskId);
      if (!task) return notFound(taskId);
      if (task.status === 'resolved') {
        if (isDeepStrictEqual(task.resolve_request, request)) return { refused: false, task, replayed: true, commandId: task.command_id, newlyResolved: false };
        return { refused: true, status: 409, code: 'task_resolved', detail: `the task was resolved by ${task.resolved_by} with ${task.resolution}` };
      }
      if (request.action === 'relocate') return this.relocations.request(trx, tenantId, task, request);
      if (request.action === 'withdraw_relocation') return this.relocations.withdraw(trx, tenantId, task, request);
      const pending = await this.relocations.pendingOf(trx, taskId);
      if (pending) return pendingRefusal(pending);
      const applied = await applyResolution(trx, this.tasks, task, tenantId, request, this.now());
      if (applied.refused) return { refused: true, status: 422, code: applied.code, detail: applied.detail };
      const { commandId } = applied;
      return { refused: false, task: (await trx(T).where({ task_id: taskId }).first())!, replayed: false, commandId, newlyResolved: true };
    });
  }

  private async locked(trx: Knex.Transaction, tenantId: string, taskId: string): Promise<TaskRow | undefined> {
    return this.ofTenant(trx(T), tenantId).where({ task_id: taskId }).forUpdate().first();
  }
}

function notFound(taskId: string): DeskRefusal {
  return { refused: true, status: 404, code: 'task_not_found', detail: `no review task '${taskId.slice(0, 200)}' for this API key` };
}
