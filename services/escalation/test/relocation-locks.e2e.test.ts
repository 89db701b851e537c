import type { StayKey } from '@cm/domain';
import { waitFor } from '@cm/service-runtime';
import { addProperty } from '@cm/ingest';
import { uniqueName } from '@cm/test-harness';
import { RelocationStore } from '../src/store/relocation-store';
import { TaskStore, type TaskRow } from '../src/store/task-store';
import { bookingEvent, conflictOf } from './records';
import { escalationWorld, type EscalationWorld } from './world';

/**
 * The two paths that lock a task and its relocations, on the real PostgreSQL: an operator's
 * resolve (the task, then its relocations) and the ledger's decision of a relocation booking. Both
 * lock the task first, so they queue instead of deadlocking.
 */
let world: EscalationWorld;
beforeAll(async () => {
  world = await escalationWorld();
});
afterAll(async () => world?.close());

test("the ledger's decision of a relocation locks the task before the relocation, as the resolve path does: while a resolve holds the task, the decision waits without holding the relocation, then applies once", async () => {
  const [tenant] = world.tenants;
  const sister = `${tenant.tenantId}-sister`;
  await addProperty(world.db, { propertyId: sister, tenantId: tenant.tenantId, timeZone: 'Europe/Paris', currency: 'EUR' });
  const tasks = new TaskStore(world.db, { minuteMs: 60_000, now: Date.now }, world.issuedCommands);
  const relocations = new RelocationStore(world.db, tasks, Date.now);
  const ref = uniqueName('air');
  const conflict = conflictOf(
    { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: `AIRBNB:${ref}` as StayKey, winningKey: `PMS:${uniqueName('pms')}` as StayKey, losingDates: { checkIn: '2027-08-01' as never, checkOut: '2027-08-04' as never } },
    { property_id: tenant.propertyId, booking_ref: ref, channel: 'AIRBNB' },
  );
  await tasks.processConflict(conflict);
  const task: TaskRow = await world.db('escalation.review_tasks').where({ first_event_id: conflict.event_id }).first();
  const asked = await world.db.transaction(async (trx) => relocations.request(trx, tenant.tenantId, task, { action: 'relocate', operator: 'li', property_id: sister }));
  if (asked.refused) throw new Error(asked.detail);
  const commandId = asked.commandId!;

  // An operator's resolve holds the task, as ReviewStore.resolve does.
  const resolve = await world.db.transaction();
  await resolve('escalation.review_tasks').where({ task_id: task.task_id }).forUpdate();
  const decision = relocations.decided(bookingEvent({ property_id: sister, booking_ref: `relocation-${task.task_id}`, booking_source: 'PMS', command_id: commandId, event_type: 'BOOKING_ACCEPTED', status: 'CONFIRMED' }));
  await waitFor('the decision waiting on a lock', async () => {
    const { rows } = await world.db.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`);
    return rows.length > 0;
  });
  // The resolve path goes on to the task's relocations: free, since the decision waits for the task first.
  await resolve.raw('SELECT 1 FROM escalation.relocations WHERE task_id = ? FOR UPDATE NOWAIT', [task.task_id]);
  await resolve.commit();
  expect(await decision).toMatchObject({ kind: 'accepted' });
  expect(await world.db('escalation.relocations').where({ command_id: commandId }).first('status')).toEqual({ status: 'accepted' });
  // The same decision again changes nothing.
  expect(await relocations.decided(bookingEvent({ property_id: sister, booking_ref: `relocation-${task.task_id}`, booking_source: 'PMS', command_id: commandId, event_type: 'BOOKING_ACCEPTED', status: 'CONFIRMED' }))).toEqual({ kind: 'ignored' });
  expect(await world.db('escalation.task_history').where({ task_id: task.task_id, action: 'relocation_accepted' })).toHaveLength(1);
});
