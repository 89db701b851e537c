import { answerFeedRequest, type FeedResponse } from '@cm/ical';
import type { Channel } from '@cm/schemas';
import ical, { ICalCalendarMethod } from 'ical-generator';
import { listingFeed } from './feed';
import { FEED_STYLES } from './ical-feed-style';
import type { Listing } from './listing';

/**
 * The platform's iCal export of a listing, RFC 5545 as the platform writes it (ical-feed-style.ts):
 * every stay holding nights (confirmed or requested) and every range the host closed, as all-day
 * events, served with a strong ETag and Last-Modified so a poll of an unchanged feed is a 304.
 * @cm/ical's renderFeed is not used: it writes only our own words ("Reserved", "Not available"),
 * and the importer must be tested on each platform's.
 */

export interface PlatformFeedEvent {
  readonly uid: string;
  /** Property-local days, half-open as iCal's all-day DTSTART/DTEND. */
  readonly start: string;
  readonly end: string;
  readonly summary: string;
  readonly description?: string;
}

/** What a fault makes the feed serve instead: no events, or a body cut short (no END:VCALENDAR). */
export type FeedBreakage = 'empty' | 'truncated';

export interface FeedConditions {
  readonly ifNoneMatch: string | undefined;
  readonly ifModifiedSince: string | undefined;
}

export interface PlatformFeedAnswer extends FeedResponse {
  /** The ETag of the text served (or held by the client, on a 304). */
  readonly etag: string;
}

export function platformFeedEvents(channel: Channel, listing: Listing): PlatformFeedEvent[] {
  const style = FEED_STYLES[channel];
  const feed = listingFeed(channel, listing);
  const stays = feed.stays.map((stay) => ({
    uid: style.uid(listing.id, `reservation:${stay.reservation_id}`),
    start: stay.start,
    end: stay.end,
    ...style.stay({ reservationId: stay.reservation_id, guestName: stay.guest_name, guestPhone: listing.reservations.get(stay.reservation_id)?.guest.phone ?? null }),
  }));
  // Nights closed by an imported calendar are not exported again (as the platforms do): a host
  // syncing two calendars both ways would otherwise get each one's blocks back as the other's.
  const importsItsClosures = listing.settings.sync === 'ical' && listing.settings.importUrl !== null;
  const blocks = importsItsClosures ? [] : feed.blocks.map((block) => ({ uid: style.uid(listing.id, `block:${block.start}/${block.end}`), start: block.start, end: block.end, summary: style.blockSummary }));
  return [...stays, ...blocks].sort((a, b) => (a.start !== b.start ? compare(a.start, b.start) : compare(a.uid, b.uid)));
}

/** The feed's text: DTSTAMP is the version's time, so the same events render the same bytes. */
export function renderPlatformFeed(channel: Channel, events: readonly PlatformFeedEvent[], stampedAtMs: number): string {
  const calendar = ical({
    // ical-generator writes PRODID as '-' + what it is given.
    prodId: FEED_STYLES[channel].productId.replace(/^-/, ''),
    method: ICalCalendarMethod.PUBLISH,
  });
  for (const event of events) {
    calendar.createEvent({
      id: event.uid,
      allDay: true,
      // UTC midnights and no calendar zone: ical-generator prints the day from the UTC fields.
      start: new Date(`${event.start}T00:00:00Z`),
      end: new Date(`${event.end}T00:00:00Z`),
      stamp: new Date(stampedAtMs),
      summary: event.summary,
      ...(event.description === undefined ? {} : { description: event.description }),
    });
  }
  // RFC 5545 ends every content line with CRLF, the last one too; ical-generator stops short of it.
  return `${calendar.toString()}\r\n`;
}

/**
 * A GET of the listing's feed: its current version (304 when the client's If-None-Match names it,
 * or, without one, when If-Modified-Since is not older than it), or what a fault serves instead.
 */
export function answerPlatformFeed(channel: Channel, listing: Listing, conditions: FeedConditions, breakage: FeedBreakage | null, nowMs: number): PlatformFeedAnswer {
  const events = platformFeedEvents(channel, listing);
  const versionMs = listing.ical.exportVersion.stamp(JSON.stringify(events), nowMs);
  const text = renderPlatformFeed(channel, events, versionMs);
  if (breakage !== null) {
    // No Last-Modified: a broken body is not a version of the calendar a client may revalidate by date.
    const broken = breakage === 'empty' ? renderPlatformFeed(channel, [], versionMs) : truncated(text);
    return withEtag(answerFeedRequest(conditions.ifNoneMatch, broken));
  }
  const lastModified = new Date(versionMs).toUTCString();
  const answer = answerFeedRequest(conditions.ifNoneMatch, text);
  if (answer.status === 200 && conditions.ifNoneMatch === undefined && notModifiedSince(conditions.ifModifiedSince, versionMs)) {
    return withEtag({ status: 304, headers: { ETag: answer.headers.ETag!, 'Cache-Control': answer.headers['Cache-Control']!, 'Last-Modified': lastModified }, body: '' });
  }
  return withEtag({ ...answer, headers: { ...answer.headers, 'Last-Modified': lastModified } });
}

/** The first half of the feed's lines: a body cut short, as a dropped connection or a broken proxy leaves it. */
function truncated(text: string): string {
  const lines = text.split('\r\n');
  return `${lines.slice(0, Math.floor(lines.length / 2)).join('\r\n')}\r\n`;
}

/** RFC 9110 §13.1.3: not modified when the version is no later than the date the client holds (whole seconds). */
function notModifiedSince(header: string | undefined, versionMs: number): boolean {
  if (header === undefined) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && versionMs <= since;
}

function withEtag(answer: FeedResponse): PlatformFeedAnswer {
  return { ...answer, etag: answer.headers.ETag! };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
