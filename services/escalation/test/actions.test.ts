import { isInvalid, parseCommand } from '@cm/domain';
import { resolutionOf, resolveRequestSchema, sourceOfStay, type ResolveRequest } from '../src/resolve/actions';

const overbooking = { taskId: '6f1c1f7e-1111-4222-8333-444455556666', tenantId: 'tenant-1', propertyId: 'villa', bookingRef: 'air-9', details: { channel: 'AIRBNB', losingKey: 'AIRBNB:air-9', winningKey: 'PMS:pms-1' } };
const NOW = Date.UTC(2026, 10, 25);
const request = (body: unknown) => resolveRequestSchema.parse(body) as ResolveRequest;

describe('resolving a task with an action', () => {
  test('keep_channel_guest (overbooking): one PMS CHANGE_STATUS -> CONFIRMED of the losing channel booking, cancelling the winning stay, with the losing dates', () => {
    const task = { ...overbooking, details: { ...overbooking.details, losingDates: JSON.stringify({ checkIn: '2027-06-12', checkOut: '2027-06-16' }) } };
    const resolution = resolutionOf(task, request({ action: 'keep_channel_guest', operator: 'maria' }), NOW);
    expect(resolution).toMatchObject({ kind: 'command', command: { command: { kind: 'CHANGE_STATUS', status: 'CONFIRMED', keeps: { cancels_stay: 'PMS:pms-1' } }, source: 'PMS', booking_source: 'AIRBNB', booking_ref: 'air-9', actor: 'maria' } });
    if (resolution.kind !== 'command') return;
    expect(parseCommand(resolution.command)).toMatchObject({ type: 'change_status', keeps: { cancels: 'PMS:pms-1', dates: { checkIn: '2027-06-12', checkOut: '2027-06-16' } } });
    expect(resolutionOf(overbooking, request({ action: 'keep_channel_guest', operator: 'maria' }), NOW)).toMatchObject({ kind: 'refused', code: 'not_an_overbooking' });
  });

  test("cancel_stay (overbooking): a PMS CHANGE_STATUS -> CANCELLED for the named stay that the arbiter's parseCommand accepts", () => {
    const resolution = resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'pms-1' }), NOW);
    expect(resolution.kind).toBe('command');
    if (resolution.kind !== 'command') return;
    expect(resolution.command).toMatchObject({ command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: expect.stringContaining('maria') }, source: 'PMS', booking_source: 'PMS', booking_ref: 'pms-1', property_id: 'villa', command_id: `review:${overbooking.taskId}:cancel_stay`, actor: 'maria' });
    const parsed = parseCommand(resolution.command);
    expect(isInvalid(parsed)).toBe(false);
    expect(parsed).toMatchObject({ type: 'change_status', status: 'CANCELLED', bookingSource: 'PMS', ref: 'pms-1' });
  });

  test("cancel_stay takes the booking's source from the task's stay keys", () => {
    expect(sourceOfStay(overbooking, 'air-9')).toBe('AIRBNB');
    expect(sourceOfStay({ ...overbooking, details: { heldBy: '["VRBO:v-1","PMS:x"]' } }, 'v-1')).toBe('VRBO');
  });

  test('cancel_stay of a stay the task does not name is refused unless its source is given', () => {
    expect(resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'other' }), NOW)).toMatchObject({ kind: 'refused', code: 'booking_not_in_task' });
    expect(resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'other', booking_source: 'VRBO' }), NOW)).toMatchObject({ kind: 'command', command: { booking_source: 'VRBO' } });
  });

  test('accept_channel_price: a PMS REPORT_PRICE with the operator as actor, which parseCommand keeps', () => {
    const resolution = resolutionOf(overbooking, request({ action: 'accept_channel_price', operator: 'maria', booking_ref: 'air-9', price: { amount_minor: 10_000, currency: 'EUR' } }), NOW);
    expect(resolution).toMatchObject({ kind: 'command', command: { command: { kind: 'REPORT_PRICE', price: { amount_minor: 10_000, currency: 'EUR' } }, source: 'PMS', booking_source: 'AIRBNB', booking_ref: 'air-9', actor: 'maria' } });
    if (resolution.kind !== 'command') return;
    expect(parseCommand(resolution.command)).toMatchObject({ type: 'report_price', actor: 'maria', bookingSource: 'AIRBNB' });
    expect(resolutionOf(overbooking, request({ action: 'accept_channel_price', operator: 'maria', booking_ref: 'elsewhere', price: { amount_minor: 1, currency: 'EUR' } }), NOW)).toMatchObject({ kind: 'refused', code: 'booking_not_in_task' });
  });

  test('repush_availability and dismiss are recorded and produce no command', () => {
    expect(resolutionOf(overbooking, request({ action: 'repush_availability', operator: 'maria' }), NOW)).toEqual({ kind: 'record_only' });
    expect(resolutionOf(overbooking, request({ action: 'dismiss', operator: 'maria', note: 'handled by phone' }), NOW)).toEqual({ kind: 'record_only' });
  });

  test('the same request resolves to the same command id (the arbiter dedupes a replay)', () => {
    const a = resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'pms-1' }), NOW);
    const b = resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'pms-1' }), NOW + 5);
    expect(a.kind === 'command' && b.kind === 'command' && a.command.command_id === b.command.command_id).toBe(true);
  });

  test('requests name what is wrong: dismiss needs a note, operator is required, actions are known', () => {
    expect(resolveRequestSchema.safeParse({ action: 'dismiss', operator: 'maria' }).success).toBe(false);
    expect(resolveRequestSchema.safeParse({ action: 'cancel_stay', booking_ref: 'x' }).success).toBe(false);
    expect(resolveRequestSchema.safeParse({ action: 'refund', operator: 'maria' }).success).toBe(false);
  });
});
