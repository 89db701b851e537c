import type { Channel } from '@cm/schemas';
import { formatDay } from './dates';
import type { Listing } from './listing';

/**
 * Everything a listing's iCal export shows, as plain data (ical-export.ts renders it as RFC 5545
 * in the platform's words). Stays holding nights (confirmed, or requested) become events; nights
 * the host closed, merged into ranges, become blocks. Dates are property-local, ranges half-open
 * `[start, end)` as in iCal's all-day DTSTART/DTEND.
 */

export interface FeedStay {
  readonly reservation_id: string;
  readonly start: string;
  readonly end: string;
  readonly guest_name: string | null;
  readonly revision: number;
  readonly updated_at: string;
}

export interface FeedBlock {
  readonly start: string;
  readonly end: string;
}

export interface ListingFeed {
  readonly channel: Channel;
  readonly listing_id: string;
  readonly time_zone: string;
  readonly stays: readonly FeedStay[];
  readonly blocks: readonly FeedBlock[];
}

export function listingFeed(channel: Channel, listing: Listing): ListingFeed {
  const stays = [...listing.reservations.values()]
    // A pending request holds its nights too, so the export shows them taken.
    .filter((reservation) => reservation.state === 'active' || reservation.state === 'pending')
    .sort((a, b) => a.range.from - b.range.from)
    .map((reservation) => ({
      reservation_id: reservation.id,
      start: formatDay(reservation.range.from),
      end: formatDay(reservation.range.to),
      guest_name: reservation.guest.name,
      revision: reservation.revision,
      updated_at: reservation.updatedAt,
    }));
  const blocks = listing.calendar.hostClosedRanges().map((range) => ({ start: formatDay(range.from), end: formatDay(range.to) }));
  return { channel, listing_id: listing.id, time_zone: listing.settings.timeZone, stays, blocks };
}
