import { Problem } from '@cm/service-runtime';
import { formFieldsOf, resolveRequestOfForm } from '../src/console/actions-form';
import { parseStrictForm } from '../src/console/form';
import { previewResolution } from '../src/console/preview';
import { duration, queueOrder, slaLeft } from '../src/console/queue';
import type { TaskRow } from '../src/store/task-store';

const NOW = Date.parse('2027-01-10T12:00:00Z');

function task(overrides: Partial<TaskRow> = {}): TaskRow {
  return {
    task_id: '00000000-0000-4000-8000-000000000001',
    conflict_key: 'k',
    conflict_type: 'OVERBOOKING',
    property_id: 'villa',
    channel: 'AIRBNB',
    booking_ref: 'air-1',
    severity: 'CRITICAL',
    sla_minutes: 15,
    status: 'open',
    level: 0,
    due_at_ms: NOW + 600_000,
    rule: '5.1 double booking',
    escalated_by: '5.1',
    summary: 's',
    details: { channel: 'AIRBNB', losingKey: 'AIRBNB:air-1', winningKey: 'PMS:pms-1', losingDates: '{"checkIn":"2027-02-01","checkOut":"2027-02-04"}' },
    occurrences: 1,
    first_event_id: 'e1',
    last_event_id: 'e1',
    opened_at_ms: NOW - 60_000,
    last_seen_at_ms: NOW - 60_000,
    acknowledged_by: null,
    acknowledged_at_ms: null,
    resolved_by: null,
    resolved_at_ms: null,
    resolution: null,
    resolve_request: null,
    command_id: null,
    ...overrides,
  };
}

function refusal(run: () => unknown): { status: number; code: string; detail: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return { status: error.status, code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error('not refused');
}

describe('a form body, read strictly', () => {
  test('fields are percent-decoded, + is a space, an empty body has no field', () => {
    expect(parseStrictForm('action=dismiss&note=guest+withdrew%20it%E2%9C%93&_csrf=t')).toEqual({ action: 'dismiss', note: 'guest withdrew it✓', _csrf: 't' });
    expect(parseStrictForm('')).toEqual({});
  });
  test('an escape that is not UTF-8 is a 400, not a replacement character', () => {
    expect(refusal(() => parseStrictForm('note=%FF'))).toMatchObject({ status: 400, code: 'malformed_form' });
    expect(refusal(() => parseStrictForm('note=%ED%A0%80'))).toMatchObject({ status: 400, code: 'malformed_form' });
  });
  test('a field given twice is a 400', () => {
    expect(refusal(() => parseStrictForm('action=dismiss&action=cancel_stay'))).toMatchObject({ status: 400, code: 'duplicate_field' });
  });
  test('a field named like an Object member is only a field', () => {
    const form = parseStrictForm('__proto__=x&constructor=y');
    expect(Object.entries(form)).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
    expect(Object.getPrototypeOf(form)).toBeNull();
  });
});

describe('a resolution asked for by a console form', () => {
  test("the operator is the session's", () => {
    expect(resolveRequestOfForm({ action: 'dismiss', note: 'dup', _csrf: 't' }, 'Maria')).toEqual({ action: 'dismiss', operator: 'Maria', note: 'dup' });
  });
  test('a form naming an operator is refused rather than overridden', () => {
    expect(refusal(() => resolveRequestOfForm({ action: 'dismiss', note: 'x', operator: 'mallory' }, 'Maria'))).toMatchObject({ status: 400, code: 'operator_in_form' });
  });
  test('an unknown action, or a field the action does not take, is a 400', () => {
    expect(refusal(() => resolveRequestOfForm({ action: 'delete_everything' }, 'Maria'))).toMatchObject({ status: 400, code: 'unknown_action' });
    expect(refusal(() => resolveRequestOfForm({ action: 'dismiss', note: 'x', booking_ref: 'r' }, 'Maria'))).toMatchObject({ status: 400, code: 'unknown_field' });
  });
  test("the desk's own schema judges the rest: a dismissal needs a note, a price a currency code", () => {
    expect(refusal(() => resolveRequestOfForm({ action: 'dismiss', note: ' ' }, 'Maria'))).toMatchObject({ status: 400, code: 'invalid_form', detail: expect.stringContaining('note') });
    expect(refusal(() => resolveRequestOfForm({ action: 'accept_channel_price', booking_ref: 'r', amount_minor: '1200', currency: 'eur' }, 'Maria'))).toMatchObject({ status: 400, detail: expect.stringContaining('price.currency') });
  });
  test('numbers are whole decimal numbers; empty optional fields are absent', () => {
    expect(resolveRequestOfForm({ action: 'relocate', property_id: 'loft', guest_count: '3', note: '' }, 'Maria')).toEqual({ action: 'relocate', operator: 'Maria', property_id: 'loft', guest_count: 3 });
    expect(refusal(() => resolveRequestOfForm({ action: 'relocate', property_id: 'loft', guest_count: '2.5' }, 'Maria'))).toMatchObject({ status: 400, detail: 'guest_count: a whole number' });
  });
  test('the confirm step asks again for the same request, without the operator', () => {
    const request = resolveRequestOfForm({ action: 'accept_channel_price', booking_ref: 'air-1', amount_minor: '45000', currency: 'EUR', note: 'as shown' }, 'Maria');
    const fields = formFieldsOf(request);
    expect(fields.map(([name]) => name)).not.toContain('operator');
    expect(resolveRequestOfForm(Object.fromEntries(fields), 'Maria')).toEqual(request);
  });
});

describe('the queue', () => {
  test('most severe first, then open before acknowledged, then least SLA time left', () => {
    const tasks = [
      task({ task_id: 'low', severity: 'LOW', due_at_ms: NOW }),
      task({ task_id: 'crit-later', due_at_ms: NOW + 900_000 }),
      task({ task_id: 'crit-acked', status: 'acknowledged', due_at_ms: NOW - 900_000 }),
      task({ task_id: 'crit-sooner', due_at_ms: NOW + 60_000 }),
      task({ task_id: 'high', severity: 'HIGH', due_at_ms: NOW - 1 }),
    ];
    expect(queueOrder(tasks).map((t) => t.task_id)).toEqual(['crit-sooner', 'crit-later', 'crit-acked', 'high', 'low']);
  });
  test('the SLA column: time left, overdue, or why it no longer counts', () => {
    expect(slaLeft(task({ due_at_ms: NOW + 90 * 60_000 }), NOW)).toEqual({ text: '1 h 30 min left', overdue: false });
    expect(slaLeft(task({ due_at_ms: NOW - 5 * 60_000 }), NOW)).toEqual({ text: 'overdue by 5 min', overdue: true });
    expect(slaLeft(task({ status: 'acknowledged' }), NOW)).toEqual({ text: 'acknowledged (SLA stopped)', overdue: false });
    expect(slaLeft(task({ status: 'resolved' }), NOW)).toEqual({ text: 'resolved', overdue: false });
    expect(duration(3 * 86_400_000 + 2 * 3_600_000)).toBe('3 d 2 h');
    expect(duration(42_000)).toBe('42 s');
  });
});

describe('what an action will do, before it is done', () => {
  test('keeping the channel guest confirms it and cancels the winner in one decision', () => {
    const preview = previewResolution(task(), 'tenant-a', { action: 'keep_channel_guest', operator: 'Maria' }, NOW);
    expect(preview).toMatchObject({ kind: 'will', steps: [`Tells the ledger to set AIRBNB:air-1 on villa to CONFIRMED, cancelling PMS:pms-1 for the nights 2027-02-01 to 2027-02-04 in the same decision.`, expect.any(String)] });
    if (preview.kind === 'will') expect(preview.commands[0]).toMatchObject({ command_id: `review:${task().task_id}:keep_channel_guest`, actor: 'Maria', tenant_id: 'tenant-a' });
  });
  test('cancelling a channel stay says the ledger cancels it on the channel as the host', () => {
    expect(previewResolution(task(), 't', { action: 'cancel_stay', operator: 'Maria', booking_ref: 'air-1' }, NOW)).toMatchObject({ kind: 'will', steps: ['Tells the ledger to set AIRBNB:air-1 on villa to CANCELLED (the ledger cancels it on AIRBNB as the host).', expect.any(String)] });
  });
  test("what the desk would refuse is shown as refused, with the desk's reason", () => {
    const bookingCom = task({ details: { ...task().details, winningKey: 'BOOKING_COM:bk-1' } });
    expect(previewResolution(bookingCom, 't', { action: 'keep_channel_guest', operator: 'Maria' }, NOW)).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel' });
    expect(previewResolution(task({ details: {} }), 't', { action: 'relocate', operator: 'Maria', property_id: 'loft' }, NOW)).toMatchObject({ kind: 'refused', code: 'not_an_overbooking' });
    expect(previewResolution(task(), 't', { action: 'relocate', operator: 'Maria', property_id: 'villa' }, NOW)).toMatchObject({ kind: 'refused', code: 'same_property' });
  });
  test('a relocation books the losing dates elsewhere first; a dismissal and a re-push send nothing', () => {
    expect(previewResolution(task(), 't', { action: 'relocate', operator: 'Maria', property_id: 'loft', guest_count: 2 }, NOW)).toMatchObject({ kind: 'will', steps: [expect.stringMatching(/^Books 2027-02-01 to 2027-02-04 on loft as the direct booking .+ for 2 guests\.$/), expect.stringContaining('Once the ledger accepts it')] });
    expect(previewResolution(task(), 't', { action: 'dismiss', operator: 'Maria', note: 'n' }, NOW)).toMatchObject({ kind: 'will', commands: [], steps: [expect.any(String), 'Nothing is sent to the ledger or to any channel.'] });
    expect(previewResolution(task(), 't', { action: 'repush_availability', operator: 'Maria' }, NOW)).toMatchObject({ kind: 'will', commands: [], steps: [expect.any(String), expect.stringContaining('No command is sent')] });
  });
});
