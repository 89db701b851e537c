import type { ResolveAction } from '../resolve/actions';
import type { Resolved } from '../store/review-store';
import type { TaskRow } from '../store/task-store';

export interface ResolutionHooks {
  /** After a resolution committed (not on a replay): count it (the outbox publishes its command). */
  onResolved(task: TaskRow): void;
  /** After a relocation's booking, or the cancellation of a withdrawn one, was queued (not on a replay): count it. */
  onRelocation(outcome: 'requested' | 'withdrawn'): void;
}

/** What follows a resolution the desk accepted, the same whether the review API or the console asked. */
export function afterResolution(result: Resolved, action: ResolveAction, hooks: ResolutionHooks): void {
  if (result.newlyResolved) hooks.onResolved(result.task);
  if (result.relocation && !result.replayed) hooks.onRelocation(action === 'withdraw_relocation' ? 'withdrawn' : 'requested');
}
