import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Channel } from '@cm/schemas';
import type { IcalPollResponse } from '../api-types';
import { channelSegment } from '../channels';
import { ApiError } from '../errors';
import { answerPlatformFeed } from '../ical-export';
import { pollOutcomeView } from '../ical-record';
import { listingIdParam } from '../requests';
import { listingView } from '../views';
import type { RouteContext } from './context';
import { passFaults } from './fault-gate';
import { countedErrors, parseInput, requireListing } from './http';

/**
 * iCal, both ways: the platform's export feed of a listing (`GET /{channel}/ical/{listingId}.ics`,
 * through the channel's faults like its API, counted as `ical_feed`), and asking the platform to
 * poll our feed of an iCal listing now (`POST /admin/{channel}/listings/{listingId}/ical/poll`).
 */

const FEED_FILE = /^(.+)\.ics$/;

export function registerIcal(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const segment = channelSegment(channel);

  app.get(`/${segment}/ical/:file`, { errorHandler: countedErrors(context, platform, 'ical_feed') }, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = FEED_FILE.exec(request.params.file);
    if (!file) throw new ApiError(404, 'not_found', `no feed '${request.params.file}': feeds are /${segment}/ical/{listingId}.ics`);
    const listingId = parseInput(listingIdParam, file[1], 'listingId');
    if (!(await passFaults(context, platform, 'ical_feed', listingId, request, reply))) return reply;
    const listing = requireListing(platform, listingId);
    const conditions = { ifNoneMatch: request.headers['if-none-match'], ifModifiedSince: request.headers['if-modified-since'] };
    const breakage = platform.faults.feedBreakage();
    const answer = answerPlatformFeed(channel, listing, conditions, breakage, Date.now());
    platform.stats.countCall('ical_feed', 'ok');
    listing.ical.recordFetch(breakage !== null ? 'broken' : answer.status === 304 ? 'not_modified' : 'full', answer.etag, new Date().toISOString());
    return reply.code(answer.status).headers(answer.headers).send(answer.status === 304 ? undefined : answer.body);
  });

  app.post(`/admin/${segment}/listings/:listingId/ical/poll`, async (request: FastifyRequest<{ Params: { listingId: string } }>) => {
    const listing = requireListing(platform, parseInput(listingIdParam, request.params.listingId, 'listingId'));
    if (listing.settings.sync !== 'ical') throw new ApiError(409, 'not_ical_listing', `listing '${listing.id}' syncs by API; the platform polls no feed of it (register it with sync: 'ical' and an import_url)`);
    if (listing.settings.importUrl === null) throw new ApiError(409, 'no_import_url', `listing '${listing.id}' has no import_url to poll (set one with PUT /admin/{channel}/listings/{listingId})`);
    const outcome = await platform.icalPolling.poll(listing);
    const answer: IcalPollResponse = { listing_id: listing.id, poll: pollOutcomeView(outcome), listing: listingView(channel, listing, null) };
    return answer;
  });
}
