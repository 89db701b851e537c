import type { Severity } from '@cm/schemas';
import { SEVERITY_RANK } from './severity';
import type { Occurrence, OpenTaskState, TaskStatus } from './types';

/** A new task's clock: due one SLA after it was opened. */
export function firstDueAt(openedAtMs: number, slaMinutes: number, minuteMs: number): number {
  return openedAtMs + slaMinutes * minuteMs;
}

/**
 * A repeat of an open task's conflict: counted, and when it is worse than the task, the task takes
 * its severity and SLA, and falls due no later than the new SLA allows.
 */
export function repeatTask(task: OpenTaskState, occurrence: Occurrence, nowMs: number, minuteMs: number): { severity: Severity; slaMinutes: number; dueAtMs: number; occurrences: number; severityRaised: boolean } {
  const severityRaised = SEVERITY_RANK[occurrence.severity] > SEVERITY_RANK[task.severity];
  if (!severityRaised) return { severity: task.severity, slaMinutes: task.slaMinutes, dueAtMs: task.dueAtMs, occurrences: task.occurrences + 1, severityRaised };
  return {
    severity: occurrence.severity,
    slaMinutes: occurrence.slaMinutes,
    dueAtMs: Math.min(task.dueAtMs, nowMs + occurrence.slaMinutes * minuteMs),
    occurrences: task.occurrences + 1,
    severityRaised,
  };
}

/** What the timer does with a task whose SLA passed. */
export type SlaStep =
  | { readonly kind: 'escalate'; readonly level: number; readonly dueAtMs: number }
  | { readonly kind: 'remind_top_level'; readonly level: number; readonly dueAtMs: number }
  | { readonly kind: 'ignore'; readonly reason: 'not_open' | 'not_due' };

/**
 * An SLA passed unacknowledged: the task moves one level up (on-call, then manager, then owner)
 * with a fresh SLA; at the top level the top is reminded every SLA instead. Acknowledged and
 * resolved tasks do not escalate.
 */
export function slaStep(task: { status: TaskStatus; level: number; dueAtMs: number; slaMinutes: number }, levels: number, nowMs: number, minuteMs: number): SlaStep {
  if (task.status !== 'open') return { kind: 'ignore', reason: 'not_open' };
  if (task.dueAtMs > nowMs) return { kind: 'ignore', reason: 'not_due' };
  const dueAtMs = nowMs + task.slaMinutes * minuteMs;
  const top = levels - 1;
  return task.level < top ? { kind: 'escalate', level: task.level + 1, dueAtMs } : { kind: 'remind_top_level', level: top, dueAtMs };
}

/** Why a status change is refused: the API answers 409 with this code. */
export type TransitionRefusal = 'task_resolved' | 'already_acknowledged';

/** open -> acknowledged -> resolved; open -> resolved. A resolved task is final. */
export function acknowledgeRefusal(status: TaskStatus): TransitionRefusal | null {
  switch (status) {
    case 'open':
      return null;
    case 'acknowledged':
      return 'already_acknowledged';
    case 'resolved':
      return 'task_resolved';
    /* istanbul ignore next -- unreachable */
    default:
      return status satisfies never;
  }
}
