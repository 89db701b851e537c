import type { Channel } from '@cm/schemas';

/**
 * The channels the simulator plays, by the lower-case word that prefixes their routes
 * (`/airbnb/api/...`, `/admin/booking_com/...`) and ingest's webhook path.
 */
export const CHANNEL_SEGMENTS = {
  AIRBNB: 'airbnb',
  BOOKING_COM: 'booking_com',
  VRBO: 'vrbo',
  EXPEDIA: 'expedia',
} as const satisfies Record<Channel, string>;

export type ChannelSegment = (typeof CHANNEL_SEGMENTS)[Channel];

export const SIMULATED_CHANNELS = Object.keys(CHANNEL_SEGMENTS) as Channel[];

export function channelSegment(channel: Channel): ChannelSegment {
  return CHANNEL_SEGMENTS[channel];
}
