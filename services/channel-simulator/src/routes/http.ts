import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError, IcalOnlyListingError, InvalidRequestError, ListingNotFoundError, UnauthorizedError } from '../errors';
import type { Listing } from '../listing';
import type { ChannelPlatform } from '../platform';
import type { ApiEndpoint } from '../stats';
import type { RouteContext, SimulatorLog } from './context';

/** Parses input with a schema or throws a 400 listing every problem, each with its field path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].filter(Boolean).join('.'), message: issue.message })),
  );
}

export function requireListing(platform: ChannelPlatform, listingId: string): Listing {
  const listing = platform.listings.get(listingId);
  if (!listing) throw new ListingNotFoundError(listingId);
  return listing;
}

/**
 * A listing the platform API serves to this caller: an iCal-only one has no API for us (409
 * ical_only_listing); one with an API key answers only calls carrying it as a Bearer token (401
 * unauthorized).
 */
export function requireApiListing(platform: ChannelPlatform, listingId: string, request: FastifyRequest): Listing {
  const listing = requireListing(platform, listingId);
  if (listing.settings.sync === 'ical') throw new IcalOnlyListingError(listingId, 'the platform offers no API for it (its calendar follows the feed it polls, and its reservations reach you through its own feed)');
  const { apiKey } = listing.settings;
  if (apiKey !== null) {
    const sent = bearerOf(request.headers.authorization);
    if (sent === null) throw new UnauthorizedError(listingId, 'missing');
    if (!sameSecret(sent, apiKey)) throw new UnauthorizedError(listingId, 'wrong');
  }
  return listing;
}

function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** Compared as digests, in constant time: how long the sent key matches tells nothing. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Fastify's own refusals (body too large, bad JSON...) carry a statusCode; everything else is ours or a bug. */
interface HttpError {
  readonly statusCode: number;
  readonly message: string;
}

function isHttpError(error: unknown): error is HttpError {
  return error instanceof Error && typeof (error as Partial<HttpError>).statusCode === 'number';
}

/** The status and body for any error a handler or fastify raised: `{ error, message, ... }`. */
export function errorResponse(error: unknown, log: SimulatorLog): { status: number; body: Record<string, unknown> } {
  if (error instanceof ApiError) return { status: error.status, body: error.body() };
  if (isHttpError(error) && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: fastifyErrorCode(error.statusCode), message: error.message } };
  }
  log.error({ err: error }, 'unexpected error in a request');
  return { status: 500, body: { error: 'internal_error', message: 'the simulator failed; see its log' } };
}

/** A platform API route's error handler: 4xx the endpoint or fastify raised are answered here so they are counted as `rejected`. */
export function countedErrors(context: RouteContext, platform: ChannelPlatform, endpoint: ApiEndpoint) {
  return (error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = errorResponse(error, context.log);
    platform.stats.countCall(endpoint, status >= 500 ? 'failed' : 'rejected');
    return reply.code(status).send(body);
  };
}

export function sendError(reply: FastifyReply, error: unknown, log: SimulatorLog): FastifyReply {
  const { status, body } = errorResponse(error, log);
  return reply.code(status).send(body);
}

function fastifyErrorCode(status: number): string {
  switch (status) {
    case 413:
      return 'body_too_large';
    case 415:
      return 'unsupported_media_type';
    case 400:
      return 'malformed_body';
    default:
      return 'bad_request';
  }
}
