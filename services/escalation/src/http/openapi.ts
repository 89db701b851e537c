import { componentSchemas, jsonSchemaOf, ref, sharedComponents, withProblems, type OpenApiObject, type ProblemResponse } from '@cm/service-runtime';
import type { z } from 'zod';
import { resolveRequestSchema } from '../resolve/actions';
import { relocationAnswer, resolutionAnswer, settingsAnswer, taskAnswer, taskDetailAnswer, taskListAnswer } from './answers';
import { acknowledgeBody, listQuery, settingsBody, taskParams } from './app';
import { REVIEW_EXAMPLES } from './openapi-examples';

/** The errors every route can answer: no or a bad key, over the rate, a dependency down or the server closing, our failure. */
const EVERY_ROUTE: readonly ProblemResponse[] = ['Unauthorized', 'RateLimited', 'InternalError', 'Unavailable'];
/** And a route that reads a query, a path or a body: not what it takes. */
const WITH_INPUT: readonly ProblemResponse[] = [...EVERY_ROUTE, 'BadRequest'];
/** And a route that reads a JSON body: too large, or not JSON. */
const WITH_BODY: readonly ProblemResponse[] = [...WITH_INPUT, 'BodyTooLarge', 'UnsupportedMediaType'];

/** A JSON answer whose schema is a component, with the examples of it named. */
const json = (description: string, schema: string, examples: readonly (keyof typeof REVIEW_EXAMPLES)[] = []): OpenApiObject => ({
  description,
  content: { 'application/json': { schema: ref('schemas', schema), ...(examples.length > 0 ? { examples: Object.fromEntries(examples.map((e) => [e, ref('examples', e)])) } : {}) } },
});

const requestBody = (schema: string, examples: readonly (keyof typeof REVIEW_EXAMPLES)[]): OpenApiObject => ({
  required: true,
  content: { 'application/json': { schema: ref('schemas', schema), examples: Object.fromEntries(examples.map((e) => [e, ref('examples', e)])) } },
});

/** A zod object's fields as OpenAPI parameters of one location. */
function parametersOf(schema: z.ZodType, location: 'path' | 'query'): OpenApiObject[] {
  const object = jsonSchemaOf(schema, 'input') as { properties?: Record<string, OpenApiObject>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: location, required: location === 'path' || (object.required ?? []).includes(name), schema: property }));
}

/**
 * The review API's routes, by method and path as OpenAPI writes them. Each lists every status its
 * handler can answer: the test (openapi.e2e.test.ts) holds this table equal to the routes the
 * fastify app registers, and the service's real answers to the statuses and schemas listed here.
 */
export const REVIEW_OPERATIONS: Record<string, OpenApiObject> = {
  'GET /v1/review-tasks': {
    operationId: 'listReviewTasks',
    summary: "The tenant's review tasks, newest first, filtered by status, severity, conflict type or property.",
    parameters: parametersOf(listQuery, 'query'),
    responses: withProblems({ 200: json('A page of tasks and how many match in all.', 'TaskList', ['taskList']) }, WITH_INPUT),
  },
  'GET /v1/review-tasks/{id}': {
    operationId: 'getReviewTask',
    summary: 'A task with its history (who did what, when) and the relocations asked for it.',
    parameters: parametersOf(taskParams, 'path'),
    responses: withProblems({ 200: json('The task, its history and relocations.', 'TaskDetail', ['taskDetail']) }, [...WITH_INPUT, 'NotFound']),
  },
  'POST /v1/review-tasks/{id}/acknowledge': {
    operationId: 'acknowledgeReviewTask',
    summary: 'An operator takes the task: its SLA escalation stops. The same operator acknowledging again gets the same answer.',
    parameters: parametersOf(taskParams, 'path'),
    requestBody: requestBody('AcknowledgeRequest', ['acknowledge']),
    responses: withProblems({ 200: json('The task, acknowledged.', 'Task', ['acknowledgedTask']) }, [...WITH_BODY, 'NotFound', 'Conflict']),
  },
  'POST /v1/review-tasks/{id}/resolve': {
    operationId: 'resolveReviewTask',
    summary: 'Resolves the task with an action; a command the action needs goes to the ledger. Asking the same resolution again answers it again (`replayed`), doing nothing twice.',
    parameters: parametersOf(taskParams, 'path'),
    requestBody: requestBody('ResolveRequest', ['resolveCancelStay', 'resolveKeepChannelGuest', 'resolveRelocate', 'resolveDismiss']),
    responses: withProblems(
      {
        200: json('Resolved (or a relocation withdrawn, the task left open for another resolution).', 'Resolution', ['resolved']),
        202: json('A relocation asked for: the booking on the other property waits for the ledger, so the task is resolved when the ledger accepts it (`relocation.status` pending).', 'Resolution', ['relocationRequested']),
      },
      [...WITH_BODY, 'NotFound', 'Conflict', 'Unprocessable'],
    ),
  },
  'GET /v1/settings': {
    operationId: 'getSettings',
    summary: "The tenant's escalation settings (defaults until changed).",
    responses: withProblems({ 200: json("The tenant's settings and who changed them last.", 'Settings', ['settings']) }, EVERY_ROUTE),
  },
  'PUT /v1/settings': {
    operationId: 'putSettings',
    summary: "Replaces the tenant's settings (every setting is given); the operator, if named, is kept as who changed them.",
    requestBody: requestBody('SettingsRequest', ['putSettings']),
    responses: withProblems({ 200: json('The settings as stored.', 'Settings', ['settings']) }, WITH_BODY),
  },
};

/** The OpenAPI 3.1 document of the review API. */
export function reviewApiDocument(): OpenApiObject {
  const shared = sharedComponents();
  const paths: Record<string, Record<string, OpenApiObject>> = {};
  for (const [route, operation] of Object.entries(REVIEW_OPERATIONS)) {
    const [method, path] = route.split(' ') as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: { tags: [path.startsWith('/v1/settings') ? 'settings' : 'review tasks'], ...operation } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Channel Manager review API (escalation)',
      version: '0.1.0',
      description:
        "A tenant's operators list their review tasks, acknowledge them (which stops the SLA escalation) and resolve them with an action. Every request carries the tenant's API key and is held to the tenant's request rate (429 with Retry-After past it). Errors are RFC 9457 problem documents with a stable `code`; a task of another tenant answers 404 as a missing one does.",
    },
    servers: [{ url: 'http://127.0.0.1:9415' }],
    security: [{ apiKey: [] }],
    tags: [{ name: 'review tasks' }, { name: 'settings' }],
    paths,
    components: {
      schemas: {
        ...shared.schemas,
        ...componentSchemas({ Task: taskAnswer, Relocation: relocationAnswer, TaskList: taskListAnswer, TaskDetail: taskDetailAnswer, Resolution: resolutionAnswer, Settings: settingsAnswer }, 'output'),
        ...componentSchemas({ AcknowledgeRequest: acknowledgeBody, ResolveRequest: resolveRequestSchema, SettingsRequest: settingsBody }, 'input'),
      },
      responses: shared.responses,
      headers: shared.headers,
      examples: Object.fromEntries(Object.entries(REVIEW_EXAMPLES).map(([name, example]) => [name, { summary: example.summary, value: example.value }])),
      securitySchemes: shared.securitySchemes,
    },
  };
}
