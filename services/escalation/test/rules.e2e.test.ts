import type { ConflictFacts } from '@cm/domain';
import { waitFor } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { conflictOf, syncResult } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

let world: EscalationWorld;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

const k = (s: unknown) => s as never;
const newProperty = () => uniqueName('prop');
const dispute = (propertyId: string, ref = 'a1') => conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k(`AIRBNB:${ref}`), reason: 'the guest says the heating was off' }, { property_id: propertyId, booking_ref: ref });

describe('each 5.2 rule opens its review task', () => {
  test.each([
    ['5.2.1 price difference > 5% on a confirmed booking', { type: 'PRICE_DISCREPANCY', key: k('BOOKING_COM:c1'), differenceBp: k(812), bookingStatus: 'CONFIRMED', newBooking: false }, 'HIGH', 24 * 60],
    ['5.2.2 date modification by the channel, requested dates unavailable', { type: 'DATE_MODIFICATION', key: k('VRBO:v1'), requested: k({ checkIn: '2027-01-02', checkOut: '2027-01-05' }), requestedBy: 'channel', heldBy: [k('PMS:p1')] }, 'HIGH', 4 * 60],
    ['5.2.3 more than 3 consecutive sync failures (the SYNC_FAILED conflict)', { type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 6 }, 'HIGH', 4 * 60],
    ['5.2.4 availability drift > 10 nights in the window', { type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', driftNights: 14, openWhileBooked: 0, windowDays: 90 }, 'HIGH', 24 * 60],
    ['5.2.5 guest dispute flag from a channel', { type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k('AIRBNB:a1'), reason: 'not as described' }, 'HIGH', 24 * 60],
  ] as [string, ConflictFacts, string, number][])('%s', async (_rule, facts, severity, slaMinutes) => {
    const propertyId = newProperty();
    const record = conflictOf(facts, { property_id: propertyId });
    await world.sendConflicts([record]);
    const [task] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the task');
    expect(task).toMatchObject({ conflict_type: facts.type, severity, sla_minutes: slaMinutes, status: 'open', level: 0, occurrences: 1, first_event_id: record.event_id });
    expect(task!.due_at_ms - task!.opened_at_ms).toBe(slaMinutes * 60_000);
    const history = await world.db('escalation.task_history').where({ task_id: task!.task_id }).orderBy('history_id').pluck('action');
    expect(history[0]).toBe('opened');
    // The log notifier tells the on-call level.
    const notified = await waitFor('the opening notification delivered', () => world.db('escalation.notifications').where({ task_id: task!.task_id }).whereNotNull('delivered_at_ms').first());
    expect(notified).toMatchObject({ reason: 'opened', level: 0 });
  });

  test('5.2.3 from sync.results.v2: the fourth consecutive FAILED push to a channel opens the task', async () => {
    const propertyId = newProperty();
    const failures = [1, 2, 3, 4].map(() => syncResult('FAILED', { property_id: propertyId, channel: 'BOOKING_COM' }));
    await world.sendSyncResults(failures.slice(0, 3));
    await world.sendSyncResults([syncResult('ACKNOWLEDGED', { property_id: propertyId, channel: 'AIRBNB' })]); // another channel's success does not end this streak
    await world.sendSyncResults(failures.slice(3));
    const [task] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the sync task');
    expect(task).toMatchObject({ conflict_type: 'SYNC_FAILED', channel: 'BOOKING_COM', severity: 'HIGH', first_event_id: failures[3]!.event_id, conflict_key: `SYNC_FAILED|${propertyId}|BOOKING_COM` });
    expect(task!.details).toMatchObject({ consecutiveFailures: '4' });
  });

  test('5.2.3: an acknowledged push ends the streak (3 failures, a success, 3 failures open nothing; the next failure does)', async () => {
    const propertyId = newProperty();
    const r = (outcome: 'FAILED' | 'ACKNOWLEDGED') => syncResult(outcome, { property_id: propertyId, channel: 'VRBO' });
    await world.sendSyncResults([r('FAILED'), r('FAILED'), r('FAILED'), r('ACKNOWLEDGED'), r('FAILED'), r('FAILED'), r('FAILED')]);
    const fourth = r('FAILED');
    await world.sendSyncResults([fourth]);
    const [task] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the sync task');
    expect(task!.first_event_id).toBe(fourth.event_id);
  });
});

describe('one task per conflict key', () => {
  test('one outage, one task per property and channel: the failed sync.results.v2 streak and the SYNC_FAILED conflict count on the same task', async () => {
    const propertyId = newProperty();
    await world.sendSyncResults([1, 2, 3, 4, 5].map(() => syncResult('FAILED', { property_id: propertyId, channel: 'EXPEDIA' })));
    await world.sendConflicts([conflictOf({ type: 'SYNC_FAILED', channel: 'EXPEDIA', consecutiveFailures: 6 }, { property_id: propertyId, booking_ref: null })]);
    const tasks = await world.waitForTasks(propertyId, (t) => t[0]?.occurrences === 2, 'the repeat counted');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ conflict_type: 'SYNC_FAILED', channel: 'EXPEDIA' });
  });

  test('SYNC_FAILED of a reservation action gets its own task per reservation: two failed host cancellations on one channel are two tasks, apart from the push outage task; a repeat for one reservation counts on its task', async () => {
    const propertyId = newProperty();
    const failed = (ref: string | null) =>
      conflictOf(
        { type: 'SYNC_FAILED', channel: 'AIRBNB', consecutiveFailures: 5, ...(ref ? { reservationAction: 'HOST_CANCEL' } : {}) },
        { property_id: propertyId, booking_ref: ref },
      );
    await world.sendConflicts([failed('HM-1'), failed('HM-2'), failed(null), failed('HM-1')]);
    const tasks = await world.waitForTasks(propertyId, (t) => t.length === 3 && t.some((x) => x.occurrences === 2), 'three tasks, one repeated');
    expect(tasks.map((t) => [t.conflict_key, t.booking_ref, t.severity, t.occurrences]).sort()).toEqual([
      [`SYNC_FAILED|${propertyId}|AIRBNB`, null, 'HIGH', 1],
      [`SYNC_FAILED|${propertyId}|AIRBNB|HM-1`, 'HM-1', 'CRITICAL', 2],
      [`SYNC_FAILED|${propertyId}|AIRBNB|HM-2`, 'HM-2', 'CRITICAL', 1],
    ]);
  });

  test("a reservation action's SYNC_FAILED task is resolved by the system once a later try lands; another reservation's task and the push task stay open", async () => {
    const propertyId = newProperty();
    const failed = (ref: string | null) =>
      conflictOf({ type: 'SYNC_FAILED', channel: 'BOOKING_COM', consecutiveFailures: 4, ...(ref ? { reservationAction: 'ACKNOWLEDGE' } : {}) }, { property_id: propertyId, booking_ref: ref });
    await world.sendConflicts([failed('B-1'), failed('B-2'), failed(null)]);
    await world.waitForTasks(propertyId, (t) => t.length === 3, 'three tasks');
    await world.sendSyncResults([syncResult('ACKNOWLEDGED', { property_id: propertyId, channel: 'BOOKING_COM', reservation_action: 'ACKNOWLEDGE', booking_ref: 'B-1' })]);
    const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.status === 'resolved'), 'the landed action’s task to be resolved');
    expect(tasks.map((t) => [t.conflict_key, t.status, t.resolved_by]).sort()).toEqual([
      [`SYNC_FAILED|${propertyId}|BOOKING_COM`, 'open', null],
      [`SYNC_FAILED|${propertyId}|BOOKING_COM|B-1`, 'resolved', 'system:action-landed'],
      [`SYNC_FAILED|${propertyId}|BOOKING_COM|B-2`, 'open', null],
    ]);
  });

  test('duplicates open one task with a count; a redelivered record (same event id) is not counted twice', async () => {
    const propertyId = newProperty();
    const first = dispute(propertyId);
    await world.sendConflicts([first, first, dispute(propertyId), dispute(propertyId)]);
    const tasks = await world.waitForTasks(propertyId, (t) => t[0]?.occurrences === 3, 'three occurrences');
    // A different stay of the same property is a different task: the barrier that everything before it was handled.
    await world.sendConflicts([dispute(propertyId, 'other')]);
    const after = await world.waitForTasks(propertyId, (t) => t.length === 2, 'the other stay');
    expect(tasks).toHaveLength(1);
    expect(after.find((t) => t.task_id === tasks[0]!.task_id)!.occurrences).toBe(3);
    const repeats = await world.db('escalation.task_history').where({ task_id: tasks[0]!.task_id, action: 'repeated' }).count<{ count: string }[]>('* as count');
    expect(Number(repeats[0]!.count)).toBe(2);
  });

  test('a worse repeat raises the severity and brings the due time forward', async () => {
    const propertyId = newProperty();
    const drift = (openWhileBooked: number) => conflictOf({ type: 'AVAILABILITY_DRIFT', channel: 'AIRBNB', driftNights: 12, openWhileBooked, windowDays: 90 }, { property_id: propertyId });
    await world.sendConflicts([drift(0)]);
    const [high] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the HIGH task');
    await world.sendConflicts([drift(3)]);
    const [critical] = await world.waitForTasks(propertyId, (t) => t[0]?.occurrences === 2, 'the repeat');
    expect(high).toMatchObject({ severity: 'HIGH', sla_minutes: 24 * 60 });
    expect(critical).toMatchObject({ severity: 'CRITICAL', sla_minutes: 60, task_id: high!.task_id });
    expect(critical!.due_at_ms).toBeLessThan(high!.due_at_ms);
  });
});

test('a conflict that needs no review opens no task and is counted', async () => {
  const propertyId = newProperty();
  const before = await service.metrics();
  await world.sendConflicts([
    conflictOf({ type: 'PRICE_DISCREPANCY', key: k('AIRBNB:n1'), differenceBp: k(300), bookingStatus: 'CONFIRMED', newBooking: true }, { property_id: propertyId }),
    conflictOf({ type: 'AVAILABILITY_DRIFT', channel: 'VRBO', driftNights: 10, openWhileBooked: 0, windowDays: 90 }, { property_id: propertyId }),
  ]);
  // Same property, same partition: once this one has its task, the two before it were handled.
  await world.sendConflicts([dispute(propertyId)]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.length >= 1, 'the barrier task');
  expect(tasks.map((t) => t.conflict_type)).toEqual(['GUEST_DISPUTE']);
  const counted = (text: string) => Number(/escalation_records_total\{topic="conflicts",outcome="counted"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  expect(counted(await service.metrics()) - counted(before)).toBe(2);
});

test("a record whose facts do not hold is judged by its producer's verdict", async () => {
  const propertyId = newProperty();
  await world.sendConflicts([{ ...dispute(propertyId), facts: { kind: 'GUEST_DISPUTE', channel: 'VRBO', key: 'no stay key here', reason: 'x' }, severity: 'CRITICAL', requires_review: true, sla_minutes: 30 }]);
  const [task] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the task');
  expect(task).toMatchObject({ severity: 'CRITICAL', sla_minutes: 30 });
});
