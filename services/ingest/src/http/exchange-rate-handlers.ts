import { createHash, timingSafeEqual } from 'node:crypto';
import type { LocalDate } from '@cm/domain';
import { loadEcbXml, RatesRefusedError, utf8Text, type ReferenceRates } from '@cm/exchange-rates';
import { invalid, Problem } from '@cm/service-runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { HttpAnswer } from './decision-response';
import { fastifyPath, ROUTES } from './routes';

export interface ExchangeRateDeps {
  readonly exchangeRates: ReferenceRates;
  /** OPERATOR_API_TOKEN; undefined turns the operator routes off (403). */
  readonly operatorToken: string | undefined;
  readonly exchangeRatesBodyLimitBytes: number;
  readonly now: () => number;
}

const XML_MEDIA_TYPES = ['application/xml', 'text/xml'];

/**
 * Operator data: the exchange rates. Registered in a scope of their own, whose only body parser
 * takes any media type as bytes up to EXCHANGE_RATES_BODY_LIMIT_BYTES: the rest of the API keeps
 * refusing anything but JSON at its own limit. The token and the media type are checked before
 * the body is read.
 */
export function registerExchangeRateRoutes(app: FastifyInstance, deps: ExchangeRateDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.exchangeRatesBodyLimitBytes }, (_request, body, done) => done(null, body));
    const load = ROUTES.loadExchangeRates;
    scope.route({
      method: load.method,
      url: fastifyPath(load.path),
      bodyLimit: deps.exchangeRatesBodyLimitBytes,
      onRequest: async (request) => {
        authenticateOperator(deps, request.headers.authorization);
        requireXml(request.headers['content-type']);
      },
      handler: async (request, reply) => send(reply, await loadRates(deps, request)),
    });
    const read = ROUTES.readExchangeRates;
    scope.route({
      method: read.method,
      url: fastifyPath(read.path),
      onRequest: async (request) => authenticateOperator(deps, request.headers.authorization),
      handler: async (request, reply) => send(reply, await readRates(deps, parse(read.query, request.query))),
    });
  });
}

/** `Authorization: Bearer <OPERATOR_API_TOKEN>`, compared in constant time (as SHA-256 digests, so the length is not told either). */
export function authenticateOperator(deps: Pick<ExchangeRateDeps, 'operatorToken'>, authorization: string | undefined): void {
  if (deps.operatorToken === undefined) throw new Problem(403, 'operator_api_disabled', 'operator routes are off: set OPERATOR_API_TOKEN on ingest to use them');
  const match = /^Bearer\s+(\S{1,500})$/i.exec(authorization ?? '');
  if (!match) throw new Problem(401, 'missing_operator_token', 'send the operator token as `Authorization: Bearer <token>`', undefined, { 'www-authenticate': 'Bearer' });
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (!timingSafeEqual(digest(match[1]!), digest(deps.operatorToken))) throw new Problem(401, 'invalid_operator_token', 'the operator token is wrong', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

function requireXml(contentType: string | undefined): void {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (!XML_MEDIA_TYPES.includes(mediaType)) throw new Problem(415, 'unsupported_media_type', `send the ECB's XML as ${XML_MEDIA_TYPES.join(' or ')}, not ${mediaType || 'no Content-Type'}`);
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new Problem(415, 'unsupported_media_type', `send the XML as UTF-8, not ${charset.slice(0, 40)}`);
}

async function loadRates(deps: ExchangeRateDeps, request: FastifyRequest): Promise<HttpAnswer> {
  const query = parse(ROUTES.loadExchangeRates.query, request.query);
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  try {
    const outcome = await loadEcbXml(deps.exchangeRates, utf8Text(bytes, 'the body'), { source: 'api', nowMs: deps.now(), unknownCurrencies: query.unknown_currencies });
    return {
      status: 200,
      body: { dates: outcome.dates, first_date: outcome.firstDate, last_date: outcome.lastDate, inserted: outcome.inserted, updated: outcome.updated, unchanged: outcome.unchanged, skipped: outcome.skipped },
    };
  } catch (error) {
    if (!(error instanceof RatesRefusedError)) throw error;
    throw new Problem(400, error.code, error.message, [{ path: error.location ? `body:${error.location.line}:${error.location.column}` : 'body', message: error.reason }]);
  }
}

async function readRates(deps: ExchangeRateDeps, query: z.infer<typeof ROUTES.readExchangeRates.query>): Promise<HttpAnswer> {
  const inForce = await deps.exchangeRates.inForce(query.date as LocalDate);
  if (!inForce) throw new Problem(404, 'no_exchange_rates', `no reference rates published on or before ${query.date}`);
  return {
    status: 200,
    body: { date: inForce.date, rate_date: inForce.rateDate, base: 'EUR', rates: inForce.rates.map((r) => ({ currency: r.currency, rate: r.rate, source: r.source, loaded_at: r.loadedAt.toISOString() })) },
  };
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw invalid(parsed.error, 'query');
  return parsed.data;
}

function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body));
}
