import { waitFor } from '@cm/service-runtime';
import { conflictOf, syncResult } from './records';
import { escalationWorld, type EscalationWorld } from './world';

const MINUTE_MS = 10; // a HIGH task's 4-hour SLA passes in 2.4 s

let world: EscalationWorld;
beforeAll(async () => {
  world = await escalationWorld();
});
afterAll(async () => world?.close());

const gauge = (text: string, severity: string, type: string) => Number(new RegExp(`open_review_tasks\\{severity="${severity}",conflict_type="${type}"[^}]*\\} (\\d+)`).exec(text)?.[1]);

test('a passed SLA escalates across a restart: the timer lives in the database, and the open_review_tasks gauge is right after the restart', async () => {
  const env = { SLA_MINUTE_MS: String(MINUTE_MS) };
  const first = await world.startEscalation(env);
  const propertyId = world.tenants[0].propertyId;
  await world.sendConflicts([conflictOf({ type: 'GUEST_DISPUTE', channel: 'VRBO', key: 'VRBO:v9' as never, reason: 'broken window' }, { property_id: propertyId })]);
  const [task] = await world.waitForTasks(propertyId, (t) => t.length === 1, 'the task');
  expect(gauge(await first.metrics(), 'HIGH', 'GUEST_DISPUTE')).toBe(1);

  // Two failures of a streak before the restart, two after: the streak is in the database too.
  await world.sendSyncResults([syncResult('FAILED', { property_id: propertyId, channel: 'AIRBNB' }), syncResult('FAILED', { property_id: propertyId, channel: 'AIRBNB' })]);
  await waitFor('the streak at 2', () => world.db('escalation.sync_streaks').where({ property_id: propertyId, channel: 'AIRBNB', consecutive_failures: 2 }).first());

  expect(await first.stop()).toBe(0);
  expect(task!.level).toBe(0);
  await waitFor('the SLA passed while the service was down', () => Date.now() > task!.due_at_ms + 200, { timeoutMs: 30_000 });
  expect(await world.db('escalation.review_tasks').where({ task_id: task!.task_id }).first()).toMatchObject({ level: 0, status: 'open' });

  const second = await world.startEscalation(env);
  expect(gauge(await second.metrics(), 'HIGH', 'GUEST_DISPUTE')).toBe(1);
  const [escalated] = await world.waitForTasks(propertyId, (t) => t[0]?.level === 1, 'escalated after the restart', 30_000);
  expect(escalated!.task_id).toBe(task!.task_id);

  await world.sendSyncResults([syncResult('FAILED', { property_id: propertyId, channel: 'AIRBNB' }), syncResult('FAILED', { property_id: propertyId, channel: 'AIRBNB' })]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.conflict_type === 'SYNC_FAILED'), 'the sync task after 2 + 2 failures');
  expect(tasks.find((x) => x.conflict_type === 'SYNC_FAILED')!.details).toMatchObject({ consecutiveFailures: '4' });
});
