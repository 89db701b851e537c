import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StayKey } from '@cm/domain';
import { addProperty } from '@cm/ingest';
import { createRedis, problemSchema, TokenBuckets, type Redis } from '@cm/service-runtime';
import { documentedRoutes, openApiValidation, registeredRoutes, stack, testLogger, uniqueName } from '@cm/test-harness';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { resolutionAnswer, settingsAnswer, taskAnswer, taskDetailAnswer, taskListAnswer } from '../src/http/answers';
import { buildReviewApi } from '../src/http/app';
import { reviewApiDocument } from '../src/http/openapi';
import { REVIEW_EXAMPLES } from '../src/http/openapi-examples';
import { RelocationStore } from '../src/store/relocation-store';
import { ReviewStore } from '../src/store/review-store';
import { SettingsStore } from '../src/store/settings-store';
import { TaskStore, type TaskRow } from '../src/store/task-store';
import { conflictOf } from './records';
import { expectDocumentedAnswer, expectEveryStatusReached, expectExamplesFit } from '@cm/test-harness/worlds/openapi-answers';
import { escalationWorld, type Answer, type EscalationProcess, type EscalationWorld } from './world';

/**
 * Issue 23.9: the review API's OpenAPI document is the one checked in, valid OpenAPI 3.1, lists
 * exactly the routes the app registers, and every answer the running service gives (each status
 * the handlers can reach from outside: 200, 202, 400, 401, 404, 409, 413, 415, 422, 429) is
 * documented for its route, with its headers and a body its schema accepts; and each status
 * documented is met. 500 and 503 need PostgreSQL or Redis to fail, or the server to be closing;
 * they are documented on every route and not driven here.
 */
const DOCUMENT_FILE = join(__dirname, '..', 'openapi.json');
const document = reviewApiDocument() as Parameters<typeof documentedRoutes>[0];
let world: EscalationWorld;
let service: EscalationProcess;
/** The same service held to one request a second, for the 429. */
let slow: EscalationProcess;
let redis: Redis;
let sister: string;

/** The schema each route's success is read with. */
const SUCCESS: Record<string, z.ZodType> = {
  'GET /v1/review-tasks': taskListAnswer,
  'GET /v1/review-tasks/{id}': taskDetailAnswer,
  'POST /v1/review-tasks/{id}/acknowledge': taskAnswer,
  'POST /v1/review-tasks/{id}/resolve': resolutionAnswer,
  'GET /v1/settings': settingsAnswer,
  'PUT /v1/settings': settingsAnswer,
};

beforeAll(async () => {
  world = await escalationWorld();
  sister = `${world.tenants[0].tenantId}-sister`;
  await addProperty(world.db, { propertyId: sister, tenantId: world.tenants[0].tenantId, timeZone: 'Europe/Paris', currency: 'EUR' });
  [service, slow] = await Promise.all([world.startEscalation({ API_RATE_PER_SECOND: '1000' }), world.startEscalation({ API_RATE_PER_SECOND: '1' })]);
  redis = createRedis(stack.REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await world?.close();
});

/** An answer of the service, held to the document: its status listed for the route, the headers listed with it, its body of the schema listed. */
const expectDocumented = (route: string, answer: Answer) => expectDocumentedAnswer(document, route, answer, (status) => (status < 300 ? SUCCESS[route]! : problemSchema));

/** An overbooking task of the first tenant: a direct booking kept its nights, an Airbnb guest lost them. */
async function overbookingTask(): Promise<TaskRow> {
  const propertyId = world.tenants[0].propertyId;
  const ref = uniqueName('air');
  await world.sendConflicts([
    conflictOf(
      { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: `AIRBNB:${ref}` as StayKey, winningKey: `PMS:${uniqueName('pms')}` as StayKey, losingDates: { checkIn: '2027-10-01' as never, checkOut: '2027-10-04' as never } },
      { property_id: propertyId, booking_ref: ref, channel: 'AIRBNB' },
    ),
  ]);
  const tasks = await world.waitForTasks(propertyId, (t) => t.some((x) => x.booking_ref === ref), 'the overbooking task');
  return tasks.find((x) => x.booking_ref === ref)!;
}

test('the document is the one checked in, and valid OpenAPI 3.1', () => {
  expect(JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8'))).toEqual(document);
  expect(openApiValidation(DOCUMENT_FILE)).toEqual({ valid: true });
});

test('it documents exactly the routes the app registers', async () => {
  const tasks = new TaskStore(world.db, { minuteMs: 60_000, now: Date.now }, world.issuedCommands);
  const relocations = new RelocationStore(world.db, tasks, Date.now);
  const app = await buildReviewApi({
    db: world.db,
    desk: new ReviewStore(world.db, tasks, relocations, Date.now),
    settings: new SettingsStore(world.db, Date.now),
    levels: ['on-call'],
    log: testLogger,
    buckets: new TokenBuckets(redis),
    ratePerSecond: 10,
    onResolved: () => undefined,
    relocations,
    onRelocation: () => undefined,
  });
  await app.ready();
  expect(registeredRoutes(app)).toEqual(documentedRoutes(document));
  await app.close();
});

test('every example is of the schema it illustrates', () => {
  expectExamplesFit(REVIEW_EXAMPLES);
});

test("the service's answers, success and refusal, are each documented for their route", async () => {
  const second = world.tenants[1];
  const task = await overbookingTask();
  const toRelocate = await overbookingTask();
  const taskPath = `/v1/review-tasks/${task.task_id}`;
  const answers: [string, Answer][] = [
    ['GET /v1/review-tasks', await world.api(service, 'GET', '/v1/review-tasks?status=open')],
    ['GET /v1/review-tasks', await world.api(service, 'GET', '/v1/review-tasks?limit=0')],
    ['GET /v1/review-tasks', await world.api(service, 'GET', '/v1/review-tasks', undefined, { apiKey: null })],
    ['GET /v1/review-tasks', await world.api(service, 'GET', '/v1/review-tasks', undefined, { apiKey: 'cm_not_a_key' })],
    ['GET /v1/review-tasks/{id}', await world.api(service, 'GET', taskPath)],
    ['GET /v1/review-tasks/{id}', await world.api(service, 'GET', '/v1/review-tasks/not-a-uuid')],
    ['GET /v1/review-tasks/{id}', await world.api(service, 'GET', taskPath, undefined, { tenant: second })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `${taskPath}/acknowledge`, { operator: 'ana@villas.example' })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `${taskPath}/acknowledge`, { operator: 'li@villas.example' })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `/v1/review-tasks/${randomUUID()}/acknowledge`, { operator: 'ana@villas.example' })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `${taskPath}/acknowledge`, 'operator=ana', { contentType: 'text/plain' })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `${taskPath}/acknowledge`, { operator: 'a'.repeat(70_000) })],
    ['POST /v1/review-tasks/{id}/acknowledge', await world.api(service, 'POST', `${taskPath}/acknowledge`, '{"operator":')],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'cancel_stay', operator: 'ana@villas.example', booking_ref: 'not-in-this-task' })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'dismiss', operator: 'ana@villas.example', note: 'the guest rebooked' })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'dismiss', operator: 'ana@villas.example', note: 'the guest rebooked' })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'keep_channel_guest', operator: 'ana@villas.example' })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `/v1/review-tasks/${toRelocate.task_id}/resolve`, { action: 'relocate', operator: 'ana@villas.example', property_id: `${second.tenantId}-villa` })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `/v1/review-tasks/${toRelocate.task_id}/resolve`, { action: 'relocate', operator: 'ana@villas.example', property_id: sister, guest_count: 2 })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'teleport', operator: 'ana@villas.example' })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, { action: 'dismiss', operator: 'ana@villas.example', note: 'n'.repeat(70_000) })],
    ['POST /v1/review-tasks/{id}/resolve', await world.api(service, 'POST', `${taskPath}/resolve`, 'action=dismiss', { contentType: 'text/plain' })],
    ['GET /v1/settings', await world.api(service, 'GET', '/v1/settings')],
    ['GET /v1/settings', await world.api(service, 'GET', '/v1/settings', undefined, { apiKey: null })],
    ['PUT /v1/settings', await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: true, operator: 'ana@villas.example' })],
    ['PUT /v1/settings', await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: 'yes' })],
    ['PUT /v1/settings', await world.api(service, 'PUT', '/v1/settings', 'auto=1', { contentType: 'application/x-www-form-urlencoded' })],
  ];
  answers.push(['PUT /v1/settings', await world.api(service, 'PUT', '/v1/settings', { auto_cancel_instant_book_losers: true, operator: 'a'.repeat(70_000) })]);
  // Every route: refused without a key, and over the rate on the service held to one request a
  // second (bursts of two: the second tenant spends them first).
  const concrete = (route: string) => route.replace('{id}', task.task_id).split(' ') as [string, string];
  const bodyOf: Record<string, unknown> = { 'POST /v1/review-tasks/{id}/acknowledge': { operator: 'li@villas.example' }, 'POST /v1/review-tasks/{id}/resolve': { action: 'dismiss', operator: 'li@villas.example', note: 'n' }, 'PUT /v1/settings': { auto_cancel_instant_book_losers: false } };
  for (const route of documentedRoutes(document)) {
    const [method, path] = concrete(route);
    answers.push([route, await world.api(service, method, path, bodyOf[route], { apiKey: null })]);
  }
  for (let i = 0; i < 2; i++) await world.api(slow, 'GET', '/v1/settings', undefined, { tenant: second });
  for (const route of documentedRoutes(document)) {
    const [method, path] = concrete(route);
    answers.push([route, await world.api(slow, method, path, bodyOf[route], { tenant: second })]);
  }

  for (const [route, answer] of answers) expectDocumented(route, answer);
  // Every status documented was answered, but 500 and 503 (PostgreSQL or Redis failing, the
  // server closing): none is documented that a caller cannot meet.
  expectEveryStatusReached(document, answers);
});
