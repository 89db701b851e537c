export * from './types';
export { parseRetryAfter } from './retry-after';
export { AriApiAdapter } from './ari-api';
export { AriReservationClient, ARI_RESERVATION_CAPABILITIES } from './ari-reservations';
export { IcalFeedAdapter } from './ical-feed';
export { adaptersFor, listingTimeZones, type AdapterSettings, type ChannelConnection, type ListingTimeZones } from './adapters-for';
export { ChannelConnections, directoryConnections, type ChannelAdapters, type ConnectionAdapterSettings, type ConnectionDirectory } from './connections';
