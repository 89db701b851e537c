import type { StayKey } from '@cm/domain';
import { waitFor } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { bookingEvent, conflictOf, syncResult } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

let world: EscalationWorld;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

const gauge = async (name: string, channel: string) => Number(new RegExp(`^${name}\\{channel="${channel}"[^}]*\\} (\\S+)$`, 'm').exec(await service.metrics())?.[1]);
const confirmed = (channel: string) => gauge('losing_reservations_still_confirmed', channel);

/** An overbooking whose losing channel booking is `channel:ref`, as the arbiter raises it, and its task. */
async function overbooking(channel: 'AIRBNB' | 'VRBO' | 'BOOKING_COM', ref: string) {
  const propertyId = world.tenants[0].propertyId;
  const record = conflictOf(
    { type: 'OVERBOOKING', channel, losingKey: `${channel}:${ref}` as StayKey, winningKey: `PMS:${uniqueName('pms')}` as StayKey, losingDates: { checkIn: '2027-08-01' as never, checkOut: '2027-08-04' as never } },
    { property_id: propertyId, booking_ref: ref, channel },
  );
  await world.sendConflicts([record]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.first_event_id === record.event_id), 'the overbooking task');
  return tasks.find((x) => x.first_event_id === record.event_id)!;
}
const hostCancel = (channel: 'AIRBNB' | 'VRBO', ref: string, outcome: 'ACKNOWLEDGED' | 'FAILED') =>
  syncResult(outcome, { property_id: world.tenants[0].propertyId, channel, reservation_action: 'HOST_CANCEL', booking_ref: ref, attempts: 1 });

test('a losing reservation still confirmed on its channel: counted per channel from its open task until its host cancellation is reported ACKNOWLEDGED, with the oldest age', async () => {
  const ref = uniqueName('air');
  expect(await confirmed('AIRBNB')).toBe(0);
  expect(await gauge('losing_reservation_oldest_age_seconds', 'AIRBNB')).toBe(0);
  const task = await overbooking('AIRBNB', ref);
  expect(await confirmed('AIRBNB')).toBe(1);
  expect(await confirmed('VRBO')).toBe(0);

  // An hour old (as if opened an hour ago): past the 15-minute SLA that LosingReservationConfirmedPastSla pages on.
  await world.db('escalation.review_tasks').where({ task_id: task.task_id }).update({ opened_at_ms: Date.now() - 3_600_000 });
  expect(await gauge('losing_reservation_oldest_age_seconds', 'AIRBNB')).toBeGreaterThanOrEqual(3_600);

  // Resolved by cancelling the loser: still confirmed on Airbnb until the channel takes the host cancellation.
  const resolved = await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: ref });
  expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved' } });
  expect(await confirmed('AIRBNB')).toBe(1);
  // A failed attempt changes nothing; another reservation's cancellation neither.
  const others = [hostCancel('AIRBNB', ref, 'FAILED'), hostCancel('AIRBNB', uniqueName('other'), 'ACKNOWLEDGED'), hostCancel('VRBO', ref, 'ACKNOWLEDGED')];
  await world.sendSyncResults(others);
  await waitFor('the three results handled', async () => (await world.db('escalation.processed_records').whereIn('event_id', others.map((r) => r.event_id))).length === 3);
  const barrier = await overbooking('VRBO', uniqueName('vrbo'));
  expect(await confirmed('AIRBNB')).toBe(1);
  expect(await confirmed('VRBO')).toBe(1);

  await world.sendSyncResults([hostCancel('AIRBNB', ref, 'ACKNOWLEDGED')]);
  await waitFor('the host cancellation counted as landed', async () => (await confirmed('AIRBNB')) === 0);
  expect(await gauge('losing_reservation_oldest_age_seconds', 'AIRBNB')).toBe(0);
  await world.api(service, 'POST', `/v1/review-tasks/${barrier.task_id}/resolve`, { action: 'dismiss', operator: 'li', note: 'cancelled by phone with the guest' });
});

test('a host cancellation the channel cannot make (Booking.com): still counted, until a person resolves its own SYNC_FAILED task (say, cancelled by hand on the extranet)', async () => {
  const ref = uniqueName('bdc');
  const task = await overbooking('BOOKING_COM', ref);
  expect(await world.api(service, 'POST', `/v1/review-tasks/${task.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: ref })).toMatchObject({ status: 200 });
  const failed = conflictOf(
    { type: 'SYNC_FAILED', channel: 'BOOKING_COM', consecutiveFailures: 1, reservationAction: 'HOST_CANCEL' },
    { property_id: world.tenants[0].propertyId, booking_ref: ref },
  );
  await world.sendConflicts([failed]);
  const syncTask = (await world.waitForTasks(world.tenants[0].propertyId, (t) => t.some((x) => x.first_event_id === failed.event_id), 'the SYNC_FAILED task')).find((x) => x.first_event_id === failed.event_id)!;
  expect(await confirmed('BOOKING_COM')).toBe(1);
  expect(await world.api(service, 'POST', `/v1/review-tasks/${syncTask.task_id}/resolve`, { action: 'dismiss', operator: 'li', note: 'cancelled by hand on the extranet' })).toMatchObject({ status: 200 });
  expect(await confirmed('BOOKING_COM')).toBe(0);
});

test('a losing reservation the operator keeps (keep_channel_guest), or whose task a person dismissed, is no longer counted', async () => {
  const [kept, dismissed] = [await overbooking('VRBO', uniqueName('kept')), await overbooking('VRBO', uniqueName('dismissed'))];
  expect(await confirmed('VRBO')).toBe(2);
  expect(await world.api(service, 'POST', `/v1/review-tasks/${kept.task_id}/resolve`, { action: 'keep_channel_guest', operator: 'li' })).toMatchObject({ status: 200 });
  expect(await world.api(service, 'POST', `/v1/review-tasks/${dismissed.task_id}/resolve`, { action: 'dismiss', operator: 'li', note: 'cancelled by hand on the extranet' })).toMatchObject({ status: 200 });
  expect(await confirmed('VRBO')).toBe(0);
});

test('a losing reservation gone from its channel without a host cancellation of ours is no longer counted: its guest cancelled there before anyone resolved, or the resolution found it cancelled already (booking.events); a redelivery changes nothing, and a restart keeps it', async () => {
  const propertyId = world.tenants[0].propertyId;
  const [early, late, pmsOnly] = [uniqueName('early'), uniqueName('late'), uniqueName('pms-only')];
  const [earlyTask, lateTask, pmsTask] = [await overbooking('AIRBNB', early), await overbooking('AIRBNB', late), await overbooking('AIRBNB', pmsOnly)];
  expect(await confirmed('AIRBNB')).toBe(3);

  // The guest cancels on Airbnb while the task is still open: the channel's own cancellation.
  const cancelledThere = bookingEvent({ property_id: propertyId, booking_ref: early, booking_source: 'AIRBNB' });
  await world.sendBookingEvents([cancelledThere, cancelledThere]);
  await waitFor('the channel cancellation counted', async () => (await confirmed('AIRBNB')) === 2);
  // The operator then resolves with cancel_stay: the ledger changes nothing, no HOST_CANCEL: still not counted.
  expect(await world.api(service, 'POST', `/v1/review-tasks/${earlyTask.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: early })).toMatchObject({ status: 200 });
  expect(await confirmed('AIRBNB')).toBe(2);

  // Resolved first; the ledger ignores the resolution's cancellation (the stay was cancelled already: no_change).
  const resolvedLate = await world.api(service, 'POST', `/v1/review-tasks/${lateTask.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: late });
  expect(await world.api(service, 'POST', `/v1/review-tasks/${pmsTask.task_id}/resolve`, { action: 'cancel_stay', operator: 'li', booking_ref: pmsOnly })).toMatchObject({ status: 200 });
  expect(await confirmed('AIRBNB')).toBe(2);
  // The PMS's own cancellation of a loser is the host cancellation's decision: still counted until it lands.
  const pmsCancelled = bookingEvent({ property_id: propertyId, booking_ref: pmsOnly, booking_source: 'AIRBNB', source: 'PMS', command_id: `review:${pmsTask.task_id}:cancel_stay` });
  const ignored = bookingEvent({ property_id: propertyId, booking_ref: late, booking_source: 'AIRBNB', source: 'PMS', command_id: resolvedLate.body.command_id, event_type: 'COMMAND_IGNORED', reason: 'no_change' });
  await world.sendBookingEvents([pmsCancelled, ignored]);
  await waitFor('the ignored resolution counted', async () => (await confirmed('AIRBNB')) === 1);
  expect(await world.db('escalation.channel_cancellations').whereIn('booking_ref', [early, late, pmsOnly]).orderBy('how').select('booking_ref', 'how')).toEqual([
    { booking_ref: late, how: 'already_cancelled' },
    { booking_ref: early, how: 'cancelled_on_channel' },
  ]);

  // Restart-safe: read from the database, and the group resumes where it committed.
  expect(await service.stop()).toBe(0);
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
  expect(await confirmed('AIRBNB')).toBe(1);
  await world.sendSyncResults([hostCancel('AIRBNB', pmsOnly, 'ACKNOWLEDGED')]);
  await waitFor('the last one landed', async () => (await confirmed('AIRBNB')) === 0);
});
