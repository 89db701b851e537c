import { isInvalid, parseCommand } from '@cm/domain';
import { resolutionOf, resolveRequestSchema, sourceOfStay, type ClosingRequest } from '../src/resolve/actions';

const overbooking = { taskId: '6f1c1f7e-1111-4222-8333-444455556666', tenantId: 'tenant-1', propertyId: 'villa', bookingRef: 'air-9', details: { channel: 'AIRBNB', losingKey: 'AIRBNB:air-9', winningKey: 'PMS:pms-1' } };
const NOW = Date.UTC(2026, 10, 25);
const request = (body: unknown) => resolveRequestSchema.parse(body) as ClosingRequest;

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

  test('every action takes only its own fields: an unknown one (a typo such as guests for guest_count) is refused, naming it', () => {
    const typo = resolveRequestSchema.safeParse({ action: 'relocate', operator: 'maria', property_id: 'sister', guests: 3 });
    expect(typo.success).toBe(false);
    expect(typo.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['guests'] })]);
    for (const body of [
      { action: 'cancel_stay', operator: 'maria', booking_ref: 'pms-1', bookingSource: 'PMS' },
      { action: 'accept_channel_price', operator: 'maria', booking_ref: 'air-9', price: { amount_minor: 1, currency: 'EUR', tax: 0 } },
      { action: 'keep_channel_guest', operator: 'maria', cancels: 'PMS:pms-1' },
      { action: 'repush_availability', operator: 'maria', channel: 'VRBO' },
      { action: 'dismiss', operator: 'maria', note: 'n', notes: 'n' },
    ]) {
      expect(resolveRequestSchema.safeParse(body).success).toBe(false);
    }
  });
});

describe("the review API does not open nights a guest still holds on a platform that cannot cancel as the host (Booking.com, Expedia)", () => {
  const dates = JSON.stringify({ checkIn: '2027-06-12', checkOut: '2027-06-16' });
  const bdcWon = { ...overbooking, details: { channel: 'AIRBNB', losingKey: 'AIRBNB:air-9', winningKey: 'BOOKING_COM:bdc-1', losingDates: dates } };
  const bdcLost = { ...overbooking, bookingRef: 'bdc-2', details: { channel: 'BOOKING_COM', losingKey: 'BOOKING_COM:bdc-2', winningKey: 'EXPEDIA:exp-1', losingDates: dates } };

  test('cancel_stay of a stay holding nights on Booking.com or Expedia is refused (422 not_possible_on_channel), pointing to the extranet', () => {
    const refused = resolutionOf(bdcWon, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'bdc-1' }), NOW);
    expect(refused).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel', detail: expect.stringContaining("cancel it in BOOKING_COM's extranet; the cancellation reaches the ledger from there") });
    expect(resolutionOf(bdcLost, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'exp-1' }), NOW)).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel' });
    // Named by the operator rather than by the task: the same.
    expect(resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'exp-7', booking_source: 'EXPEDIA' }), NOW)).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel' });
    // Airbnb, Vrbo and the PMS's own stays can be cancelled (the channels as the host).
    expect(resolutionOf(bdcWon, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'air-9' }), NOW).kind).toBe('command');
    expect(resolutionOf(overbooking, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'v-1', booking_source: 'VRBO' }), NOW).kind).toBe('command');
  });

  test("cancel_stay of the task's own losing booking on Booking.com is still allowed: REJECTED, it holds no nights (its failed HOST_CANCEL is raised as SYNC_FAILED for a person)", () => {
    expect(resolutionOf(bdcLost, request({ action: 'cancel_stay', operator: 'maria', booking_ref: 'bdc-2' }), NOW)).toMatchObject({ kind: 'command', command: { booking_source: 'BOOKING_COM', booking_ref: 'bdc-2', command: { status: 'CANCELLED' } } });
    expect(resolutionOf(bdcLost, request({ action: 'relocate', operator: 'maria', property_id: 'sister' }), NOW)).toMatchObject({ kind: 'command', command: { booking_source: 'BOOKING_COM', booking_ref: 'bdc-2' } });
  });

  test('keep_channel_guest whose winning stay (the one it cancels) is on Booking.com or Expedia is refused (422 not_possible_on_channel)', () => {
    expect(resolutionOf(bdcWon, request({ action: 'keep_channel_guest', operator: 'maria' }), NOW)).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel', detail: expect.stringContaining("BOOKING_COM's extranet") });
    expect(resolutionOf(bdcLost, request({ action: 'keep_channel_guest', operator: 'maria' }), NOW)).toMatchObject({ kind: 'refused', code: 'not_possible_on_channel', detail: expect.stringContaining("EXPEDIA's extranet") });
    // A Booking.com guest who lost to a direct stay may be kept: the direct stay is the one cancelled.
    expect(resolutionOf({ ...bdcLost, details: { ...bdcLost.details, winningKey: 'PMS:pms-1' } }, request({ action: 'keep_channel_guest', operator: 'maria' }), NOW).kind).toBe('command');
  });
});
