import { createHash, randomUUID } from 'node:crypto';
import { invalid, JSON_MEDIA_TYPE, parseStrictJson, Problem, refuseIllFormedUrl, refuseNonUtf8Charset, refuseUnknownQuery } from '@cm/service-runtime';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@cm/service-runtime';
import type { z } from 'zod';
import { dependencyErrorOf } from '../errors';
import type { IngestMetrics } from '../metrics';
import type { PmsWrite } from '../normalise/pms-command';
import type { HttpAnswer } from './decision-response';
import { registerExchangeRateRoutes, type ExchangeRateDeps } from './exchange-rate-handlers';
import { tenantOfRequest, withinRate } from './guards';
import { IdempotencyKeys } from './idempotency';
import { openApiDocument } from './openapi';
import { acknowledgeRevision, acknowledgeRevisions, handlePmsWrite, readAudit, readBooking, readCalendar, readCommandStatus, readRevisions, type PmsDeps } from './pms-handlers';
import { readLedgerNights, readStayHistory } from './console-handlers';
import { fastifyPath, ROUTES, type RouteName, type RouteSpec } from './routes';
import { readRates, setRates, type RatesDeps } from './rates-handlers';
import { receiveWebhook, type WebhookDeps } from './webhook-handler';

export interface HttpAppDeps extends PmsDeps, WebhookDeps, ExchangeRateDeps, Omit<RatesDeps, keyof PmsDeps> {
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  readonly bodyLimitBytes: number;
}

type Answer = HttpAnswer & { readonly replayed?: boolean };
type Handler = (request: FastifyRequest) => Promise<Answer>;

/**
 * The ingest HTTP API: channel webhooks and the PMS API, every route from the route table,
 * every error a problem document. Bodies are kept as bytes until a handler has checked what it
 * must check first (a webhook's signature is over the raw bytes).
 */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = fastify({
    bodyLimit: deps.bodyLimitBytes,
    logger: false,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Ids are up to 200 characters, which percent-encoding can triple.
    routerOptions: { maxParamLength: 1_000 },
    // Errors fastify raises before routing (a bad URL, an overlong segment) get problem documents too.
    frameworkErrors: (error, _request, reply) => void sendProblem(reply, asProblem(error)),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    try {
      refuseNonUtf8Charset(request.headers['content-type']);
      done(null, body);
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // A query the parser cannot decode would be kept as its literal escapes and match nothing: refused instead.
  app.addHook('onRequest', async (request) => refuseIllFormedUrl(request.raw.url));
  app.setErrorHandler((error, request, reply) => {
    const problem = error instanceof Problem ? error : asProblem(error);
    if (problem.status >= 500) deps.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    void sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    void sendProblem(reply, new Problem(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`));
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, status: String(reply.statusCode) });
    deps.metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });

  const openApi = JSON.stringify(openApiDocument(), null, 2);
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(openApi));

  const route = (name: RouteName, handler: Handler) => {
    const spec: RouteSpec = ROUTES[name];
    app.route({
      method: spec.method,
      url: fastifyPath(spec.path),
      handler: async (request, reply) => {
        // A route that takes no query refuses one rather than ignoring it: `POST .../bookings?dry_run=true` must not book.
        // (A webhook URL is the channel's to configure, query and all.)
        if (!spec.query && spec.auth !== 'webhook_signature') refuseUnknownQuery(request.query as Record<string, unknown>);
        const answer = await handler(request);
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        return reply
          .code(answer.status)
          .type(answer.status >= 400 ? 'application/problem+json' : 'application/json')
          .send(JSON.stringify(answer.body));
      },
    });
  };

  route('webhook', async (request) => {
    const channelParam = (request.params as { channel: string }).channel;
    if (!ROUTES.webhook.params.safeParse({ channel: channelParam }).success) throw new Problem(404, 'unknown_channel', `no channel '${channelParam.slice(0, 40)}'; expected airbnb, booking_com, vrbo or expedia`);
    const channelLabel = channelParam.toUpperCase();
    try {
      return await receiveWebhook(deps, { channelParam, headers: request.headers, rawBody: bodyBytes(request) }, (channel, outcome) => deps.metrics.events.inc({ path: 'webhook', channel, outcome }));
    } catch (error) {
      if (error instanceof Problem && error.status < 500) deps.metrics.events.inc({ path: 'webhook', channel: channelLabel, outcome: 'refused' });
      throw error;
    }
  });

  const write = (name: RouteName, toWrite: (params: Record<string, string>, body: unknown, reference: string) => PmsWrite) =>
    route(name, async (request) => {
      const spec: RouteSpec = ROUTES[name];
      const tenant = await tenantOfRequest(deps, headerOf(request, 'authorization'));
      await withinRate(deps, tenant);
      try {
        const params = parse(spec.params!, request.params, 'path') as Record<string, string>;
        const body = spec.body ? parse(spec.body, parseStrictJson(bodyBytes(request)), 'body') : undefined;
        const idempotencyKey = headerOf(request, 'idempotency-key');
        const fingerprint = IdempotencyKeys.fingerprint(spec.method, canonicalPath(spec.path, params), body ?? null);
        const commandId = pmsCommandId(tenant.tenantId, idempotencyKey, fingerprint);
        const answer = await handlePmsWrite(deps, {
          tenant,
          propertyId: params.propertyId!,
          commandId,
          write: toWrite(params, body, params.reference ?? commandId.replace(/^pms:/, '')),
          idempotencyKey,
          fingerprint,
          correlationId: headerOf(request, 'x-correlation-id')?.slice(0, 200),
        });
        deps.metrics.events.inc({ path: 'pms', channel: 'PMS', outcome: 'command' });
        return answer;
      } catch (error) {
        if (error instanceof Problem && error.status < 500) deps.metrics.events.inc({ path: 'pms', channel: 'PMS', outcome: 'refused' });
        throw error;
      }
    });
  type Body<S extends z.ZodType> = z.infer<S>;
  write('createBooking', (_p, body, reference) => {
    const b = body as Body<typeof ROUTES.createBooking.body>;
    return { kind: 'create_booking', reference: b.reference ?? reference, body: b };
  });
  write('modifyBooking', (p, body) => ({ kind: 'modify_booking', reference: p.reference!, body: body as Body<typeof ROUTES.modifyBooking.body> }));
  write('cancelBooking', (p, body) => ({ kind: 'cancel_booking', reference: p.reference!, body: body as Body<typeof ROUTES.cancelBooking.body> }));
  write('updateGuest', (p, body) => ({ kind: 'update_guest', reference: p.reference!, body: body as Body<typeof ROUTES.updateGuest.body> }));
  write('createBlock', (_p, body, reference) => {
    const b = body as Body<typeof ROUTES.createBlock.body>;
    return { kind: 'create_block', reference: b.reference ?? reference, body: b };
  });
  write('removeBlock', (p) => ({ kind: 'remove_block', reference: p.reference! }));

  const read = (name: RouteName, handler: (tenant: Awaited<ReturnType<typeof tenantOfRequest>>, params: Record<string, string>, query: unknown) => Promise<HttpAnswer>) =>
    route(name, async (request) => {
      const spec: RouteSpec = ROUTES[name];
      const tenant = await tenantOfRequest(deps, headerOf(request, 'authorization'));
      await withinRate(deps, tenant);
      return handler(tenant, spec.params ? (parse(spec.params, request.params, 'path') as Record<string, string>) : {}, spec.query ? parse(spec.query, request.query, 'query') : undefined);
    });
  read('readBooking', (tenant, p, query) => readBooking(deps, tenant, p.propertyId!, p.reference!, query as z.infer<typeof ROUTES.readBooking.query>));
  read('readCalendar', (tenant, p, query) => readCalendar(deps, tenant, p.propertyId!, query as z.infer<typeof ROUTES.readCalendar.query>));
  read('commandStatus', (tenant, p) => readCommandStatus(deps, tenant, p.commandId!));
  read('readLedgerNights', (tenant, p, query) => readLedgerNights(deps, tenant, p.propertyId!, query as z.infer<typeof ROUTES.readLedgerNights.query>));
  read('readStayHistory', (tenant, p) => readStayHistory(deps, tenant, p.propertyId!, p.stayKey!));
  read('readAudit', (tenant, _p, query) => readAudit(deps, tenant, query as z.infer<typeof ROUTES.readAudit.query>));

  // The revision feed: reads, and acknowledgements that change only the feed (no command, so no Idempotency-Key: acknowledging is idempotent by itself).
  const feed = (name: RouteName, handler: (tenant: Awaited<ReturnType<typeof tenantOfRequest>>, params: Record<string, string>, query: unknown, body: unknown) => Promise<HttpAnswer>) =>
    route(name, async (request) => {
      const spec: RouteSpec = ROUTES[name];
      const tenant = await tenantOfRequest(deps, headerOf(request, 'authorization'));
      await withinRate(deps, tenant);
      const params = spec.params ? (parse(spec.params, request.params, 'path') as Record<string, string>) : {};
      const query = spec.query ? parse(spec.query, request.query, 'query') : undefined;
      const body = spec.body ? parse(spec.body, parseStrictJson(bodyBytes(request)), 'body') : undefined;
      return handler(tenant, params, query, body);
    });
  feed('readRevisions', (tenant, _p, query) => readRevisions(deps, tenant, query as z.infer<typeof ROUTES.readRevisions.query>));
  feed('acknowledgeRevisions', (tenant, _p, _q, body) => acknowledgeRevisions(deps, tenant, body as z.infer<typeof ROUTES.acknowledgeRevisions.body>));
  feed('acknowledgeRevision', (tenant, p) => acknowledgeRevision(deps, tenant, p.revisionId!));

  // Rates are versioned per night and field: resending a request is safe without an Idempotency-Key.
  route('setRates', async (request) => {
    const tenant = await tenantOfRequest(deps, headerOf(request, 'authorization'));
    await withinRate(deps, tenant);
    const params = parse(ROUTES.setRates.params, request.params, 'path');
    const body = parse(ROUTES.setRates.body, parseStrictJson(bodyBytes(request)), 'body');
    return setRates(deps, tenant, params.propertyId, body, headerOf(request, 'x-correlation-id')?.slice(0, 200));
  });
  feed('readRates', (tenant, p, query) => readRates(deps, tenant, p.propertyId!, query as z.infer<typeof ROUTES.readRates.query>));

  // Operator data: exchange rates (their own scope: XML bodies, the operator token).
  registerExchangeRateRoutes(app, deps);

  await app.ready();
  return app;
}

/**
 * A caller's Idempotency-Key with the request it was sent with names one command, so a retry after
 * a crash is still one decision; the same key reused for another request once its record expired
 * names another command, not the decided one.
 */
function pmsCommandId(tenantId: string, idempotencyKey: string | undefined, fingerprint: string): string {
  if (idempotencyKey === undefined) return `pms:${randomUUID()}`;
  return `pms:${createHash('sha256').update(`${tenantId}\n${idempotencyKey}\n${fingerprint}`).digest('hex').slice(0, 40)}`;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw invalid(parsed.error, what);
  return parsed.data;
}

function bodyBytes(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The path a write's idempotency fingerprint holds: its template with each parameter as decoded
 * and encoded again, so one request spelled `/v1/properties/%50%31/...` and `/v1/properties/P1/...`
 * is one request (a path as sent made the retry a 422). The same as the path sent for ids that
 * need no escaping, so fingerprints kept before stay valid.
 */
function canonicalPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(params[name] ?? ''));
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(JSON.stringify(problem.body()));
}

/** Errors raised by fastify itself or by a dependency, as problems. */
function asProblem(error: unknown): Problem {
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'body_too_large', 'the body is larger than this API takes');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(414, 'uri_too_long', 'a path segment is longer than this API takes');
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'bad_url', 'the URL is not valid percent-encoding');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(400, 'invalid_content_length', 'Content-Length does not match the body');
    default:
      break;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new Problem(e.statusCode, 'bad_request', (e.message ?? 'bad request').slice(0, 200));
  const failure = dependencyErrorOf(error);
  if (failure) return new Problem(failure.status, failure.code, failure.message, undefined, failure.headers);
  return new Problem(500, 'internal_error', 'the request failed on our side');
}
