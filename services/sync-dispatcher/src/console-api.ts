import { listingsOfProperties, propertyExists, propertyIdsOfTenant, tenantOfAuthorization } from '@cm/directory';
import { calendarRange, parseLocalDate } from '@cm/domain';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Problem, frameworkErrorProblem, refuseUnknownQuery, requireIdentifier, problemOfError, refuseIllFormedUrl, withinTenantRate, type BucketLimits, type Knex, type Logger, type TakeResult } from '@cm/service-runtime';
import type { ChannelSideReads } from './store/channel-side-reads';

export interface ConsoleApiDeps {
  readonly db: Knex;
  readonly reads: ChannelSideReads;
  readonly log: Logger;
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  /** Requests a second one tenant may make (bursts of twice that). */
  readonly ratePerSecond: number;
  readonly now: () => number;
}

/** Most push calls a listing-night's history answers, newest first. */
const CALLS_OF_NIGHT = 100;
/** Most push calls a booking's channel activity answers. */
const CALLS_OF_BOOKING = 500;
/** Most correlation ids one read of a booking's channel activity takes. */
const MAX_CORRELATIONS = 100;

/**
 * The channel side for the operator console (issue 23.3 to 23.5), read-only: per night of each
 * listing of a property whether its state is on the channel, the calls that carried a night, what
 * was done on the channels for a booking, and each channel's health per property. A tenant reads
 * with its API key, within its rate, its own properties only: another tenant's answers 404 as a
 * missing one does.
 */
export async function startConsoleApi(deps: ConsoleApiDeps, host: string, port: number): Promise<FastifyInstance> {
  const app = consoleApi(deps);
  await app.listen({ host, port });
  return app;
}

export function consoleApi(deps: ConsoleApiDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Ids are up to 200 characters, which percent-encoding can triple.
    routerOptions: { maxParamLength: 1_000 },
    // A URL the router cannot decode (a bad % escape, bytes that are not UTF-8) is answered before any route: with a problem document too.
    frameworkErrors: (error, _request, reply) => void send(reply, frameworkErrorProblem(error)),
  });
  app.addHook('onRequest', async (request) => refuseIllFormedUrl(request.raw.url));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
    send(reply, problemOfError(error, (err) => deps.log.error({ err }, 'console read failed'), 'the read failed; see the service log')),
  );
  app.setNotFoundHandler((request, reply) => send(reply, new Problem(404, 'no_such_route', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`)));

  /** The tenant of the key, within its rate, and the property if it is that tenant's (404 otherwise). */
  const propertyOfCaller = async (authorization: string | undefined, propertyId: string): Promise<string> => {
    const tenantId = await tenantOf(authorization);
    requireIdentifier('propertyId', propertyId);
    if (!(await propertyExists(deps.db, propertyId, tenantId))) throw new Problem(404, 'property_not_found', `no property '${propertyId}' for this API key`);
    return tenantId;
  };
  const tenantOf = async (authorization: string | undefined): Promise<string> => {
    const tenantId = await tenantOfAuthorization(deps.db, authorization);
    await withinTenantRate(deps.buckets, 'console-sync', tenantId, deps.ratePerSecond);
    return tenantId;
  };
  const listingsOf = async (propertyIds: readonly string[]) => (await listingsOfProperties(deps.db, propertyIds)).map((l) => ({ channel: l.channel, listingId: l.listing_id, propertyId: l.property_id }));

  app.get<{ Params: { propertyId: string }; Querystring: Record<string, string> }>('/v1/properties/:propertyId/channel-nights', async (request) => {
    await propertyOfCaller(request.headers.authorization, request.params.propertyId);
    const range = rangeOf(request.query);
    const listings = await listingsOf([request.params.propertyId]);
    const nights = await deps.reads.nightsOf(listings, range.from, range.to);
    return {
      property_id: request.params.propertyId,
      from: range.from,
      to: range.to,
      listings: listings.map((l) => ({ channel: l.channel, listing_id: l.listingId, nights: nights.get(`${l.channel}\u0000${l.listingId}`) ?? [] })),
    };
  });

  app.get<{ Params: { propertyId: string; channel: string; listingId: string; night: string }; Querystring: Record<string, string> }>('/v1/properties/:propertyId/listings/:channel/:listingId/nights/:night/pushes', async (request) => {
    const { propertyId, listingId, night } = request.params;
    await propertyOfCaller(request.headers.authorization, propertyId);
    refuseUnknownQuery(request.query);
    const channel = channelOf(request.params.channel);
    requireIdentifier('listingId', listingId);
    const parsed = parseLocalDate(night);
    if (parsed === 'not_iso_date' || parsed === 'not_a_calendar_day') throw new Problem(400, 'invalid_night', `night: ${parsed === 'not_iso_date' ? 'a YYYY-MM-DD date' : 'no such calendar day'}`, [{ path: 'night', message: parsed }]);
    const listings = await listingsOf([propertyId]);
    if (!listings.some((l) => l.channel === channel && l.listingId === listingId)) throw new Problem(404, 'listing_not_found', `no ${channel} listing '${listingId}' at this property`);
    return { property_id: propertyId, channel, listing_id: listingId, night, pushes: await deps.reads.callsOfNight({ channel, listingId, propertyId }, night, CALLS_OF_NIGHT) };
  });

  app.get<{ Params: { propertyId: string; stayKey: string }; Querystring: Record<string, string> }>('/v1/properties/:propertyId/stays/:stayKey/channel-activity', async (request) => {
    const { propertyId, stayKey } = request.params;
    await propertyOfCaller(request.headers.authorization, propertyId);
    const { correlation_ids: listed, ...rest } = request.query;
    refuseUnknownQuery(rest);
    requireIdentifier('stayKey', stayKey);
    const correlationIds = correlationsOf(listed);
    const separator = stayKey.indexOf(':');
    const source = separator > 0 ? stayKey.slice(0, separator) : '';
    const reference = stayKey.slice(separator + 1);
    if (separator <= 0 || reference === '') throw new Problem(400, 'invalid_stay_key', "stayKey: '<source>:<reference>', as the ledger names a stay", [{ path: 'stayKey', message: 'not <source>:<reference>' }]);
    const channel = (ChannelSymbols as readonly string[]).includes(source) ? (source as Channel) : null;
    const [actions, pushes] = await Promise.all([channel ? deps.reads.actionsOf(propertyId, channel, reference) : [], deps.reads.callsOfCorrelations(propertyId, correlationIds, CALLS_OF_BOOKING)]);
    return { property_id: propertyId, stay_key: stayKey, reservation_actions: actions, pushes };
  });

  app.get<{ Querystring: Record<string, string> }>('/v1/channel-health', async (request) => {
    const tenantId = await tenantOf(request.headers.authorization);
    const { property_id: propertyId, ...rest } = request.query;
    refuseUnknownQuery(rest);
    let propertyIds: string[];
    if (propertyId !== undefined) {
      requireIdentifier('property_id', propertyId);
      if (!(await propertyExists(deps.db, propertyId, tenantId))) throw new Problem(404, 'property_not_found', `no property '${propertyId}' for this API key`);
      propertyIds = [propertyId];
    } else {
      propertyIds = (await propertyIdsOfTenant(deps.db, tenantId)).map((r: { property_id: string }) => r.property_id);
    }
    return { at: new Date(deps.now()).toISOString(), channels: await deps.reads.health(await listingsOf(propertyIds), deps.now()) };
  });
  return app;
}

function rangeOf(query: Record<string, string>): { from: string; to: string } {
  const { from, to, ...rest } = query;
  refuseUnknownQuery(rest);
  if (typeof from !== 'string' || typeof to !== 'string') throw new Problem(400, 'invalid_range', 'from and to, once each: the nights [from, to), YYYY-MM-DD', [{ path: typeof from !== 'string' ? 'from' : 'to', message: 'required once' }]);
  const range = calendarRange(from, to);
  if ('problem' in range) throw new Problem(400, 'invalid_range', range.problem, [{ path: 'to', message: range.problem }]);
  return range;
}

function channelOf(value: string): Channel {
  if (!(ChannelSymbols as readonly string[]).includes(value)) throw new Problem(400, 'invalid_channel', `channel: one of ${ChannelSymbols.join(', ')}`, [{ path: 'channel', message: 'unknown channel' }]);
  return value as Channel;
}

function correlationsOf(listed: unknown): string[] {
  if (listed === undefined || listed === '') return [];
  // A repeated parameter arrives as an array: the ids go in one, comma-separated.
  if (typeof listed !== 'string') throw new Problem(400, 'invalid_id', 'correlation_ids: once, the ids separated by commas', [{ path: 'correlation_ids', message: 'given more than once' }]);
  const ids = [...new Set(listed.split(','))];
  if (ids.length > MAX_CORRELATIONS) throw new Problem(400, 'too_many_correlations', `correlation_ids: at most ${MAX_CORRELATIONS}`, [{ path: 'correlation_ids', message: 'too many' }]);
  for (const id of ids) requireIdentifier('correlation_ids', id);
  return ids;
}

/** An RFC 9457 problem document with a stable code, as every API of ours answers errors. */
function send(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.body());
}
