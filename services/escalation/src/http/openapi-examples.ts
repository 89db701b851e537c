import type { z } from 'zod';
import { resolveRequestSchema } from '../resolve/actions';
import { resolutionAnswer, settingsAnswer, taskAnswer, taskDetailAnswer, taskListAnswer, type TaskAnswer } from './answers';
import { acknowledgeBody, settingsBody } from './app';

/** An example of the document, with the schema it is of (the test parses each with it, so no example drifts from what the API takes or answers). */
interface Example {
  readonly summary: string;
  readonly schema: z.ZodType;
  readonly value: unknown;
}

const task: TaskAnswer = {
  task_id: '0b6f7c1e-5d0e-4c8e-9a51-3f2d1c0b9a87',
  conflict_key: 'OVERBOOKING|villa-azul|AIRBNB|HMABCD1234',
  conflict_type: 'OVERBOOKING',
  property_id: 'villa-azul',
  channel: 'AIRBNB',
  booking_ref: 'HMABCD1234',
  severity: 'CRITICAL',
  status: 'open',
  level: 0,
  level_name: 'on-call',
  sla_minutes: 15,
  due_at: '2026-12-05T10:15:00.000Z',
  rule: '5.1 overbooking',
  escalated_by: '5.1 overbooking',
  summary: 'Airbnb booking HMABCD1234 lost 2026-12-20..2026-12-23 to PMS booking D-118',
  details: { losingKey: 'AIRBNB:HMABCD1234', winningKey: 'PMS:D-118' },
  occurrences: 1,
  opened_at: '2026-12-05T10:00:00.000Z',
  last_seen_at: '2026-12-05T10:00:00.000Z',
  acknowledged_by: null,
  acknowledged_at: null,
  resolved_by: null,
  resolved_at: null,
  resolution: null,
  command_id: null,
};
const acknowledged: TaskAnswer = { ...task, status: 'acknowledged', acknowledged_by: 'ana@villas.example', acknowledged_at: '2026-12-05T10:03:00.000Z' };
const resolved: TaskAnswer = { ...acknowledged, status: 'resolved', resolved_by: 'ana@villas.example', resolved_at: '2026-12-05T10:05:00.000Z', resolution: 'cancel_stay', command_id: 'review:0b6f7c1e-5d0e-4c8e-9a51-3f2d1c0b9a87:cancel_stay' };
const relocation = {
  property_id: 'villa-verde',
  status: 'pending' as const,
  booking_ref: 'relocation-0b6f7c1e',
  command_id: 'review:0b6f7c1e-5d0e-4c8e-9a51-3f2d1c0b9a87:relocate',
  requested_by: 'ana@villas.example',
  requested_at: '2026-12-05T10:05:00.000Z',
  decided_at: null,
  refusal: null,
  withdrawal: null,
};

export const REVIEW_EXAMPLES = {
  taskList: { summary: 'One open overbooking', schema: taskListAnswer, value: { tasks: [task], total: 1, limit: 50, offset: 0 } },
  taskDetail: {
    summary: 'An acknowledged task and its history',
    schema: taskDetailAnswer,
    value: { ...acknowledged, history: [{ at_ms: '1764928800000', actor: 'system', action: 'opened', details: { severity: 'CRITICAL', sla_minutes: 15 } }, { at_ms: '1764928980000', actor: 'ana@villas.example', action: 'acknowledged', details: {} }], relocations: [] },
  },
  acknowledge: { summary: 'The operator takes the task', schema: acknowledgeBody, value: { operator: 'ana@villas.example' } },
  acknowledgedTask: { summary: 'Acknowledged', schema: taskAnswer, value: acknowledged },
  resolveCancelStay: { summary: 'Cancel the losing stay on its channel', schema: resolveRequestSchema, value: { action: 'cancel_stay', operator: 'ana@villas.example', booking_ref: 'HMABCD1234', note: 'guest told by phone' } },
  resolveKeepChannelGuest: { summary: "Keep the channel's guest; the winning stay is cancelled", schema: resolveRequestSchema, value: { action: 'keep_channel_guest', operator: 'ana@villas.example' } },
  resolveRelocate: { summary: "Book the losing guest on another of the tenant's properties", schema: resolveRequestSchema, value: { action: 'relocate', operator: 'ana@villas.example', property_id: 'villa-verde', guest_count: 2 } },
  resolveDismiss: { summary: 'Nothing to do; the note says why', schema: resolveRequestSchema, value: { action: 'dismiss', operator: 'ana@villas.example', note: 'the guest rebooked another week' } },
  resolved: { summary: 'Resolved with cancel_stay', schema: resolutionAnswer, value: { ...resolved, replayed: false } },
  relocationRequested: { summary: 'A relocation waiting for the ledger', schema: resolutionAnswer, value: { ...acknowledged, replayed: false, command_id: relocation.command_id, relocation } },
  settings: { summary: 'Losing instant bookings cancelled without review', schema: settingsAnswer, value: { auto_cancel_instant_book_losers: true, updated_by: 'ana@villas.example', updated_at: '2026-12-05T09:00:00.000Z' } },
  putSettings: { summary: 'Turn automatic cancellation on', schema: settingsBody, value: { auto_cancel_instant_book_losers: true, operator: 'ana@villas.example' } },
} as const satisfies Record<string, Example>;
