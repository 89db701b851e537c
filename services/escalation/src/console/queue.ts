import type { Severity } from '@cm/schemas';
import { SeveritySymbols } from '@cm/schemas';
import type { TaskRow } from '../store/task-store';

/**
 * The queue's order: the most severe first, then the least SLA time left; an acknowledged task's
 * SLA no longer escalates it, so it follows the open ones of its severity.
 */
export function queueOrder(tasks: readonly TaskRow[]): TaskRow[] {
  const rank = (s: Severity) => SeveritySymbols.length - 1 - SeveritySymbols.indexOf(s);
  const waiting = (t: TaskRow) => (t.status === 'open' ? 0 : t.status === 'acknowledged' ? 1 : 2);
  return [...tasks].sort((a, b) => rank(a.severity) - rank(b.severity) || waiting(a) - waiting(b) || Number(a.due_at_ms) - Number(b.due_at_ms) || a.task_id.localeCompare(b.task_id));
}

/** What the SLA column says: time left (or how long ago it passed) for an open task, why not otherwise. */
export function slaLeft(task: Pick<TaskRow, 'status' | 'due_at_ms'>, nowMs: number): { text: string; overdue: boolean } {
  if (task.status === 'resolved') return { text: 'resolved', overdue: false };
  if (task.status === 'acknowledged') return { text: 'acknowledged (SLA stopped)', overdue: false };
  const left = Number(task.due_at_ms) - nowMs;
  return left >= 0 ? { text: `${duration(left)} left`, overdue: false } : { text: `overdue by ${duration(-left)}`, overdue: true };
}

/** A span as people read it on a queue: the two largest units. */
export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
