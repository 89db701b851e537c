import type { BookingStatus, Channel } from '@cm/schemas';

/**
 * Each channel's own words for a reservation's state, as their APIs spell them, read
 * case-insensitively. A word not listed is refused rather than guessed at.
 */
export const STATUS_VOCABULARY: Readonly<Record<Channel, Readonly<Record<string, BookingStatus>>>> = {
  AIRBNB: { accepted: 'CONFIRMED', pending: 'PENDING', inquiry: 'PENDING', cancelled: 'CANCELLED', canceled: 'CANCELLED', denied: 'REJECTED', declined: 'REJECTED', expired: 'REJECTED' },
  BOOKING_COM: { new: 'CONFIRMED', modified: 'CONFIRMED', confirmed: 'CONFIRMED', request: 'PENDING', cancelled: 'CANCELLED', no_show: 'CANCELLED' },
  VRBO: { booked: 'CONFIRMED', reserved: 'CONFIRMED', tentative: 'PENDING', cancelled: 'CANCELLED', declined: 'REJECTED' },
  EXPEDIA: { booked: 'CONFIRMED', confirmed: 'CONFIRMED', pending: 'PENDING', cancelled: 'CANCELLED', rejected: 'REJECTED' },
};

export function channelStatus(channel: Channel, word: string): BookingStatus | undefined {
  return STATUS_VOCABULARY[channel][word.trim().toLowerCase()];
}
