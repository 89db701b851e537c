import { ChannelSymbols, ConflictTypeSymbols, SeveritySymbols } from '@cm/schemas';
import { z } from 'zod';
import { HistoryActionSymbols, TaskStatusSymbols } from '../tasks/types';

/**
 * The review API's answers as schemas: the views are typed by them (so a field added to a view
 * and not here does not compile), the OpenAPI document is generated from them, and its test
 * checks the service's real answers against them.
 */
const isoTime = z.iso.datetime();

export const taskAnswer = z.strictObject({
  task_id: z.uuid(),
  conflict_key: z.string().describe('What makes two conflicts the same task: type, property, channel, booking and the rule\'s details.'),
  conflict_type: z.enum(ConflictTypeSymbols),
  property_id: z.string(),
  channel: z.enum(ChannelSymbols).nullable(),
  booking_ref: z.string().nullable(),
  severity: z.enum(SeveritySymbols),
  status: z.enum(TaskStatusSymbols),
  level: z.number().int().min(0).describe('Escalation level reached: 0 until the SLA passes unacknowledged.'),
  level_name: z.string().optional().describe('Who is notified at that level (ESCALATION_LEVELS).'),
  sla_minutes: z.number().int(),
  due_at: isoTime,
  rule: z.string().describe('The conflict rule (docs/conflict-rules.md) that opened the task.'),
  escalated_by: z.string(),
  summary: z.string(),
  details: z.record(z.string(), z.string()),
  occurrences: z.number().int().min(1),
  opened_at: isoTime,
  last_seen_at: isoTime,
  acknowledged_by: z.string().nullable(),
  acknowledged_at: isoTime.nullable(),
  resolved_by: z.string().nullable(),
  resolved_at: isoTime.nullable(),
  resolution: z.string().nullable(),
  command_id: z.string().nullable().describe('The booking command a resolution issued, if it issued one.'),
});
export type TaskAnswer = z.infer<typeof taskAnswer>;

export const relocationAnswer = z.strictObject({
  property_id: z.string(),
  status: z.enum(['pending', 'accepted', 'refused', 'withdrawn']),
  booking_ref: z.string(),
  command_id: z.string(),
  requested_by: z.string(),
  requested_at: isoTime,
  decided_at: isoTime.nullable(),
  refusal: z.strictObject({ reason: z.string(), conflicting_ref: z.string().nullable() }).nullable(),
  withdrawal: z.strictObject({ withdrawn_by: z.string(), note: z.string().nullable(), command_id: z.string() }).nullable(),
});
export type RelocationAnswer = z.infer<typeof relocationAnswer>;

export const historyEntryAnswer = z.strictObject({
  at_ms: z.union([z.number().int(), z.string().regex(/^\d+$/)]).describe('Epoch milliseconds (PostgreSQL bigint, as text).'),
  actor: z.string(),
  action: z.enum(HistoryActionSymbols),
  details: z.unknown(),
});

export const taskListAnswer = z.strictObject({ tasks: z.array(taskAnswer), total: z.number().int().min(0), limit: z.number().int(), offset: z.number().int() });
export const taskDetailAnswer = taskAnswer.extend({ history: z.array(historyEntryAnswer), relocations: z.array(relocationAnswer) });
export const resolutionAnswer = taskAnswer.extend({
  replayed: z.boolean().describe('true: the same resolution was asked before; this is its answer again, and nothing was done twice.'),
  command_id: z.string().nullable(),
  relocation: relocationAnswer.optional().describe('For relocate and withdraw_relocation: the relocation it asked for or withdrew.'),
});
export const settingsAnswer = z.strictObject({ auto_cancel_instant_book_losers: z.boolean(), updated_by: z.string().nullable(), updated_at: isoTime.nullable() });
export type SettingsAnswer = z.infer<typeof settingsAnswer>;
