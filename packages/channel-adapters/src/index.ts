export * from './types';
export { parseRetryAfter } from './retry-after';
export { AriApiAdapter } from './ari-api';
export { IcalFeedAdapter } from './ical-feed';
export { adaptersFor, listingTimeZones, type AdapterSettings } from './adapters-for';
