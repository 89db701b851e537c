/**
 * iCalendar (RFC 5545) feeds of a listing: render ours (ical-generator), serve it with ETags,
 * fetch a channel's by conditional GET, and parse it (node-ical) into stays and blocks.
 */
export type { CalendarEntry, DateWindow, EntryKind, LocalDate } from './calendar/types';

export { renderFeed, DEFAULT_PRODUCT_ID, EXPORTED_SUMMARY, type RenderFeedInput } from './export/render-feed';
export { feedEtag, ifNoneMatchMatches } from './export/etag';
export { answerFeedRequest, serveFeed, FEED_CONTENT_TYPE, type FeedResponse } from './export/answer-feed-request';

export { parseFeed } from './import/parse-feed';
export { classifyEvent, CLASSIFICATION_RULES, UNRECOGNISED_KIND, type Classification, type ClassificationRule } from './import/classify-event';
export { PLAUSIBLE_DATES } from './import/stay-nights';
export { localDateOfInstant } from './calendar/local-date';
export { readFeedChanges, DEFAULT_SHRINK_GUARD, type FeedChange, type FeedReading, type HeldEntry, type ShrinkGuard } from './import/feed-changes';
export {
  FEED_LEVEL_PROBLEMS,
  type FeedProblem,
  type FeedProblemCode,
  type ParseFeedOptions,
  type ParseFeedResult,
} from './import/types';

export { fetchFeed, DEFAULT_MAX_FEED_BYTES, type FetchFeedOptions, type FetchFeedResult } from './fetch/fetch-feed';

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
} from './errors';
