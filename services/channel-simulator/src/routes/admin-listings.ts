import { randomUUID } from 'node:crypto';
import type { ChannelWebhookPayload } from '@cm/channel-webhooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Channel } from '@cm/schemas';
import type { ListingStatsResponse, RatePlansResponse, RatesResponse, ReservationsResponse, TruthCalendarResponse } from '../api-types';
import { channelSegment } from '../channels';
import { formatDay } from '../dates';
import { DEFAULTS } from '../defaults';
import { ApiError, IcalOnlyListingError, ReservationNotFoundError } from '../errors';
import { listingFeed } from '../feed';
import { formatMajorUnits } from '../money';
import type { Listing } from '../listing';
import { calendarQuery, listingIdParam, listingRegistration, ratePlanIdParam, reservationIdParam } from '../requests';
import { listingView, ratePlansView, reservationView } from '../views';
import type { RouteContext } from './context';
import { parseInput, requireListing } from './http';

/**
 * Admin: registering a listing with the connection it signs webhooks for, creating its rate
 * plans, and reading what the platform really holds (calendar, rate plans' terms, reservations
 * one by one or all, the listing's reservation counters, the iCal feed's data), untouched by faults.
 */

type ListingRequest = FastifyRequest<{ Params: { listingId: string } }>;
type ReservationRequest = FastifyRequest<{ Params: { listingId: string; reservationId: string } }>;

export function registerAdminListings(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const base = `/admin/${channelSegment(channel)}/listings/:listingId`;
  const defaultWebhookUrl = `${context.ingestUrl}/webhooks/${channelSegment(channel)}`;
  const webhookUrlOf = (listing: Listing) => (listing.settings.sync === 'ical' ? null : (listing.settings.webhookUrl ?? defaultWebhookUrl));
  const listingOf = (request: ListingRequest) => requireListing(platform, parseInput(listingIdParam, request.params.listingId, 'listingId'));

  app.put(base, async (request: ListingRequest, reply) => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    const body = parseInput(listingRegistration, request.body);
    const result = platform.register(listingId, {
      connectionId: body.connection_id,
      secret: body.secret,
      currency: body.currency,
      timeZone: body.time_zone,
      webhookUrl: body.webhook_url ?? null,
      sync: body.sync,
      importUrl: body.import_url ?? null,
      icalPollSeconds: body.ical_poll_seconds ?? DEFAULTS.icalPollSeconds,
      apiKey: body.api_key ?? null,
    });
    if (result.kind === 'currency_locked') {
      throw new ApiError(409, 'currency_locked', `listing '${listingId}' has prices in ${result.currency}; its currency cannot change`);
    }
    platform.icalPolling.configure(result.listing);
    reply.code(result.kind === 'created' ? 201 : 200);
    return listingView(channel, result.listing, webhookUrlOf(result.listing));
  });

  app.get(base, async (request: ListingRequest) => {
    const listing = listingOf(request);
    return listingView(channel, listing, webhookUrlOf(listing));
  });

  app.get(`${base}/calendar`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    const range = parseInput(calendarQuery, request.query, 'query');
    const answer: TruthCalendarResponse = { listing_id: listing.id, from: formatDay(range.from), to: formatDay(range.to), nights: listing.calendar.readTruth(range) };
    return answer;
  });

  app.get(`${base}/rates`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    const range = parseInput(calendarQuery, request.query, 'query');
    const answer: RatesResponse = { listing_id: listing.id, from: formatDay(range.from), to: formatDay(range.to), currency: listing.settings.currency, rate_plans: ratePlansView(listing, range) };
    return answer;
  });

  app.get(`${base}/rate-plans`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    const answer: RatePlansResponse = { listing_id: listing.id, rate_plans: listing.calendar.rates.ids() };
    return answer;
  });

  // The host creates a rate plan on the platform (201; 200 if it exists, left as it is), so ARI
  // updates and guests' bookings may name it. A new plan has no price and no rule.
  app.put(`${base}/rate-plans/:ratePlanId`, async (request: FastifyRequest<{ Params: { listingId: string; ratePlanId: string } }>, reply) => {
    const listing = listingOf(request);
    const created = listing.calendar.rates.create(parseInput(ratePlanIdParam, request.params.ratePlanId, 'ratePlanId'));
    reply.code(created ? 201 : 200);
    const answer: RatePlansResponse = { listing_id: listing.id, rate_plans: listing.calendar.rates.ids() };
    return answer;
  });

  // The platform tells ingest what its calendar shows (availability.reported), as some platforms
  // do on their own: the nights of [from, to) by its own truth, signed like every webhook.
  app.post(`${base}/calendar-report`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    if (listing.settings.sync === 'ical') throw new IcalOnlyListingError(listing.id, 'it sends no webhooks, calendar reports included');
    const range = parseInput(calendarQuery, request.body ?? {}, 'body');
    const nights = listing.calendar.readTruth(range).map((n) => ({
      date: n.date,
      available: n.available,
      price: n.price ? { amount: formatMajorUnits(n.price.amount_minor, n.price.currency), currency: n.price.currency } : null,
      min_stay: n.min_stay,
    }));
    const payload: ChannelWebhookPayload = { event_id: `evt_${randomUUID()}`, type: 'availability.reported', listing_id: listing.id, occurred_at: new Date().toISOString(), calendar: { revision: Date.now(), nights } };
    const { connectionId, secret, webhookUrl } = listing.settings;
    const webhook = await context.webhooks.deliver({ url: webhookUrl ?? defaultWebhookUrl, connectionId, secret }, payload);
    platform.stats.countWebhook(webhook.outcome, webhook.attempts);
    return { listing_id: listing.id, nights: nights.length, webhook };
  });

  app.get(`${base}/reservations`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    const answer: ReservationsResponse = {
      listing_id: listing.id,
      reservations: [...listing.reservations.values()].map((reservation) => reservationView(channel, reservation)),
    };
    return answer;
  });

  app.get(`${base}/reservations/:reservationId`, async (request: ReservationRequest) => {
    const listing = listingOf(request);
    const reservationId = parseInput(reservationIdParam, request.params.reservationId, 'reservationId');
    const reservation = listing.reservations.get(reservationId);
    if (!reservation) throw new ReservationNotFoundError(reservationId);
    return reservationView(channel, reservation);
  });

  app.get(`${base}/stats`, async (request: ListingRequest) => {
    const listing = listingOf(request);
    const answer: ListingStatsResponse = { listing_id: listing.id, reservations: listing.counters.view() };
    return answer;
  });

  app.get(`${base}/feed`, async (request: ListingRequest) => listingFeed(channel, listingOf(request)));
}
