import { isInvalid, parseCommand } from '@cm/domain';
import { resolutionOf, resolveRequestSchema } from '../src/resolve/actions';
import { relocationBookingOf, relocationDecisionOf, relocationWithdrawalOf, type RelocateRequest, type WithdrawRequest } from '../src/resolve/relocate';

const task = {
  taskId: '6f1c1f7e-1111-4222-8333-444455556666',
  tenantId: 'tenant-1',
  propertyId: 'villa',
  bookingRef: 'air-9',
  details: { channel: 'AIRBNB', losingKey: 'AIRBNB:air-9', winningKey: 'PMS:pms-1', losingDates: JSON.stringify({ checkIn: '2027-06-12', checkOut: '2027-06-16' }) },
};
const NOW = Date.UTC(2026, 11, 4);
const relocate = (body: Record<string, unknown> = {}) => resolveRequestSchema.parse({ action: 'relocate', operator: 'maria', property_id: 'sister-flat', ...body }) as RelocateRequest;

describe('relocate: book the losing guest on another property, then cancel the loser on its channel', () => {
  test('step 1: a PMS CREATE_BOOKING on the other property for the losing dates, its id and ref derived from the task (a retry is the same command), naming the relocated stay', () => {
    const booking = relocationBookingOf(task, relocate({ guest_count: 3 }), NOW);
    expect(booking).toMatchObject({
      kind: 'command',
      command: { command_id: `review:${task.taskId}:relocation:sister-flat`, property_id: 'sister-flat', source: 'PMS', booking_ref: `relocation-${task.taskId}`, actor: 'maria', tenant_id: 'tenant-1', command: { kind: 'CREATE_BOOKING', status: 'CONFIRMED', guest_count: 3, reason: expect.stringContaining('relocation of AIRBNB:air-9 from villa') } },
    });
    if (booking.kind !== 'command') return;
    expect(parseCommand(booking.command)).toMatchObject({ type: 'create_booking', dates: { checkIn: '2027-06-12', checkOut: '2027-06-16' } });
    expect(relocationBookingOf(task, relocate({ guest_count: 3 }), NOW + 5_000)).toMatchObject({ command: { command_id: booking.command.command_id, booking_ref: booking.command.booking_ref } });
  });

  test('step 2, once the ledger accepted the booking: the losing booking cancelled as cancel_stay does', () => {
    const closing = resolutionOf(task, relocate(), NOW);
    expect(closing).toMatchObject({ kind: 'command', command: { command_id: `review:${task.taskId}:relocate`, booking_source: 'AIRBNB', booking_ref: 'air-9', property_id: 'villa', command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', reason: expect.stringContaining('relocated to sister-flat') } } });
    if (closing.kind === 'command') expect(isInvalid(parseCommand(closing.command))).toBe(false);
  });

  test('refused: the same property, a task that is not an overbooking', () => {
    expect(relocationBookingOf(task, relocate({ property_id: 'villa' }), NOW)).toMatchObject({ kind: 'refused', code: 'same_property' });
    const dispute = { ...task, details: { key: 'AIRBNB:air-9' } };
    expect(relocationBookingOf(dispute, relocate(), NOW)).toMatchObject({ kind: 'refused', code: 'not_an_overbooking' });
    expect(resolutionOf(dispute, relocate(), NOW)).toMatchObject({ kind: 'refused', code: 'not_an_overbooking' });
  });

  test.each([
    ['BOOKING_ACCEPTED', { kind: 'accepted' }],
    ['BOOKING_REJECTED', { kind: 'refused', reason: 'nights_unavailable', conflictingRef: 'held-1' }],
    ['COMMAND_REJECTED', { kind: 'refused', reason: 'nights_unavailable', conflictingRef: 'held-1' }],
    // Ignored (say booking_already_exists): never booked, so refused, the ledger's reason kept for the history.
    ['COMMAND_IGNORED', { kind: 'refused', reason: 'ignored by the ledger: nights_unavailable', conflictingRef: 'held-1' }],
  ] as const)("the ledger's %s of the relocation booking", (eventType, decision) => {
    expect(relocationDecisionOf({ command_id: `review:${task.taskId}:relocation:sister-flat`, event_type: eventType, reason: 'nights_unavailable', conflicting_ref: 'held-1' })).toEqual(decision);
  });

  test('any other command of the ledger is not a relocation', () => {
    expect(relocationDecisionOf({ command_id: `review:${task.taskId}:cancel_stay`, event_type: 'BOOKING_STATUS_CHANGED', reason: null, conflicting_ref: null })).toEqual({ kind: 'ignore', reason: 'not_a_relocation' });
    expect(relocationDecisionOf({ command_id: 'ingest-123', event_type: 'BOOKING_ACCEPTED', reason: null, conflicting_ref: null })).toEqual({ kind: 'ignore', reason: 'not_a_relocation' });
  });

  test('withdraw_relocation: the pending booking is cancelled by a PMS CHANGE_STATUS -> CANCELLED on the property it was asked of, its id derived from the task and the property', () => {
    const request = resolveRequestSchema.parse({ action: 'withdraw_relocation', operator: 'maria', note: 'the arbiter never answered' }) as WithdrawRequest;
    const cancel = relocationWithdrawalOf(task, { propertyId: 'sister-flat', bookingRef: `relocation-${task.taskId}` }, request, NOW);
    expect(cancel).toMatchObject({ kind: 'command', command: { command_id: `review:${task.taskId}:withdraw_relocation:sister-flat`, property_id: 'sister-flat', source: 'PMS', booking_source: 'PMS', booking_ref: `relocation-${task.taskId}`, actor: 'maria', command: { kind: 'CHANGE_STATUS', status: 'CANCELLED' } } });
    if (cancel.kind === 'command') {
      expect(parseCommand(cancel.command)).toMatchObject({ type: 'change_status', status: 'CANCELLED', ref: `relocation-${task.taskId}` });
      // Not a relocation decision: its own events never move a relocation.
      expect(relocationDecisionOf({ command_id: cancel.command.command_id, event_type: 'BOOKING_STATUS_CHANGED', reason: null, conflicting_ref: null })).toEqual({ kind: 'ignore', reason: 'not_a_relocation' });
    }
  });
});
