import { tenantOfAuthorization } from '@cm/directory';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { invalid, JSON_MEDIA_TYPE, parseStrictJson, Problem, refuseIllFormedUrl, refuseNonUtf8Charset, refuseNonIdentifier, withinTenantRate, type BucketLimits, type TakeResult } from '@cm/service-runtime';
import { ConflictTypeSymbols, SeveritySymbols } from '@cm/schemas';
import type { Logger } from '@cm/service-runtime';
import { z } from 'zod';
import { dependencyErrorOf } from '../errors';
import { resolveRequestSchema } from '../resolve/actions';
import type { RelocationRow, RelocationStore } from '../store/relocation-store';
import type { DeskRefusal, ReviewStore } from '../store/review-store';
import type { SettingsStore, StoredSettings } from '../store/settings-store';
import type { TaskRow } from '../store/task-store';
import type { Knex } from '@cm/service-runtime';
import { TaskStatusSymbols } from '../tasks/types';
import type { RelocationAnswer, SettingsAnswer } from './answers';
import { afterResolution } from './resolution-hooks';
import { taskView } from './views';

export interface ReviewApiDeps {
  readonly db: Knex;
  readonly desk: ReviewStore;
  readonly settings: SettingsStore;
  readonly levels: readonly string[];
  readonly log: Logger;
  /** The shared token buckets (Redis) the per-tenant rate is taken from. */
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  /** Requests a second one tenant may make (bursts of twice that). */
  readonly ratePerSecond: number;
  /** After a resolution committed (not on a replay): count it (the outbox publishes its command). */
  onResolved(task: TaskRow): void;
  readonly relocations: RelocationStore;
  /** After a relocation's booking, or the cancellation of a withdrawn one, was queued (not on a replay): count it (the outbox publishes it). */
  onRelocation(outcome: 'requested' | 'withdrawn'): void;
}

export const listQuery = z.strictObject({
  status: z.enum(TaskStatusSymbols).optional(),
  severity: z.enum(SeveritySymbols).optional(),
  type: z.enum(ConflictTypeSymbols).optional(),
  property_id: z.string().min(1).max(200).superRefine(refuseNonIdentifier).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
// A UUID is the same in either case; task ids are stored as PostgreSQL writes them, in lower case.
export const taskParams = z.object({ id: z.uuid({ error: 'a task id is a UUID' }).transform((id) => id.toLowerCase()) });
export const acknowledgeBody = z.strictObject({ operator: z.string().trim().min(1).max(200).superRefine(refuseNonIdentifier) });
/** PUT /v1/settings: every setting is given (the body replaces them); the operator, if named, is kept as who changed them. */
export const settingsBody = z.strictObject({
  auto_cancel_instant_book_losers: z.boolean({ error: 'true or false' }),
  operator: z.string().trim().min(1).max(200).superRefine(refuseNonIdentifier).optional(),
});

/**
 * The review API: a tenant's operators list their review tasks, acknowledge them (which stops the
 * SLA escalation) and resolve them with an action. Authenticated like the PMS API
 * (`Authorization: Bearer <key>`), each tenant within its request rate (429 with Retry-After past
 * it); every error is a problem document with a stable code.
 */
export async function buildReviewApi(deps: ReviewApiDeps): Promise<FastifyInstance> {
  const app = fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true, return503OnClosing: true, frameworkErrors: (error, _r, reply) => void send(reply, asProblem(error)) });
  app.removeAllContentTypeParsers();
  // Bodies are read as I-JSON, as every API of ours reads them: not UTF-8, a lone surrogate or a number not as written is a 400.
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    try {
      refuseNonUtf8Charset(request.headers['content-type']);
      done(null, (body as Buffer).length === 0 ? undefined : parseStrictJson(body as Buffer));
    } catch (error) {
      done(error instanceof Problem ? error : new Problem(400, 'malformed_json', 'the body is not valid JSON'), undefined);
    }
  });
  // A query the parser cannot decode would be kept as its literal escapes and match nothing: refused instead.
  app.addHook('onRequest', async (request) => refuseIllFormedUrl(request.raw.url));
  app.setErrorHandler((error, request, reply) => {
    const problem = error instanceof Problem ? error : asProblem(error);
    if (problem.status >= 500) deps.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    void send(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => void send(reply, new Problem(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`)));

  /** The caller's tenant, once its key is known and it is within its rate. */
  const tenantOf = async (request: FastifyRequest): Promise<string> => {
    const tenant = await tenantOfAuthorization(deps.db, request.headers.authorization);
    await withinTenantRate(deps.buckets, 'review-api', tenant, deps.ratePerSecond);
    return tenant;
  };
  const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) throw invalid(parsed.error, what);
    return parsed.data;
  };
  const orRefuse = <T extends { refused: boolean }>(result: T | DeskRefusal): Exclude<T, DeskRefusal> => {
    if ('status' in result && result.refused) throw new Problem(result.status, result.code, result.detail);
    return result as Exclude<T, DeskRefusal>;
  };

  app.get('/v1/review-tasks', async (request) => {
    const tenantId = await tenantOf(request);
    const query = parse(listQuery, request.query, 'query');
    const { tasks, total } = await deps.desk.list(tenantId, { status: query.status, severity: query.severity, type: query.type, propertyId: query.property_id, limit: query.limit, offset: query.offset });
    return { tasks: tasks.map((t) => taskView(t, deps.levels)), total, limit: query.limit, offset: query.offset };
  });

  app.get('/v1/review-tasks/:id', async (request) => {
    const tenantId = await tenantOf(request);
    const { id } = parse(taskParams, request.params, 'path');
    const task = await deps.desk.get(tenantId, id);
    if (!task) throw new Problem(404, 'task_not_found', `no review task '${id}' for this API key`);
    return { ...taskView(task, deps.levels), history: await deps.desk.history(id), relocations: (await deps.relocations.ofTask(id)).map(relocationView) };
  });

  app.post('/v1/review-tasks/:id/acknowledge', async (request) => {
    const tenantId = await tenantOf(request);
    const { id } = parse(taskParams, request.params, 'path');
    const { operator } = parse(acknowledgeBody, request.body, 'body');
    const { task } = orRefuse(await deps.desk.acknowledge(tenantId, id, operator));
    return taskView(task, deps.levels);
  });

  app.post('/v1/review-tasks/:id/resolve', async (request, reply) => {
    const tenantId = await tenantOf(request);
    const { id } = parse(taskParams, request.params, 'path');
    const body = parse(resolveRequestSchema, request.body, 'body');
    const result = orRefuse(await deps.desk.resolve(tenantId, id, body));
    afterResolution(result, body.action, deps);
    if (result.relocation) {
      // A relocation waits for the ledger's answer on the other property: accepted, not done.
      if (body.action === 'relocate') void reply.code(202);
      return { ...taskView(result.task, deps.levels), replayed: result.replayed, command_id: result.commandId, relocation: relocationView(result.relocation) };
    }
    return { ...taskView(result.task, deps.levels), replayed: result.replayed };
  });

  app.get('/v1/settings', async (request) => settingsView(await deps.settings.get(await tenantOf(request))));

  app.put('/v1/settings', async (request) => {
    const tenantId = await tenantOf(request);
    const { operator, ...settings } = parse(settingsBody, request.body, 'body');
    return settingsView(await deps.settings.put(tenantId, settings, operator ?? null));
  });

  return app;
}

function relocationView(r: RelocationRow): RelocationAnswer {
  return {
    property_id: r.property_id,
    status: r.status,
    booking_ref: r.booking_ref,
    command_id: r.command_id,
    requested_by: r.operator,
    requested_at: new Date(r.requested_at_ms).toISOString(),
    decided_at: r.decided_at_ms === null ? null : new Date(r.decided_at_ms).toISOString(),
    refusal: r.refusal,
    withdrawal: r.withdrawal === null ? null : { withdrawn_by: r.withdrawal.operator, note: r.withdrawal.note, command_id: r.withdrawal.command_id },
  };
}

function settingsView(s: StoredSettings): SettingsAnswer {
  return { auto_cancel_instant_book_losers: s.auto_cancel_instant_book_losers, updated_by: s.updated_by, updated_at: s.updated_at_ms === null ? null : new Date(s.updated_at_ms).toISOString() };
}

function send(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(JSON.stringify(problem.body()));
}

function asProblem(error: unknown): Problem {
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new Problem(413, 'body_too_large', 'the body is larger than this API takes');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new Problem(415, 'unsupported_media_type', 'send the body as application/json');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new Problem(e.statusCode, 'bad_request', (e.message ?? 'bad request').slice(0, 200));
  const failure = dependencyErrorOf(error);
  if (failure) return new Problem(failure.status, failure.code, failure.message);
  return new Problem(500, 'internal_error', 'the request failed on our side');
}
