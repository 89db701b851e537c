import { propertyExists, tenantOfAuthorization } from '@cm/directory';
import { chmod, rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseStrictJson, Problem, refuseNonIdentifier, withinTenantRate, type BucketLimits, type Knex, type Logger, type TakeResult } from '@cm/service-runtime';
import type { Reconciliation } from './pass';
import { scopeOf, type Caller } from './pass-scope';
import type { PassStore } from './store/pass-store';

export const startBody = z.object({ property_id: z.string().min(1).max(200).superRefine(refuseNonIdentifier).optional() }).strict();
export const passId = z.uuid();

export interface HttpDeps {
  readonly reconciliation: Reconciliation;
  readonly passes: PassStore;
  readonly db: Knex;
  readonly log: Logger;
  readonly track: (done: Promise<void>) => void;
  /** The shared token buckets (Redis) each tenant's rate is taken from. */
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  /** Requests a second one tenant may make (bursts of twice that). */
  readonly ratePerSecond: number;
}

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
  const app = Fastify({ logger: false, bodyLimit: 16_384 });
  // Bodies are read as I-JSON, as every API of ours reads them: not UTF-8, a lone surrogate or a number not as written is a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([\w.-]+\+)?json$/, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, (body as Buffer).length === 0 ? undefined : parseStrictJson(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    if (error instanceof Problem) return send(reply, error);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) deps.log.error({ err: error }, 'reconciliation endpoint failed');
    return send(reply, new Problem(status, status === 500 ? 'internal_error' : 'bad_request', status === 500 ? 'the pass could not be started or read; see the service log' : error.message));
  });

  app.post('/v1/reconciliations', async (request, reply) => {
    const caller = await callerOf(request);
    const parsed = startBody.safeParse(request.body ?? {});
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
    if (!passId.safeParse(request.params.id).success) throw new Problem(400, 'invalid_pass_id', 'a pass id is a UUID');
    const summary = await deps.passes.summary(request.params.id, caller);
    if (!summary) throw new Problem(404, 'unknown_pass', `no pass ${request.params.id}`);
    return summary;
  });

  app.get<{ Params: { id: string } }>('/v1/reconciliations/:id/listings', async (request) => {
    const caller = await callerOf(request);
    if (!passId.safeParse(request.params.id).success) throw new Problem(400, 'invalid_pass_id', 'a pass id is a UUID');
    if (!(await deps.passes.has(request.params.id, caller))) throw new Problem(404, 'unknown_pass', `no pass ${request.params.id}`);
    return { listings: await deps.passes.listings(request.params.id) };
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
