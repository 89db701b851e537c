import type { BookingCommand, ReservationAction } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { createBooking } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

let world: EscalationWorld;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  await world.startArbiter();
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

/** A direct booking, then a channel's instant booking of overlapping nights: the arbiter rejects the channel's and raises OVERBOOKING. */
async function overbook(propertyId: string, channel: BookingCommand['source'], month: string) {
  const [pmsRef, channelRef] = [uniqueName('pms'), uniqueName(channel.toLowerCase())];
  await world.sendCommands([createBooking(propertyId, 'PMS', pmsRef, `2027-${month}-10`, `2027-${month}-14`)]);
  await waitFor('the direct booking in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: pmsRef, status: 'CONFIRMED' }).first());
  await world.sendCommands([createBooking(propertyId, channel, channelRef, `2027-${month}-12`, `2027-${month}-16`)]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.details.losingKey === `${channel}:${channelRef}`), 'the overbooking task', 60_000);
  return { pmsRef, channelRef, task: tasks.find((x) => x.details.losingKey === `${channel}:${channelRef}`)! };
}

const history = async (taskId: string, tenant = world.tenants[0]) => (await world.api(service, 'GET', `/v1/review-tasks/${taskId}`, undefined, { tenant })).body.history as { actor: string; action: string; details: Record<string, unknown> }[];

test('tenant settings: auto_cancel_instant_book_losers is off by default, set by the tenant with its API key, strict body, per tenant', async () => {
  expect(await world.api(service, 'GET', '/v1/settings')).toMatchObject({ status: 200, body: { auto_cancel_instant_book_losers: false, updated_by: null, updated_at: null } });
  expect(await world.api(service, 'GET', '/v1/settings', undefined, { apiKey: null })).toMatchObject({ status: 401, body: { code: 'missing_api_key' } });
  expect(await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: 'yes' })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'auto_cancel_instant_book_losers' }] } });
  expect(await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: true, colour: 'red' })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  expect(await world.api(service, 'PUT', '/v1/settings', {})).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'auto_cancel_instant_book_losers' }] } });
  expect(await world.api(service, 'PUT', '/v1/settings', '{"auto_cancel_instant_book_losers":')).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
  expect(await world.api(service, 'GET', '/v1/settings')).toMatchObject({ body: { auto_cancel_instant_book_losers: false } });

  const put = await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: true, operator: 'maria@host.example' });
  expect(put).toMatchObject({ status: 200, body: { auto_cancel_instant_book_losers: true, updated_by: 'maria@host.example', updated_at: expect.any(String) } });
  expect(await world.api(service, 'GET', '/v1/settings')).toMatchObject({ status: 200, body: { auto_cancel_instant_book_losers: true } });
  expect(await world.api(service, 'GET', '/v1/settings', undefined, { tenant: world.tenants[1] })).toMatchObject({ status: 200, body: { auto_cancel_instant_book_losers: false } });
});

describe('the losing booking of an overbooking, confirmed (instant book), with the tenant setting auto_cancel_instant_book_losers on', () => {
  beforeAll(async () => {
    expect(await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: true })).toMatchObject({ status: 200 });
  });

  test('cancelled on its channel without review: the task is opened and resolved by system:auto-cancel with cancel_stay of the loser, the arbiter cancels it and asks its channel for a host cancellation', async () => {
    const propertyId = world.tenants[0].propertyId;
    const { channelRef, pmsRef, task } = await overbook(propertyId, 'AIRBNB', '03');
    const resolved = (await world.waitForTasks(propertyId, (t) => t.some((x) => x.task_id === task.task_id && x.status === 'resolved'), 'the task resolved by the system')).find((x) => x.task_id === task.task_id)!;
    expect(resolved).toMatchObject({ conflict_type: 'OVERBOOKING', status: 'resolved', resolution: 'cancel_stay', resolved_by: 'system:auto-cancel', command_id: `review:${task.task_id}:cancel_stay` });
    expect((await history(task.task_id)).map((h) => [h.action, h.actor])).toEqual([
      ['opened', 'system'],
      ['resolved', 'system:auto-cancel'],
    ]);
    // Nobody is paged for a task the system resolved before anyone was told.
    expect(await world.db('escalation.notifications').where({ task_id: task.task_id })).toEqual([]);

    const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (r) => r.some((c) => c.value.command_id === resolved.command_id));
    expect(commands.find((c) => c.value.command_id === resolved.command_id)!.value).toMatchObject({ command: { kind: 'CHANGE_STATUS', status: 'CANCELLED' }, source: 'PMS', booking_source: 'AIRBNB', booking_ref: channelRef, actor: 'system:auto-cancel' });
    await waitFor('the losing booking cancelled in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: channelRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
    expect(await world.db('stays').where({ property_id: propertyId, ref: pmsRef }).first('status')).toEqual({ status: 'CONFIRMED' });
    const actions = await world.read<ReservationAction>(world.topics.reservationActions, (r) => r.some((a) => a.value.command_id === resolved.command_id));
    const hostCancel = actions.map((a) => a.value).find((a) => a.command_id === resolved.command_id)!;
    expect(hostCancel).toMatchObject({ channel: 'AIRBNB', booking_ref: channelRef, action: { kind: 'HOST_CANCEL' } });
    expect(await service.metrics()).toMatch(/escalation_auto_cancels_total\{channel="AIRBNB",outcome="cancelled"[^}]*\} 1\n/);
  });

  test('a channel that cannot cancel as the host through its API (Booking.com): the task stays open for a person, and its summary and history say why', async () => {
    const propertyId = world.tenants[0].propertyId;
    const { channelRef, task } = await overbook(propertyId, 'BOOKING_COM', '04');
    expect(task).toMatchObject({ status: 'open', summary: expect.stringContaining('not cancelled automatically: BOOKING_COM offers no host cancellation through its API') });
    await waitFor('the note in its history', async () => (await history(task.task_id)).some((h) => h.action === 'auto_cancel_not_possible'));
    expect((await history(task.task_id)).find((h) => h.action === 'auto_cancel_not_possible')).toMatchObject({ actor: 'system:auto-cancel', details: { channel: 'BOOKING_COM', reason: 'channel_cannot_host_cancel' } });
    expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id })).toEqual([]);
    expect(await world.db('stays').where({ property_id: propertyId, ref: channelRef }).first('status')).toEqual({ status: 'REJECTED' });
  });

  test("another tenant's setting is its own: its overbooking waits for review", async () => {
    const propertyId = world.tenants[1].propertyId;
    const { task } = await overbook(propertyId, 'AIRBNB', '05');
    expect(task).toMatchObject({ status: 'open', severity: 'CRITICAL', resolved_by: null });
    expect((await history(task.task_id, world.tenants[1])).map((h) => h.action)).not.toContain('auto_cancel_not_possible');
  });
});
