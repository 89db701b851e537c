import { timeZoneOfListing } from '@cm/directory';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { TtlCache, type CacheTime, type Knex } from '@cm/service-runtime';
import { AriApiAdapter } from './ari-api';
import { IcalFeedAdapter } from './ical-feed';
import type { ChannelAdapter, ReservationOperations } from './types';

/** A channel as the services reach it: ARI pushes and reads, and the reservation operations it offers. */
export type ChannelConnection = ChannelAdapter & ReservationOperations;

export interface AdapterSettings {
  /** Where each channel's ARI API is; `{channel}` becomes airbnb, booking_com, vrbo or expedia. */
  readonly apiBaseUrl: string;
  /** Channels reached by iCal feeds instead. */
  readonly icalChannels: readonly Channel[];
  /** A channel's own feed of a listing: `{channel}` and `{listing}` replaced. */
  readonly icalImportUrlTemplate: string | undefined;
  readonly timeoutMs: number;
  /** The IANA zone of a listing's property: an iCal feed's dates are read in it. */
  readonly timeZoneOf: (channel: Channel, listingId: string) => Promise<string | undefined>;
}

/** One adapter per channel, as configured: an ARI API, or iCal for the channels named. */
export function adaptersFor(settings: AdapterSettings): Map<Channel, ChannelConnection> {
  return new Map<Channel, ChannelConnection>(
    ChannelSymbols.map((channel) => [
      channel,
      settings.icalChannels.includes(channel)
        ? new IcalFeedAdapter(channel, settings.icalImportUrlTemplate?.replace('{channel}', channel.toLowerCase()) ?? null, settings.timeZoneOf, settings.timeoutMs)
        : new AriApiAdapter(channel, settings.apiBaseUrl.replace('{channel}', channel.toLowerCase()), settings.timeoutMs),
    ]),
  );
}

/** The time zone of a listing's property; `forget` empties its cache (the directory changed). */
export interface ListingTimeZones {
  (channel: Channel, listingId: string): Promise<string | undefined>;
  forget(): void;
}

/** The time zone of a listing's property, from the directory (@cm/directory), cached for `cacheMs`. */
export function listingTimeZones(db: Knex, cacheMs: CacheTime): ListingTimeZones {
  const zones = new TtlCache<string>(cacheMs);
  const of = (channel: Channel, listingId: string) => zones.get(listingKey(channel, listingId), () => timeZoneOfListing(db, channel, listingId));
  return Object.assign(of, { forget: () => zones.clear() });
}

/** A listing's key in this package's caches: a listing id is the channel's, so the channel is part of it. */
export function listingKey(channel: Channel, listingId: string): string {
  return `${channel}\u0000${listingId}`;
}
