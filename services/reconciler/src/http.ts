import { propertyExists, propertyIdsOfTenant, tenantOfAuthorization } from '@cm/directory';
import { calendarRange } from '@cm/domain';
import { chmod, rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { JSON_MEDIA_TYPE, parseStrictJson, Problem, refuseNonUtf8Charset, refuseNonIdentifier, frameworkErrorProblem, refuseUnknownQuery, requireIdentifier, problemOfError, refuseIllFormedUrl, withinTenantRate, type BucketLimits, type Knex, type Logger, type TakeResult } from '@cm/service-runtime';
import type { Reconciliation } from './pass';
import { scopeOf, type Caller } from './pass-scope';
import type { DriftReads } from './store/drift-reads';
import type { PassStore } from './store/pass-store';

export const startBody = z.object({ property_id: z.string().min(1).max(200).superRefine(refuseNonIdentifier).optional() }).strict();
// A UUID is the same in either case; pass ids are stored as PostgreSQL writes them, in lower case.
export const passId = z.uuid().transform((id) => id.toLowerCase());

function passIdOf(text: string): string {
  const parsed = passId.safeParse(text);
  if (!parsed.success) throw new Problem(400, 'invalid_pass_id', 'a pass id is a UUID');
  return parsed.data;
}

export interface HttpDeps {
  readonly reconciliation: Reconciliation;
  readonly passes: PassStore;
  /** What passes found, as the operator console reads it. */
  readonly drift: DriftReads;
  readonly db: Knex;
  readonly log: Logger;
  readonly track: (done: Promise<void>) => void;
  /** The shared token buckets (Redis) each tenant's rate is taken from. */
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  /** Requests a second one tenant may make (bursts of twice that). */
  readonly ratePerSecond: number;
  readonly now: () => number;
}

/** The longest look back the reconciliation health takes, in days. */
const MAX_HEALTH_DAYS = 90;

/**
 * The endpoint of passes: start a pass for one property or all (202 with where to follow it, or
 * 200 with the pass of that scope already running), and read a pass's summary and its listings.
 * A tenant calls it with its API key, within its rate, for its own properties and passes only:
 * another tenant's property or pass answers 404 as a missing one does. Bound to loopback unless
 * configured otherwise.
 */
export async function startHttp(deps: HttpDeps, host: string, port: number): Promise<FastifyInstance> {
  const app = passesApi(deps, tenantCallerOf(deps));
  await app.listen({ host, port });
  return app;
}

/** A request's caller on the tenant API: the tenant its key names, once within the tenant's rate. */
export function tenantCallerOf(deps: Pick<HttpDeps, 'db' | 'buckets' | 'ratePerSecond'>): (request: FastifyRequest) => Promise<Caller> {
  return async (request) => {
    const tenantId = await tenantOfAuthorization(deps.db, request.headers.authorization);
    await withinTenantRate(deps.buckets, 'reconciler-api', tenantId, deps.ratePerSecond);
    return { kind: 'tenant', tenantId };
  };
}

/**
 * The same routes for the operator's local reconcile command, on a Unix socket only its owner
 * may open (mode 0600): no key, every tenant's properties. A socket file left by a process that
 * died is replaced.
 */
export async function startOperatorSocket(deps: HttpDeps, path: string): Promise<FastifyInstance> {
  const app = passesApi(deps, async () => ({ kind: 'operator' }));
  await rm(path, { force: true });
  await app.listen({ path });
  await chmod(path, 0o600);
  return app;
}

/** The routes of passes on a new fastify app, not yet listening, for the callers `callerOf` names. */
export function passesApi(deps: HttpDeps, callerOf: (request: FastifyRequest) => Promise<Caller>): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 16_384,
    // Ids are up to 200 characters, which percent-encoding can triple.
    routerOptions: { maxParamLength: 1_000 },
    // A URL the router cannot decode (a bad % escape, bytes that are not UTF-8) is answered before any route: with a problem document too.
    frameworkErrors: (error, _request, reply) => void send(reply, frameworkErrorProblem(error)),
  });
  // Bodies are read as I-JSON, as every API of ours reads them: not UTF-8, a lone surrogate or a number not as written is a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    try {
      refuseNonUtf8Charset(request.headers['content-type']);
      done(null, (body as Buffer).length === 0 ? undefined : parseStrictJson(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('onRequest', async (request) => refuseIllFormedUrl(request.raw.url));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
    send(reply, problemOfError(error, (err) => deps.log.error({ err }, 'reconciliation endpoint failed'), 'the pass could not be started or read; see the service log')),
  );

  app.post('/v1/reconciliations', async (request, reply) => {
    const caller = await callerOf(request);
    // No body starts a pass over every property of the caller's; a body of `null` is not that, and is refused like any non-object.
    const parsed = startBody.safeParse(request.body === undefined ? {} : request.body);
    if (!parsed.success) throw new Problem(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const propertyId = parsed.data.property_id;
    if (propertyId !== undefined && !(await propertyVisible(deps.db, caller, propertyId))) {
      throw new Problem(404, 'unknown_property', `no property ${propertyId} for this caller`);
    }
    const pass = await deps.reconciliation.start(scopeOf(caller, propertyId));
    if (!pass.alreadyRunning) deps.track(pass.done);
    const statusUrl = `/v1/reconciliations/${pass.passId}`;
    return reply
      .code(pass.alreadyRunning ? 200 : 202)
      .header('location', statusUrl)
      .send({ pass_id: pass.passId, scope: propertyId ?? 'all', already_running: pass.alreadyRunning, status_url: statusUrl });
  });

  app.get<{ Params: { id: string } }>('/v1/reconciliations/:id', async (request) => {
    const caller = await callerOf(request);
    const id = passIdOf(request.params.id);
    const summary = await deps.passes.summary(id, caller);
    if (!summary) throw new Problem(404, 'unknown_pass', `no pass ${id}`);
    return summary;
  });

  app.get<{ Params: { id: string } }>('/v1/reconciliations/:id/listings', async (request) => {
    const caller = await callerOf(request);
    const id = passIdOf(request.params.id);
    if (!(await deps.passes.has(id, caller))) throw new Problem(404, 'unknown_pass', `no pass ${id}`);
    return { listings: await deps.passes.listings(id) };
  });

  // The operator console's reads (docs/console-reads.md): what the last pass found of each listing, and each channel's record.
  app.get<{ Params: { propertyId: string }; Querystring: Record<string, string> }>('/v1/properties/:propertyId/drift', async (request) => {
    const caller = await callerOf(request);
    const { propertyId } = request.params;
    requireIdentifier('propertyId', propertyId);
    const { from, to, ...rest } = request.query;
    refuseUnknownQuery(rest);
    if (typeof from !== 'string' || typeof to !== 'string') throw new Problem(400, 'invalid_range', 'from and to, once each: the nights [from, to), YYYY-MM-DD', [{ path: typeof from !== 'string' ? 'from' : 'to', message: 'required once' }]);
    const range = calendarRange(from, to);
    if ('problem' in range) throw new Problem(400, 'invalid_range', range.problem, [{ path: 'to', message: range.problem }]);
    if (!(await propertyVisible(deps.db, caller, propertyId))) throw new Problem(404, 'unknown_property', `no property ${propertyId} for this caller`);
    return { property_id: propertyId, from: range.from, to: range.to, listings: await deps.drift.lastPasses(propertyId, range.from, range.to) };
  });

  app.get<{ Querystring: Record<string, string> }>('/v1/reconciliation-health', async (request) => {
    const caller = await callerOf(request);
    const { property_id: propertyId, days: daysText, ...rest } = request.query;
    refuseUnknownQuery(rest);
    const days = daysText === undefined ? 7 : /^\d{1,3}$/.test(daysText) ? Number(daysText) : NaN;
    if (!(days >= 1 && days <= MAX_HEALTH_DAYS)) throw new Problem(400, 'invalid_days', `days: a whole number of days, 1 to ${MAX_HEALTH_DAYS}`, [{ path: 'days', message: 'out of range' }]);
    const sinceMs = deps.now() - days * 86_400_000;
    if (propertyId !== undefined) {
      requireIdentifier('property_id', propertyId);
      if (!(await propertyVisible(deps.db, caller, propertyId))) throw new Problem(404, 'unknown_property', `no property ${propertyId} for this caller`);
      return { since: new Date(sinceMs).toISOString(), channels: await deps.drift.health([propertyId], sinceMs) };
    }
    if (caller.kind !== 'tenant') throw new Problem(400, 'property_required', 'property_id: the operator names the property');
    return { since: new Date(sinceMs).toISOString(), channels: await deps.drift.health(propertyIdsOfTenant(deps.db, caller.tenantId), sinceMs) };
  });
  return app;
}

/** A property in the directory that the caller may reconcile (a tenant: only its own). */
async function propertyVisible(db: Knex, caller: Caller, propertyId: string): Promise<boolean> {
  return propertyExists(db, propertyId, caller.kind === 'tenant' ? caller.tenantId : undefined);
}

/** An RFC 9457 problem document with a stable code, as every API of ours answers errors. */
function send(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.body());
}
