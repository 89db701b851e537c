import { createServer, type Server } from 'node:http';
import { finished } from 'node:stream/promises';
import { answerFeedRequest, renderFeed, type CalendarEntry } from '@cm/ical';
import type { Channel } from '@cm/schemas';
import type { Logger } from '@cm/service-runtime';
import { mergeIntoRanges } from './plan/night-ranges';
import type { FeedFetch } from './store/feed-fetches';
import type { SyncStore } from './store/sync-store';

const FEED_PATH = /^\/ical\/([^/]{1,200})\.ics$/;

/** The listing whose current export token this is (@cm/directory's listingOfExportToken); undefined for an unknown or rotated one. */
export type ListingOfToken = (token: string) => Promise<{ channel: Channel; listingId: string } | undefined>;

/**
 * Serves each listing's export feed at `/ical/{token}.ics` (the listing's unguessable export
 * token; an unknown or rotated one is a 404): the nights that channel must show closed, as
 * all-day "Not available" events, with an ETag so a channel polling every few minutes gets `304`
 * until something changed. The token is the feed's credential: it is never logged. Each GET
 * answered is a fetch of the feed's version (the highest ledger version among the listing's
 * nights), handed to `fetched` once the answer is sent: a 200 gave the channel that version, a 304
 * told it that its copy is that version.
 */
export async function startFeedServer(store: SyncStore, listingOfToken: ListingOfToken, timeZoneOf: (channel: Channel, listingId: string) => Promise<string | undefined>, log: Logger, host: string, port: number, fetched: (fetch: FeedFetch) => Promise<void>): Promise<Server> {
  const server = createServer((request, response) => {
    void (async () => {
      const match = FEED_PATH.exec((request.url ?? '').split('?')[0]!);
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET and HEAD', { allow: 'GET, HEAD' });
      const listing = match ? await listingOfToken(match[1]!) : undefined;
      if (!listing) return send(404, 'no such feed');
      const { channel, listingId } = listing;
      const timeZone = await timeZoneOf(channel, listingId);
      if (!timeZone) return send(404, 'no such listing');
      const { nights, changedAtMs, version } = await store.closedNights({ channel, listingId });
      const ranges = mergeIntoRanges(nights.map((date) => ({ date, available: false, price: null, minStay: null, version: 0 })));
      // A UID is written as it is (no TEXT escaping): a listing id's ',', ';' or backslash would end or split it, so the id goes in percent-encoded.
      const entries: CalendarEntry[] = ranges.map((r) => ({ uid: `${channel.toLowerCase()}-${encodeURIComponent(listingId)}-${r.from}@channel-manager`, kind: 'blocked', checkIn: r.from, checkOut: r.to }));
      const text = renderFeed({ listingId, calendarName: `${channel} ${listingId}`, timeZone, entries, entriesChangedAt: new Date(changedAtMs) });
      const answer = answerFeedRequest(request.headers['if-none-match'], text);
      response.writeHead(answer.status, answer.headers);
      if (request.method === 'HEAD') return response.end();
      // The fetch is when the channel was given this version, not when the socket drained.
      const servedAtMs = Date.now();
      response.end(answer.body);
      // A channel that hung up before the answer was sent holds nothing new.
      if (!(await finished(response).then(() => true, () => false))) return;
      await fetched({ channel, listingId, version, atMs: servedAtMs, status: answer.status }).catch((error: unknown) => log.error({ err: error, channel, listingId, version }, 'a fetch of a feed was not recorded; its changes wait for the next fetch'));
    })().catch((error: unknown) => {
      log.error({ err: error }, 'feed failed');
      send(500, 'feed failed');
    });
    function send(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
      if (response.headersSent) return response.end();
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
