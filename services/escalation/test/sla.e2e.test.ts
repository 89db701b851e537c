import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@cm/service-runtime';
import { sumMetric, uniqueName } from '@cm/test-harness';
import { SIGNATURE_HEADER, signatureMatches, TIMESTAMP_HEADER } from '../src/notify/signature';
import { conflictOf } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

const SECRET = 'escalation-webhook-secret';
const MINUTE_MS = 20; // a CRITICAL task's 15-minute SLA passes in 300 ms, a HIGH one's 4 hours in 4.8 s

let world: EscalationWorld;
let service: EscalationProcess;
let receiver: Server;
/** What the webhook receiver got; it refuses the first two calls, so the timer's retry is exercised. */
const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.statusCode = received.length < 2 ? 503 : 200;
      received.push({ headers: req.headers, body, status: res.statusCode });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  world = await escalationWorld();
  service = await world.startEscalation({
    SLA_MINUTE_MS: String(MINUTE_MS),
    NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`,
    NOTIFY_WEBHOOK_SECRET: SECRET,
    NOTIFY_ATTEMPTS: '1',
    NOTIFY_RETRY_MS: '50',
  });
});
afterAll(async () => {
  await world?.close();
  await new Promise((r) => receiver?.close(r));
});

const k = (s: unknown) => s as never;
const overbooking = (propertyId: string) => conflictOf({ type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: k('AIRBNB:a1'), winningKey: k('PMS:p1') }, { property_id: propertyId });
const dispute = (propertyId: string, ref: string) => conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k(`AIRBNB:${ref}`), reason: 'noise' }, { property_id: propertyId, booking_ref: ref });

test('idle, a timer round is one statement: what is due is asked before any transaction is opened', async () => {
  // Before any conflict is sent: nothing is due. The world polls every 100 ms (TIMER_POLL_MS).
  const statements = async () => sumMetric(await (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text(), 'cm_db_statements_total', {});
  const before = await statements();
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rounds = (Date.now() - startedAt) / 100;
  const spent = (await statements()) - before;
  // A round with nothing due was two transactions of three statements each; now it is one, plus
  // the few of the outbox's relay and the gauges read by this scrape.
  expect(spent).toBeGreaterThanOrEqual(rounds / 2);
  expect(spent).toBeLessThan(rounds * 1.5 + 10);
});

test('a passed SLA escalates an unacknowledged task level by level (on-call -> manager -> owner), notifying each through the signed webhook', async () => {
  const propertyId = world.tenants[0].propertyId;
  await world.sendConflicts([overbooking(propertyId)]);
  const [task] = await world.waitForTasks(propertyId, (t) => t[0]?.level === 2, 'the task at the owner level', 30_000);
  const history = await world.db('escalation.task_history').where({ task_id: task!.task_id, action: 'escalated' }).orderBy('history_id').select('details');
  expect(history.slice(0, 2).map((h) => [h.details.from_level, h.details.to_level])).toEqual([[0, 1], [1, 2]]);

  const bodies = await waitFor('opened and both escalations delivered to the webhook', () => {
    const ok = received.filter((r) => r.status === 200).map((r) => JSON.parse(r.body));
    return ok.filter((b) => b.task_id === task!.task_id).length >= 3 ? ok : undefined;
  });
  const ofTask = bodies.filter((b) => b.task_id === task!.task_id);
  // Each level is told; the escalations happened level by level (the history above). A delivery
  // the receiver refused is retried later, so no order of arrival is promised across a retry.
  expect(ofTask.slice(0, 3).map((b) => [b.reason, b.level])).toEqual(expect.arrayContaining([['opened', 'on-call'], ['escalated', 'manager'], ['escalated', 'owner']]));
  for (const r of received) expect(signatureMatches(SECRET, Number(r.headers[TIMESTAMP_HEADER]), r.body, String(r.headers[SIGNATURE_HEADER]))).toBe(true);

  const text = await service.metrics();
  expect(Number(/review_task_escalations_total\{conflict_type="OVERBOOKING",kind="escalated"[^}]*\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
});

test('a notification the webhook refused is logged, kept and delivered by a later timer round', async () => {
  await waitFor('two refusals and a delivery', () => received.length >= 3);
  const failed = await world.db('escalation.task_history').where({ action: 'notification_failed' }).orderBy('history_id').select('details');
  expect(failed.length).toBeGreaterThanOrEqual(2);
  const first = failed[0]!.details.notification_id;
  const row = await waitFor('the refused notification delivered', () => world.db('escalation.notifications').where({ notification_id: first }).whereNotNull('delivered_at_ms').first());
  expect(row.failed_rounds).toBeGreaterThanOrEqual(1);
  expect(await service.metrics()).toMatch(/review_notifications_total\{notifier="webhook",outcome="failed"[^}]*\} [1-9]/);
});

test('an acknowledged task does not escalate; an unacknowledged one beside it does', async () => {
  const propertyId = world.tenants[0].propertyId;
  await world.sendConflicts([dispute(propertyId, uniqueName('acked')), dispute(propertyId, uniqueName('left'))]);
  const pair = await world.waitForTasks(propertyId, (t) => t.filter((x) => x.conflict_type === 'GUEST_DISPUTE').length === 2, 'two dispute tasks');
  const [acked, left] = pair.filter((x) => x.conflict_type === 'GUEST_DISPUTE');
  const answer = await world.api(service, 'POST', `/v1/review-tasks/${acked!.task_id}/acknowledge`, { operator: 'maria' });
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'maria' });
  // Both fall due at about the same time: once the other one moved up, the timer has looked at both.
  await world.waitForTasks(propertyId, (t) => t.find((x) => x.task_id === left!.task_id)?.level === 1, 'the unacknowledged task escalated', 30_000);
  const after = await world.db('escalation.review_tasks').where({ task_id: acked!.task_id }).first();
  expect(Date.now()).toBeGreaterThan(after.due_at_ms);
  expect(after).toMatchObject({ status: 'acknowledged', level: 0 });
});
