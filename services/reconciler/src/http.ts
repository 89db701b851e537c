import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Problem, type Knex, type Logger } from '@cm/service-runtime';
import type { Reconciliation } from './pass';
import type { PassStore } from './store/pass-store';

const startBody = z.object({ property_id: z.string().min(1).max(200).optional() }).strict();
const passId = z.uuid();

/** An RFC 9457 problem document with a stable code, as every API of ours answers errors. */
const problem = (status: number, code: string, detail: string) => new Problem(status, code, detail).body();

/**
 * The operator's endpoint: start a pass for one property or all (202 with where to follow it),
 * and read a pass's summary and its listings. Bound to loopback unless configured otherwise.
 */
export async function startHttp(
  deps: { reconciliation: Reconciliation; passes: PassStore; db: Knex; log: Logger; track: (done: Promise<void>) => void },
  host: string,
  port: number,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 16_384 });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) deps.log.error({ err: error }, 'reconciliation endpoint failed');
    return reply.code(status).type('application/problem+json').send(problem(status, status === 500 ? 'internal_error' : 'bad_request', status === 500 ? 'the pass could not be started or read; see the service log' : error.message));
  });

  app.post('/v1/reconciliations', async (request, reply) => {
    const parsed = startBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).type('application/problem+json').send(problem(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')));
    const propertyId = parsed.data.property_id;
    if (propertyId !== undefined && !(await deps.db('ingest.properties').where({ property_id: propertyId }).first())) {
      return reply.code(404).type('application/problem+json').send(problem(404, 'unknown_property', `no property ${propertyId} is mapped in the directory`));
    }
    const { passId: id, done } = await deps.reconciliation.start(propertyId);
    deps.track(done);
    return reply.code(202).header('location', `/v1/reconciliations/${id}`).send({ pass_id: id, scope: propertyId ?? 'all', status_url: `/v1/reconciliations/${id}` });
  });

  app.get<{ Params: { id: string } }>('/v1/reconciliations/:id', async (request, reply) => {
    if (!passId.safeParse(request.params.id).success) return reply.code(400).type('application/problem+json').send(problem(400, 'invalid_pass_id', 'a pass id is a UUID'));
    const summary = await deps.passes.summary(request.params.id);
    if (!summary) return reply.code(404).type('application/problem+json').send(problem(404, 'unknown_pass', `no pass ${request.params.id}`));
    return summary;
  });

  app.get<{ Params: { id: string } }>('/v1/reconciliations/:id/listings', async (request, reply) => {
    if (!passId.safeParse(request.params.id).success) return reply.code(400).type('application/problem+json').send(problem(400, 'invalid_pass_id', 'a pass id is a UUID'));
    if (!(await deps.passes.has(request.params.id))) return reply.code(404).type('application/problem+json').send(problem(404, 'unknown_pass', `no pass ${request.params.id}`));
    return { listings: await deps.passes.listings(request.params.id) };
  });

  await app.listen({ host, port });
  return app;
}
