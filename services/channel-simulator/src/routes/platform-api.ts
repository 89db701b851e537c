import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Channel } from '@cm/schemas';
import type { CalendarResponse, RatesResponse } from '../api-types';
import { channelSegment } from '../channels';
import { formatDay } from '../dates';
import { ApiError, UnknownRatePlanError } from '../errors';
import type { Listing } from '../listing';
import type { Ack, ChannelPlatform } from '../platform';
import { requestFingerprint } from '../request-ledger';
import { availabilityRequest, calendarQuery, listingIdParam, ratesRequest } from '../requests';
import type { ApiEndpoint } from '../stats';
import { ratePlansView } from '../views';
import type { RouteContext } from './context';
import { passFaults } from './fault-gate';
import { countedErrors, parseInput, requireApiListing } from './http';

/**
 * The platform's ARI API, what the sync-dispatcher and the reconciler call: availability pushes
 * and price and restriction pushes per rate plan (deduped by request_id), calendar reads and
 * rate plan reads. Reservation operations are in platform-reservations.ts.
 */

type ListingRequest = FastifyRequest<{ Params: { listingId: string } }>;

export function registerPlatformApi(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const base = `/${channelSegment(channel)}/api/listings/:listingId`;

  const counted = (endpoint: ApiEndpoint) => countedErrors(context, platform, endpoint);

  app.post(`${base}/availability`, { errorHandler: counted('availability') }, async (request: ListingRequest, reply) => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    if (!(await passFaults(context, platform, 'availability', listingId, request, reply))) return reply;
    const listing = requireApiListing(platform, listingId, request);
    const body = parseInput(availabilityRequest, request.body);
    const updates = body.updates.map((u) => ({ range: { from: u.from, to: u.to }, available: u.available }));
    return acknowledge(platform, 'availability', listing, body.request_id, body.updates, (mode) => listing.calendar.setAvailability(updates, mode));
  });

  app.post(`${base}/rates`, { errorHandler: counted('rates') }, async (request: ListingRequest, reply) => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    if (!(await passFaults(context, platform, 'rates', listingId, request, reply))) return reply;
    const listing = requireApiListing(platform, listingId, request);
    const body = parseInput(ratesRequest, request.body);
    const currency = listing.settings.currency;
    const foreign = body.updates.findIndex((u) => u.set.price && u.set.price.currency !== currency);
    if (foreign >= 0) {
      throw new ApiError(400, 'currency_mismatch', `updates.${foreign}.price: this listing is priced in ${currency}`, { listing_currency: currency });
    }
    const rates = listing.calendar.rates;
    const unknown = body.updates.findIndex((u) => !rates.has(u.ratePlanId));
    if (unknown >= 0) throw new UnknownRatePlanError(body.updates[unknown]!.ratePlanId, rates.ids(), `updates.${unknown}.rate_plan_id`);
    return acknowledge(platform, 'rates', listing, body.request_id, body.updates, (mode) => rates.set(body.updates, mode));
  });

  app.get(`${base}/rates`, { errorHandler: counted('read_rates') }, async (request: ListingRequest, reply) => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    if (!(await passFaults(context, platform, 'read_rates', listingId, request, reply))) return reply;
    const listing = requireApiListing(platform, listingId, request);
    const range = parseInput(calendarQuery, request.query, 'query');
    platform.stats.countCall('read_rates', 'ok');
    const answer: RatesResponse = { listing_id: listing.id, from: formatDay(range.from), to: formatDay(range.to), currency: listing.settings.currency, rate_plans: ratePlansView(listing, range) };
    return answer;
  });

  app.get(`${base}/calendar`, { errorHandler: counted('calendar') }, async (request: ListingRequest, reply) => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    if (!(await passFaults(context, platform, 'calendar', listingId, request, reply))) return reply;
    const listing = requireApiListing(platform, listingId, request);
    const range = parseInput(calendarQuery, request.query, 'query');
    platform.stats.countCall('calendar', 'ok');
    const answer: CalendarResponse = { listing_id: listing.id, from: formatDay(range.from), to: formatDay(range.to), nights: listing.calendar.read(range) };
    return answer;
  });
}

/**
 * The write path shared by availability and rates: a request_id seen before gets its first ack
 * back untouched; a new one is applied (or, when the lost-update fault picks it, only counted as
 * if applied) and remembered.
 */
function acknowledge(
  platform: ChannelPlatform,
  endpoint: 'availability' | 'rates',
  listing: Listing,
  requestId: string,
  updates: unknown,
  apply: (mode: 'apply' | 'dry_run') => number,
): Ack {
  const fingerprint = requestFingerprint(endpoint, listing.id, updates);
  const previous = platform.requests.answered(requestId, fingerprint);
  if (previous) {
    platform.stats.countCall(endpoint, 'duplicate');
    return previous;
  }
  const lost = platform.faults.loseUpdate();
  const nightsChanged = apply(lost ? 'dry_run' : 'apply');
  const ack: Ack = { ack_id: `ack_${randomUUID()}`, request_id: requestId, listing_id: listing.id, nights_changed: nightsChanged };
  platform.requests.remember(requestId, fingerprint, ack);
  platform.stats.countCall(endpoint, lost ? 'lost' : 'ok');
  return ack;
}
