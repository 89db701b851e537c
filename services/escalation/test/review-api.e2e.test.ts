import type { BookingCommand, BookingEvent } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { conflictOf, createBooking } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

let world: EscalationWorld;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  await world.startArbiter();
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

/** A task of the first tenant's property, raised by the record given. */
async function taskOf(record = conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: `AIRBNB:${uniqueName('r')}` as never, reason: 'noise' }, { property_id: world.tenants[0].propertyId })) {
  await world.sendConflicts([record]);
  const tasks = await world.waitForTasks(record.property_id, (t) => t.some((x) => x.first_event_id === record.event_id), 'the task');
  return tasks.find((x) => x.first_event_id === record.event_id)!;
}

test('resolving an overbooking through the API issues the command, closes the task, and the arbiter cancels the stay in the ledger', async () => {
  const propertyId = world.tenants[0].propertyId;
  const [pmsRef, airbnbRef] = [uniqueName('pms'), uniqueName('air')];
  // A direct booking, then an Airbnb guest confirmed on the same nights: the arbiter raises OVERBOOKING (critical, reviewed).
  await world.sendCommands([createBooking(propertyId, 'PMS', pmsRef, '2027-05-10', '2027-05-14')]);
  await waitFor('the direct booking in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: pmsRef, status: 'CONFIRMED' }).first());
  await world.sendCommands([createBooking(propertyId, 'AIRBNB', airbnbRef, '2027-05-12', '2027-05-16')]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.conflict_type === 'OVERBOOKING'), 'the overbooking task', 60_000);
  const task = tasks.find((x) => x.conflict_type === 'OVERBOOKING')!;
  expect(task).toMatchObject({ severity: 'CRITICAL', status: 'open', details: { losingKey: `AIRBNB:${airbnbRef}`, winningKey: `PMS:${pmsRef}` } });

  const listed = await world.api(service, 'GET', `/v1/review-tasks?type=OVERBOOKING&status=open`);
  expect(listed.status).toBe(200);
  expect(listed.body.tasks.map((t: { task_id: string }) => t.task_id)).toContain(task.task_id);

  // The operator relocates the direct guest: the PMS stay is cancelled, the Airbnb guest keeps the nights.
  const request = { action: 'cancel_stay', operator: 'maria@host.example', booking_ref: pmsRef, note: 'relocated to the sister flat' };
  const resolved = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, request);
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'cancel_stay', resolved_by: 'maria@host.example', command_id: `review:${task.task_id}:cancel_stay`, replayed: false });

  const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (r) => r.some((c) => c.value.command_id === resolved.body.command_id));
  expect(commands.find((c) => c.value.command_id === resolved.body.command_id)!.value).toMatchObject({ command: { kind: 'CHANGE_STATUS', status: 'CANCELLED' }, source: 'PMS', booking_source: 'PMS', booking_ref: pmsRef, property_id: propertyId, actor: 'maria@host.example' });

  await waitFor('the direct stay cancelled in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: pmsRef, status: 'CANCELLED' }).first(), { timeoutMs: 30_000 });
  const audit = await world.db('audit_log').where({ command_id: resolved.body.command_id }).first();
  // The ledger's audit log names the operator as the one who resolved it.
  expect(audit).toMatchObject({ source: 'PMS', correlation_id: `review:${task.task_id}`, resolved_by: 'maria@host.example' });
  const history = await world.db('escalation.task_history').where({ task_id: task.task_id, action: 'resolved' }).first();
  expect(history).toMatchObject({ actor: 'maria@host.example', details: { action: 'cancel_stay', command_id: resolved.body.command_id } });

  // The same request again answers the same and issues nothing new; another resolution is refused.
  const again = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, request);
  expect(again).toMatchObject({ status: 200, body: { replayed: true, command_id: resolved.body.command_id } });
  const other = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'dismiss', operator: 'maria@host.example', note: 'x' });
  expect(other).toMatchObject({ status: 409, body: { code: 'task_resolved' } });
  expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id }).count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);

  const metrics = await service.metrics();
  expect(metrics).toMatch(/channel_conflicts_resolved_total\{conflict_type="OVERBOOKING",resolution="cancel_stay"[^}]*\} 1\n/);
  expect(metrics).toMatch(/conflict_resolution_duration_seconds_count\{[^}]*conflict_type="OVERBOOKING"[^}]*\} 1\n/);
  expect(metrics).toMatch(/open_review_tasks\{severity="CRITICAL",conflict_type="OVERBOOKING"[^}]*\} 0\n/);
});

test('acknowledge, then resolve by dismissing with a note: recorded with the operator, no command', async () => {
  const task = await taskOf();
  const ack = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, { operator: 'li' });
  expect(ack).toMatchObject({ status: 200, body: { status: 'acknowledged', acknowledged_by: 'li' } });
  const twice = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, { operator: 'sam' });
  expect(twice).toMatchObject({ status: 409, body: { code: 'already_acknowledged' } });
  const done = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'dismiss', operator: 'li', note: 'guest withdrew the dispute' });
  expect(done).toMatchObject({ status: 200, body: { status: 'resolved', resolution: 'dismiss', command_id: null } });
  const detail = await world.api(service, 'GET', `/v1/review-tasks/${task.task_id}`);
  expect(detail.body.history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual(expect.arrayContaining([['opened', 'system'], ['acknowledged', 'li'], ['resolved', 'li']]));
});

test("repush_availability is recorded without a command; accept_channel_price sends the operator's price; a stay the task does not name is refused (422)", async () => {
  const price = await taskOf(conflictOf({ type: 'PRICE_DISCREPANCY', key: 'BOOKING_COM:bc1' as never, differenceBp: 900 as never, bookingStatus: 'CONFIRMED', newBooking: false }, { property_id: world.tenants[0].propertyId, booking_ref: 'bc1' }));
  const refused = await world.api(service, 'POST', `/v1/review-tasks/${price.task_id}/resolve`, { action: 'accept_channel_price', operator: 'li', booking_ref: 'not-this-one', price: { amount_minor: 51_000, currency: 'EUR' } });
  expect(refused).toMatchObject({ status: 422, body: { code: 'booking_not_in_task', status: 422 } });
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  const accepted = await world.api(service, 'POST', `/v1/review-tasks/${price.task_id}/resolve`, { action: 'accept_channel_price', operator: 'li', booking_ref: 'bc1', price: { amount_minor: 51_000, currency: 'EUR' } });
  expect(accepted).toMatchObject({ status: 200, body: { status: 'resolved', resolution: 'accept_channel_price', command_id: `review:${price.task_id}:accept_channel_price` } });
  const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (r) => r.some((c) => c.value.command_id === accepted.body.command_id));
  expect(commands.find((c) => c.value.command_id === accepted.body.command_id)!.value).toMatchObject({ command: { kind: 'REPORT_PRICE', price: { amount_minor: 51_000, currency: 'EUR' } }, booking_source: 'BOOKING_COM', booking_ref: 'bc1', actor: 'li' });
  const sync = await taskOf(conflictOf({ type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 5 }, { property_id: world.tenants[0].propertyId, booking_ref: null }));
  const repushed = await world.api(service, 'POST', `/v1/review-tasks/${sync.task_id}/resolve`, { action: 'repush_availability', operator: 'li' });
  expect(repushed).toMatchObject({ status: 200, body: { resolution: 'repush_availability', command_id: null } });
});

describe('review API: authentication per tenant and bad input', () => {
  test('401 without a key or with an unknown one', async () => {
    expect(await world.api(service, 'GET', '/v1/review-tasks', undefined, { apiKey: null })).toMatchObject({ status: 401, body: { code: 'missing_api_key' } });
    expect(await world.api(service, 'GET', '/v1/review-tasks', undefined, { apiKey: 'cm_not-a-key' })).toMatchObject({ status: 401, body: { code: 'invalid_api_key' } });
  });

  test("another tenant's task answers 404 and is not listed", async () => {
    const task = await taskOf();
    const other = world.tenants[1];
    expect(await world.api(service, 'GET', `/v1/review-tasks/${task.task_id}`, undefined, { tenant: other })).toMatchObject({ status: 404, body: { code: 'task_not_found' } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, { operator: 'x' }, { tenant: other })).toMatchObject({ status: 404, body: { code: 'task_not_found' } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'dismiss', operator: 'x', note: 'n' }, { tenant: other })).toMatchObject({ status: 404 });
    const listed = await world.api(service, 'GET', '/v1/review-tasks', undefined, { tenant: other });
    expect(listed).toMatchObject({ status: 200, body: { total: 0, tasks: [] } });
    expect(await world.api(service, 'GET', `/v1/review-tasks/${task.task_id}`)).toMatchObject({ status: 200, body: { task_id: task.task_id } });
  });

  test('list filters and paging', async () => {
    await taskOf();
    await taskOf();
    const page = await world.api(service, 'GET', '/v1/review-tasks?type=GUEST_DISPUTE&severity=HIGH&limit=1&offset=1');
    expect(page.status).toBe(200);
    expect(page.body.tasks).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.tasks[0]).toMatchObject({ conflict_type: 'GUEST_DISPUTE', severity: 'HIGH' });
    const none = await world.api(service, 'GET', `/v1/review-tasks?property_id=${world.tenants[1].propertyId}`);
    expect(none.body.total).toBe(0);
  });

  test('400 with codes and field errors for bad input', async () => {
    const task = await taskOf();
    expect(await world.api(service, 'GET', '/v1/review-tasks?severity=SEVERE')).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'severity' }] } });
    expect(await world.api(service, 'GET', '/v1/review-tasks?colour=red')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await world.api(service, 'GET', '/v1/review-tasks/not-a-uuid')).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'id' }] } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'refund', operator: 'li' })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'dismiss', operator: 'li' })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'note' }] } });
    // Every action's body is strict: a typo is a 400 naming the field, not a field silently dropped.
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'relocate', operator: 'li', property_id: 'elsewhere', guests: 3 })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ message: expect.stringContaining('"guests"') }] } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'dismiss', operator: 'li', note: 'n', colour: 'red' })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ message: expect.stringContaining('"colour"') }] } });
    expect(await world.db('escalation.review_tasks').where({ task_id: task.task_id }).first()).toMatchObject({ status: 'open' });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, '{"operator":')).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, 'operator=li', { contentType: 'text/plain' })).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    expect(await world.api(service, 'GET', '/v1/nothing-here')).toMatchObject({ status: 404, body: { code: 'route_not_found' } });
  });

  // Each found by a review, each answered otherwise before: a 503 to retry forever, a 415, a 200 with nothing, a 404.
  test('a note PostgreSQL cannot store is a 400 naming it; a JSON body naming its charset is taken; a query not well-formed UTF-8 is a 400; a task id in upper case is the task', async () => {
    const task = await taskOf();
    const resolve = (body: unknown, contentType?: string) => world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, body, contentType ? { contentType } : {});
    for (const note of ['x\u0000', 'a\u0007bell']) expect(await resolve({ action: 'dismiss', operator: 'li', note })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'note' }] } });
    expect(await resolve({ action: 'cancel_stay', operator: 'li', booking_ref: 'ref\u0000', booking_source: 'AIRBNB' })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'booking_ref' }] } });
    expect(await world.db('escalation.review_tasks').where({ task_id: task.task_id }).first()).toMatchObject({ status: 'open' });

    expect(await world.api(service, 'GET', '/v1/review-tasks?property_id=%ED%A0%80')).toMatchObject({ status: 400, body: { code: 'ill_formed_unicode' } });
    expect(await world.api(service, 'GET', `/v1/review-tasks/${task.task_id.toUpperCase()}`)).toMatchObject({ status: 200, body: { task_id: task.task_id } });
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/acknowledge`, { operator: 'li' }, { contentType: 'application/json; charset=iso-8859-1' })).toMatchObject({ status: 415, body: { code: 'unsupported_charset' } });
    expect(await resolve({ action: 'dismiss', operator: 'li', note: 'line one\n\tline two' }, 'application/json; charset=utf-8')).toMatchObject({ status: 200 });
    expect(await world.db('escalation.review_tasks').where({ task_id: task.task_id }).first()).toMatchObject({ status: 'resolved' });
  });

  test("422 not_possible_on_channel when a resolution would cancel a stay holding nights on Booking.com or Expedia (cancelled in the extranet instead); the task's own losing booking may still be cancelled", async () => {
    const propertyId = world.tenants[0].propertyId;
    const [bdcRef, airRef, expRef] = [uniqueName('bdc'), uniqueName('air'), uniqueName('exp')];
    const losingDates = { checkIn: '2027-07-01' as never, checkOut: '2027-07-04' as never };
    const task = await taskOf(conflictOf({ type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: `AIRBNB:${airRef}` as never, winningKey: `BOOKING_COM:${bdcRef}` as never, losingDates }, { property_id: propertyId, booking_ref: airRef, channel: 'AIRBNB' }));
    const resolve = (body: Record<string, unknown>) => world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { operator: 'li', ...body });
    const kept = await resolve({ action: 'keep_channel_guest' });
    expect(kept).toMatchObject({ status: 422, body: { code: 'not_possible_on_channel', detail: expect.stringContaining("cancel it in BOOKING_COM's extranet; the cancellation reaches the ledger from there") } });
    expect(await resolve({ action: 'cancel_stay', booking_ref: bdcRef })).toMatchObject({ status: 422, body: { code: 'not_possible_on_channel' } });
    expect(await resolve({ action: 'cancel_stay', booking_ref: expRef, booking_source: 'EXPEDIA' })).toMatchObject({ status: 422, body: { code: 'not_possible_on_channel' } });
    expect(await world.db('escalation.review_tasks').where({ task_id: task.task_id }).first()).toMatchObject({ status: 'open' });
    expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id })).toEqual([]);

    const lost = await taskOf(conflictOf({ type: 'OVERBOOKING', channel: 'BOOKING_COM', losingKey: `BOOKING_COM:${bdcRef}-lost` as never, winningKey: `PMS:${uniqueName('pms')}` as never, losingDates }, { property_id: propertyId, booking_ref: `${bdcRef}-lost`, channel: 'BOOKING_COM' }));
    expect(await world.api(service, 'POST', `/v1/review-tasks/${lost.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: `${bdcRef}-lost` })).toMatchObject({ status: 200, body: { status: 'resolved', resolution: 'cancel_stay' } });
  });

  test('422 when the stay to cancel is not one the task names', async () => {
    const task = await taskOf();
    expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: 'someone-else' })).toMatchObject({ status: 422, body: { code: 'booking_not_in_task' } });
    expect(await world.db('escalation.review_tasks').where({ task_id: task.task_id }).first()).toMatchObject({ status: 'open' });
  });
});

test('keep the channel guest (issue 18): one decision cancels the direct stay and reinstates the channel booking; a third channel booking of those nights is then refused', async () => {
  const propertyId = world.tenants[0].propertyId;
  const [pmsRef, bdcRef, vrboRef] = [uniqueName('pms'), uniqueName('bdc'), uniqueName('vrbo')];
  await world.sendCommands([createBooking(propertyId, 'PMS', pmsRef, '2027-06-10', '2027-06-14')]);
  await waitFor('the direct booking in the ledger', () => world.db('stays').where({ property_id: propertyId, ref: pmsRef, status: 'CONFIRMED' }).first());
  await world.sendCommands([createBooking(propertyId, 'BOOKING_COM', bdcRef, '2027-06-12', '2027-06-16')]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.conflict_type === 'OVERBOOKING' && x.details.losingKey === `BOOKING_COM:${bdcRef}`), 'the overbooking task', 60_000);
  const task = tasks.find((x) => x.details.losingKey === `BOOKING_COM:${bdcRef}`)!;

  const resolved = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'keep_channel_guest', operator: 'maria@host.example' });
  expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved', resolution: 'keep_channel_guest' } });
  await waitFor('the channel guest reinstated', () => world.db('stays').where({ property_id: propertyId, ref: bdcRef, status: 'CONFIRMED' }).first(), { timeoutMs: 30_000 });
  expect(await world.db('stays').where({ property_id: propertyId, ref: pmsRef }).first('status')).toEqual({ status: 'CANCELLED' });
  // Both stays' trails tell it, each under its own id; booking.events carries the cancellation too.
  const trail = await world.db('audit_log').where({ command_id: resolved.body.command_id, action: 'booking_status_changed' }).orderBy('id').select('entity_id', 'resolved_by');
  expect(trail).toEqual([
    { entity_id: `BOOKING_COM:${bdcRef}`, resolved_by: 'maria@host.example' },
    { entity_id: `PMS:${pmsRef}`, resolved_by: 'maria@host.example' },
  ]);
  const events = await world.read<BookingEvent>(world.topics.bookingEvents, (r) => r.filter((e) => e.value.command_id === resolved.body.command_id).length >= 2);
  expect(events.filter((e) => e.value.command_id === resolved.body.command_id).map((e) => [e.value.booking_ref, e.value.status])).toEqual([
    [bdcRef, 'CONFIRMED'],
    [pmsRef, 'CANCELLED'],
  ]);

  // The reproduction: before, the nights opened and a third channel's guest got them.
  await world.sendCommands([createBooking(propertyId, 'VRBO', vrboRef, '2027-06-13', '2027-06-15')]);
  await waitFor('the Vrbo booking decided', () => world.db('stays').where({ property_id: propertyId, ref: vrboRef }).first(), { timeoutMs: 30_000 });
  expect(await world.db('stays').where({ property_id: propertyId, ref: vrboRef }).first('status')).toEqual({ status: 'REJECTED' });
});
