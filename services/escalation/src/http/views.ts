import type { TaskRow } from '../store/task-store';
import type { TaskAnswer } from './answers';

/** A task as the review API shows it: ISO times, snake_case. */
export function taskView(t: TaskRow, levels: readonly string[]): TaskAnswer {
  const at = (ms: number) => new Date(ms).toISOString();
  const iso = (ms: number | null) => (ms === null ? null : at(ms));
  return {
    task_id: t.task_id,
    conflict_key: t.conflict_key,
    conflict_type: t.conflict_type,
    property_id: t.property_id,
    channel: t.channel,
    booking_ref: t.booking_ref,
    severity: t.severity,
    status: t.status,
    level: t.level,
    level_name: levels[Math.min(t.level, levels.length - 1)],
    sla_minutes: t.sla_minutes,
    due_at: at(t.due_at_ms),
    rule: t.rule,
    escalated_by: t.escalated_by,
    summary: t.summary,
    details: t.details,
    occurrences: t.occurrences,
    opened_at: at(t.opened_at_ms),
    last_seen_at: at(t.last_seen_at_ms),
    acknowledged_by: t.acknowledged_by,
    acknowledged_at: iso(t.acknowledged_at_ms),
    resolved_by: t.resolved_by,
    resolved_at: iso(t.resolved_at_ms),
    resolution: t.resolution,
    command_id: t.command_id,
  };
}
