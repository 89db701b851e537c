import type { BookingCommand, BookingEvent, ReservationAction } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { addProperty } from '@cm/ingest';
import { uniqueName } from '@cm/test-harness';
import { conflictOf, createBooking } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

let world: EscalationWorld;
let service: EscalationProcess;
let sister: string;
let third: string;

beforeAll(async () => {
  world = await escalationWorld();
  [sister, third] = [`${world.tenants[0].tenantId}-sister`, `${world.tenants[0].tenantId}-third`];
  for (const propertyId of [sister, third]) await addProperty(world.db, { propertyId, tenantId: world.tenants[0].tenantId, timeZone: 'Europe/Paris', currency: 'EUR' });
  await world.startArbiter();
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

/** A direct booking, then an Airbnb instant booking of overlapping nights: OVERBOOKING, the Airbnb guest loses. */
async function overbook(month: string) {
  const propertyId = world.tenants[0].propertyId;
  const [pmsRef, airbnbRef] = [uniqueName('pms'), uniqueName('air')];
  await world.sendCommands([createBooking(propertyId, 'PMS', pmsRef, `2027-${month}-10`, `2027-${month}-14`)]);
  await waitFor('the direct booking in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: pmsRef, status: 'CONFIRMED' }).first());
  await world.sendCommands([createBooking(propertyId, 'AIRBNB', airbnbRef, `2027-${month}-12`, `2027-${month}-16`)]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.details.losingKey === `AIRBNB:${airbnbRef}`), 'the overbooking task', 60_000);
  return { airbnbRef, task: tasks.find((x) => x.details.losingKey === `AIRBNB:${airbnbRef}`)! };
}

const detail = async (taskId: string) => (await world.api(service, 'GET', `/v1/review-tasks/${taskId}`)).body;
const relocate = (taskId: string, body: Record<string, unknown>) => world.api(service, 'POST', `/v1/review-tasks/${taskId}/resolve`, { action: 'relocate', operator: 'maria@host.example', ...body });

describe('relocate the losing guest of an overbooking to another property of the tenant, then cancel the loser on its channel', () => {
  test('the guest is booked on the other property (a PMS CREATE_BOOKING for the losing dates, ref from the task); once the ledger accepted it, the loser is cancelled and its channel gets a host cancellation; the task is resolved by the operator with relocate', async () => {
    const { airbnbRef, task } = await overbook('09');
    const asked = await relocate(task.task_id, { property_id: third, guest_count: 2, note: 'the sister flat has the same view' });
    expect(asked).toMatchObject({ status: 202, body: { status: 'open', replayed: false, command_id: `review:${task.task_id}:relocation:${third}`, relocation: { property_id: third, status: 'pending', booking_ref: `relocation-${task.task_id}`, requested_by: 'maria@host.example' } } });

    const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (r) => r.some((c) => c.value.command_id === asked.body.command_id));
    const { value: booking, record } = commands.find((c) => c.value.command_id === asked.body.command_id)!;
    expect(booking).toMatchObject({ source: 'PMS', property_id: third, booking_ref: `relocation-${task.task_id}`, actor: 'maria@host.example', tenant_id: world.tenants[0].tenantId, command: { kind: 'CREATE_BOOKING', status: 'CONFIRMED', guest_count: 2, reason: expect.stringContaining(`relocation of AIRBNB:${airbnbRef}`) } });
    expect(record.key?.toString()).toBe(third);

    const resolved = (await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.task_id === task.task_id && x.status === 'resolved'), 'the task resolved', 60_000)).find((x) => x.task_id === task.task_id)!;
    expect(resolved).toMatchObject({ resolution: 'relocate', resolved_by: 'maria@host.example', command_id: `review:${task.task_id}:relocate` });
    expect(await world.db('stays').where({ property_id: third, ref: `relocation-${task.task_id}` }).first('status', 'check_in', 'check_out')).toMatchObject({ status: 'CONFIRMED' });
    await waitFor('the loser cancelled in the ledger', () => world.db('stays').where({ property_id: world.tenants[0].propertyId, ref: airbnbRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
    const actions = await world.read<ReservationAction>(world.topics.reservationActions, (r) => r.some((a) => a.value.command_id === resolved.command_id));
    expect(actions.map((a) => a.value).find((a) => a.command_id === resolved.command_id)).toMatchObject({ channel: 'AIRBNB', booking_ref: airbnbRef, action: { kind: 'HOST_CANCEL' } });

    const shown = await detail(task.task_id);
    expect(shown.history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual(
      expect.arrayContaining([
        ['relocation_requested', 'maria@host.example'],
        ['relocation_accepted', 'system'],
        ['resolved', 'maria@host.example'],
      ]),
    );
    expect(shown.relocations).toEqual([expect.objectContaining({ property_id: third, status: 'accepted' })]);

    // The same request again answers the same; a redelivered decision acts once.
    expect(await relocate(task.task_id, { property_id: third, guest_count: 2, note: 'the sister flat has the same view' })).toMatchObject({ status: 200, body: { replayed: true, resolution: 'relocate' } });
    const accepted = (await world.read<BookingEvent>(world.topics.bookingEvents, (r) => r.some((e) => e.value.command_id === booking.command_id))).find((e) => e.value.command_id === booking.command_id)!.value;
    expect(accepted.event_type).toBe('BOOKING_ACCEPTED');
    await world.sendBookingEvents([accepted]);
    const barrier = await overbook('10');
    await relocate(barrier.task.task_id, { property_id: sister });
    await waitFor('the barrier relocation decided', async () => (await world.db('escalation.relocations').where({ task_id: barrier.task.task_id }).whereNot({ status: 'pending' })).length === 1, { timeoutMs: 30_000 });
    expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id }).orderBy('command_id').pluck('command_id')).toEqual([`review:${task.task_id}:relocate`, `review:${task.task_id}:relocation:${third}`]);
    expect(await world.db('escalation.task_history').where({ task_id: task.task_id, action: 'relocation_accepted' })).toHaveLength(1);
  });

  test('the ledger refuses the relocation booking (nights held there): the task stays open with the refusal in its history, and the loser is not cancelled', async () => {
    const { airbnbRef, task } = await overbook('11');
    const held = uniqueName('held');
    await world.sendCommands([createBooking(sister, 'PMS', held, '2027-11-01', '2027-11-30')]);
    await waitFor('the sister property booked all month', () => world.db('stays').where({ property_id: sister, ref: held, status: 'CONFIRMED' }).first(), { timeoutMs: 30_000 });
    expect(await relocate(task.task_id, { property_id: sister })).toMatchObject({ status: 202, body: { relocation: { status: 'pending' } } });
    await waitFor('the refusal in its history', async () => (await detail(task.task_id)).history.some((h: { action: string }) => h.action === 'relocation_refused'), { timeoutMs: 30_000 });
    const shown = await detail(task.task_id);
    expect(shown).toMatchObject({ status: 'open', resolution: null, relocations: [{ property_id: sister, status: 'refused', refusal: { reason: expect.any(String) } }] });
    expect(shown.history.find((h: { action: string }) => h.action === 'relocation_refused')).toMatchObject({ actor: 'system', details: { property_id: sister, reason: expect.any(String) } });
    expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id }).pluck('command_id')).toEqual([`review:${task.task_id}:relocation:${sister}`]);
    expect(await world.db('stays').where({ property_id: world.tenants[0].propertyId, ref: airbnbRef }).first('status')).toEqual({ status: 'REJECTED' });
    // The same property again is refused; another property of the tenant may still take the guest.
    expect(await relocate(task.task_id, { property_id: sister })).toMatchObject({ status: 409, body: { code: 'relocation_refused' } });
    expect(await relocate(task.task_id, { property_id: third })).toMatchObject({ status: 202 });
    await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.task_id === task.task_id && x.resolution === 'relocate'), 'relocated to the third property', 60_000);
  });

  test('restart-safe: the ledger accepts the relocation booking while escalation is down; once it is back, the decision is applied from booking.events and the loser cancelled', async () => {
    const { airbnbRef, task } = await overbook('08');
    const asked = await relocate(task.task_id, { property_id: sister });
    expect(asked.status).toBe(202);
    // Published: the outbox deletes a row once the broker took it.
    await waitFor('the booking produced', async () => (await world.db('escalation.issued_commands').where({ command_id: asked.body.command_id }).first()) && !(await world.db('escalation.outbox').where({ event_id: asked.body.command_id }).first()));
    expect(await service.stop()).toBe(0);
    await waitFor('the ledger booked the guest on the sister property', () => world.db('stays').where({ property_id: sister, ref: `relocation-${task.task_id}`, status: 'CONFIRMED' }).first(), { timeoutMs: 30_000 });
    service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
    await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.task_id === task.task_id && x.resolution === 'relocate'), 'the task resolved after the restart', 60_000);
    await waitFor('the loser cancelled in the ledger', () => world.db('stays').where({ property_id: world.tenants[0].propertyId, ref: airbnbRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
  });

  test("the guest cancels on the channel before the relocation is accepted: the relocation's cancellation of the loser changes nothing in the ledger (no host cancellation), and the loser is no longer counted as confirmed on its channel", async () => {
    const gauge = async () => Number(/^losing_reservations_still_confirmed\{channel="AIRBNB"[^}]*\} (\S+)$/m.exec(await service.metrics())?.[1]);
    const before = await gauge();
    const { airbnbRef, task } = await overbook('07');
    expect(await gauge()).toBe(before + 1);
    // The guest cancels on Airbnb: the channel's own CHANGE_STATUS -> CANCELLED of the REJECTED booking.
    const created = createBooking(world.tenants[0].propertyId, 'AIRBNB', airbnbRef, '2027-07-12', '2027-07-16');
    await world.sendCommands([{ ...created, command_id: uniqueName('guest-cancels'), source_version: 2, command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: 'guest cancelled' } }]);
    await waitFor('the loser cancelled by its channel', () => world.db('stays').where({ property_id: world.tenants[0].propertyId, ref: airbnbRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
    await waitFor('no longer counted', async () => (await gauge()) === before, { timeoutMs: 30_000 });
    expect(await relocate(task.task_id, { property_id: third })).toMatchObject({ status: 202 });
    await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.task_id === task.task_id && x.resolution === 'relocate'), 'relocated', 60_000);
    const closing = `review:${task.task_id}:relocate`;
    const decided = await world.read<BookingEvent>(world.topics.bookingEvents, (r) => r.some((e) => e.value.command_id === closing));
    expect(decided.find((e) => e.value.command_id === closing)!.value).toMatchObject({ event_type: 'COMMAND_IGNORED', reason: 'no_change', status: 'CANCELLED' });
    expect(await gauge()).toBe(before);
  });

  test('the target property must be another property of the same tenant (404/422 with a reason), and only an overbooking is relocated', async () => {
    const { task } = await overbook('12');
    expect(await relocate(task.task_id, { property_id: world.tenants[1].propertyId })).toMatchObject({ status: 404, body: { code: 'property_not_found' } });
    expect(await relocate(task.task_id, { property_id: 'no-such-property' })).toMatchObject({ status: 404, body: { code: 'property_not_found' } });
    expect(await relocate(task.task_id, { property_id: world.tenants[0].propertyId })).toMatchObject({ status: 422, body: { code: 'same_property' } });
    expect(await relocate(task.task_id, {})).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'property_id' }] } });
    expect(await relocate(task.task_id, { property_id: sister, guest_count: 0 })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    const dispute = conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: `AIRBNB:${uniqueName('d')}` as never, reason: 'noise' }, { property_id: world.tenants[0].propertyId });
    await world.sendConflicts([dispute]);
    const other = (await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.first_event_id === dispute.event_id), 'the dispute task')).find((x) => x.first_event_id === dispute.event_id)!;
    expect(await relocate(other.task_id, { property_id: sister })).toMatchObject({ status: 422, body: { code: 'not_an_overbooking' } });
    expect(await world.db('escalation.relocations').where({ task_id: task.task_id })).toEqual([]);
  });
});
