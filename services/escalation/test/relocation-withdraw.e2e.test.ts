import type { StayKey } from '@cm/domain';
import { waitFor } from '@cm/service-runtime';
import { addProperty } from '@cm/ingest';
import { uniqueName } from '@cm/test-harness';
import { conflictOf, createBooking } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

/** A pending relocation is never a dead end: an ignored booking is a refusal, and an operator may withdraw one the ledger has not decided. */
let world: EscalationWorld;
let service: EscalationProcess;
let sister: string;

beforeAll(async () => {
  world = await escalationWorld();
  sister = `${world.tenants[0].tenantId}-sister`;
  await addProperty(world.db, { propertyId: sister, tenantId: world.tenants[0].tenantId, timeZone: 'Europe/Paris', currency: 'EUR' });
  // No arbiter yet: whatever is relocated waits, undecided.
  service = await world.startEscalation({ SLA_MINUTE_MS: '60000' });
});
afterAll(async () => world?.close());

async function overbooking(checkIn: string, checkOut: string) {
  const propertyId = world.tenants[0].propertyId;
  const ref = uniqueName('air');
  const record = conflictOf(
    { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: `AIRBNB:${ref}` as StayKey, winningKey: `PMS:${uniqueName('pms')}` as StayKey, losingDates: { checkIn: checkIn as never, checkOut: checkOut as never } },
    { property_id: propertyId, booking_ref: ref, channel: 'AIRBNB' },
  );
  await world.sendConflicts([record]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.first_event_id === record.event_id), 'the overbooking task');
  return { ref, task: tasks.find((x) => x.first_event_id === record.event_id)! };
}
const resolve = (taskId: string, body: Record<string, unknown>) => world.api(service, 'POST', `/v1/review-tasks/${taskId}/resolve`, { operator: 'maria', ...body });
const history = async (taskId: string) => ((await world.api(service, 'GET', `/v1/review-tasks/${taskId}`)).body.history as { action: string; actor: string; details: Record<string, unknown> }[]);

test('a relocation never decided is withdrawn by an operator: its booking cancelled on the target property (so a late acceptance is undone), the task open for another resolution; an ignored relocation booking is a refusal', async () => {
  const { ref, task } = await overbooking('2027-08-01', '2027-08-04');
  expect(await resolve(task.task_id, { action: 'relocate', property_id: sister })).toMatchObject({ status: 202, body: { relocation: { status: 'pending' } } });
  const stuck = await resolve(task.task_id, { action: 'dismiss', note: 'guest found another place' });
  expect(stuck).toMatchObject({ status: 409, body: { code: 'relocation_pending', detail: expect.stringContaining('withdraw_relocation') } });

  const withdrawal = { action: 'withdraw_relocation', note: 'the ledger never answered' };
  const withdrawn = await resolve(task.task_id, withdrawal);
  expect(withdrawn).toMatchObject({ status: 200, body: { status: 'open', replayed: false, command_id: `review:${task.task_id}:withdraw_relocation:${sister}`, relocation: { property_id: sister, status: 'withdrawn', withdrawal: { withdrawn_by: 'maria', note: 'the ledger never answered' } } } });
  expect(await resolve(task.task_id, withdrawal)).toMatchObject({ status: 200, body: { replayed: true, relocation: { status: 'withdrawn' } } });
  expect(await resolve(task.task_id, { action: 'withdraw_relocation' })).toMatchObject({ status: 409, body: { code: 'no_relocation_pending' } });
  expect(await resolve(task.task_id, { action: 'relocate', property_id: sister })).toMatchObject({ status: 409, body: { code: 'relocation_withdrawn' } });
  expect(await history(task.task_id)).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'relocation_withdrawn', actor: 'maria', details: expect.objectContaining({ property_id: sister, note: 'the ledger never answered' }) })]));
  expect(await world.db('escalation.issued_commands').where({ task_id: task.task_id }).orderBy('created_at_ms').pluck('property_id')).toEqual([sister, sister]);
  expect(await service.metrics()).toMatch(/escalation_relocations_total\{outcome="withdrawn"[^}]*\} 1\n/);

  // The ledger comes back: it books the guest there, then cancels that booking, in order on the partition.
  await world.startArbiter();
  await waitFor('the withdrawn relocation booking cancelled in the ledger', () => world.db('stays').where({ property_id: sister, ref: `relocation-${task.task_id}`, status: 'CANCELLED' }).first(), { timeoutMs: 60_000 });

  // Ignored: a booking with the relocation's ref is already on the sister property (booking_already_exists).
  const second = await overbooking('2027-09-01', '2027-09-04');
  await world.sendCommands([createBooking(sister, 'PMS', `relocation-${second.task.task_id}`, '2027-03-01', '2027-03-03')]);
  await waitFor('the clashing booking in the ledger', () => world.db('stays').where({ property_id: sister, ref: `relocation-${second.task.task_id}` }).first(), { timeoutMs: 30_000 });
  expect(await resolve(second.task.task_id, { action: 'relocate', property_id: sister })).toMatchObject({ status: 202 });
  await waitFor('the ignored booking refused', async () => (await history(second.task.task_id)).some((h) => h.action === 'relocation_refused'), { timeoutMs: 60_000 });
  expect((await history(second.task.task_id)).find((h) => h.action === 'relocation_refused')).toMatchObject({ actor: 'system', details: { property_id: sister, reason: 'ignored by the ledger: booking_already_exists' } });
  expect(await resolve(second.task.task_id, { action: 'dismiss', note: 'guest rebooked elsewhere' })).toMatchObject({ status: 200, body: { status: 'resolved' } });

  // The late acceptance of the withdrawn one (before the refusal on the same partition) changed nothing; the task takes another resolution.
  expect(await world.db('escalation.relocations').where({ task_id: task.task_id }).first('status')).toEqual({ status: 'withdrawn' });
  expect((await history(task.task_id)).map((h) => h.action)).not.toContain('relocation_accepted');
  expect(await resolve(task.task_id, { action: 'cancel_stay', booking_ref: ref })).toMatchObject({ status: 200, body: { status: 'resolved', resolution: 'cancel_stay' } });
});
