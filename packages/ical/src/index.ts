/**
 * iCalendar (RFC 5545) feeds of a listing: render ours (ical-generator), serve it with ETags,
 * fetch a channel's by conditional GET, and parse it (node-ical) into stays and blocks.
 */
export type { CalendarEntry, DateWindow, EntryKind, LocalDate } from './calendar/types.js';
export { ENTRY_KINDS } from './calendar/types.js';

export { renderFeed, DEFAULT_PRODUCT_ID, EXPORTED_SUMMARY, type RenderFeedInput } from './export/render-feed.js';
export { feedEtag, ifNoneMatchMatches } from './export/etag.js';
export { answerFeedRequest, serveFeed, FEED_CONTENT_TYPE, type FeedResponse } from './export/answer-feed-request.js';

export { parseFeed } from './import/parse-feed.js';
export { classifyEvent, CLASSIFICATION_RULES, UNRECOGNISED_KIND, type Classification } from './import/classify-event.js';
export { PLAUSIBLE_DATES } from './import/stay-nights.js';
export {
  FEED_LEVEL_PROBLEMS,
  type FeedProblem,
  type FeedProblemCode,
  type ParseFeedOptions,
  type ParseFeedResult,
} from './import/types.js';

export { fetchFeed, DEFAULT_MAX_FEED_BYTES, type FetchFeedOptions, type FetchFeedResult } from './fetch/fetch-feed.js';

export {
  IcalError,
  InvalidFeedInputError,
  InvalidTimeZoneError,
  InvalidDateWindowError,
  FeedHttpStatusError,
  FeedTimeoutError,
  FeedTooLargeError,
  FeedNetworkError,
  type FeedFetchError,
} from './errors.js';
