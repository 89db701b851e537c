/**
 * Errors of the iCal package. Each has a stable code and says whether trying again can help, so a
 * caller decides between retrying later, alerting and giving up without reading messages.
 *
 * Rendering refuses bad input by throwing (it is our own data: a bug to fix, not a feed to survive).
 * Fetching returns its errors as values (a channel's server failing is expected, not exceptional).
 * Parsing never fails as a whole: it lists problems per event (see parseFeed).
 */
export abstract class IcalError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

/** Something given to renderFeed cannot be published as it is: an entry, the product id, the stamp. */
export class InvalidFeedInputError extends IcalError {
  readonly code = 'ICAL_INVALID_FEED_INPUT';
  readonly retriable = false;
  constructor(
    /** What is wrong: `entry '<uid>'`, `productId`, `entriesChangedAt`. */
    readonly subject: string,
    readonly problem: string,
  ) {
    super(`${subject} cannot be rendered: ${problem}`);
  }
}

/** A time zone that the platform's Intl does not know; dates in it cannot be computed. */
export class InvalidTimeZoneError extends IcalError {
  readonly code = 'ICAL_INVALID_TIME_ZONE';
  readonly retriable = false;
  constructor(readonly timeZone: string) {
    super(`unknown time zone '${timeZone}' (expected an IANA name such as Europe/Paris)`);
  }
}

/** A window whose ends are not YYYY-MM-DD days, or whose end is not after its start. */
export class InvalidDateWindowError extends IcalError {
  readonly code = 'ICAL_INVALID_WINDOW';
  readonly retriable = false;
  constructor(readonly from: string, readonly to: string) {
    super(`window [${from}, ${to}) must be two YYYY-MM-DD days, the second after the first`);
  }
}

/** The feed's server answered with a status other than 200 or 304. */
export class FeedHttpStatusError extends IcalError {
  readonly code = 'ICAL_FEED_HTTP_STATUS';
  readonly retriable: boolean;
  constructor(
    readonly url: string,
    readonly httpStatus: number,
    /** From Retry-After when it gives seconds (429, 503). */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`feed ${url} answered HTTP ${httpStatus}`);
    // 408, 425, 429 and 5xx are the server saying "not now"; 4xx otherwise mean the URL is wrong or revoked.
    this.retriable = httpStatus === 408 || httpStatus === 425 || httpStatus === 429 || httpStatus >= 500;
  }
}

/** No complete answer (headers and body) within the time allowed. */
export class FeedTimeoutError extends IcalError {
  readonly code = 'ICAL_FEED_TIMEOUT';
  readonly retriable = true;
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`feed ${url} did not answer within ${timeoutMs} ms`);
  }
}

/** The body is larger than the cap; reading stopped there. */
export class FeedTooLargeError extends IcalError {
  readonly code = 'ICAL_FEED_TOO_LARGE';
  // A calendar does not shrink by itself; retrying fetches the same oversized body.
  readonly retriable = false;
  constructor(readonly url: string, readonly maxBytes: number) {
    super(`feed ${url} is larger than ${maxBytes} bytes`);
  }
}

/** The request failed below HTTP: DNS, refused or reset connection, TLS. */
export class FeedNetworkError extends IcalError {
  readonly code = 'ICAL_FEED_NETWORK';
  readonly retriable = true;
  constructor(readonly url: string, options: { cause: unknown }) {
    super(`feed ${url} could not be fetched: ${describeCause(options.cause)}`, options);
  }
}

export type FeedFetchError = FeedHttpStatusError | FeedTimeoutError | FeedTooLargeError | FeedNetworkError;

function describeCause(cause: unknown): string {
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND) in its cause.
  const inner = messageOf(causeOf(cause));
  return inner === undefined ? (messageOf(cause) ?? String(cause)) : `${messageOf(cause)}: ${inner}`;
}

// Read by shape, not instanceof: errors from another realm (a vm context, a worker) are not our Error.
function messageOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && 'message' in value ? String(value.message) : undefined;
}

function causeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'cause' in value ? value.cause : undefined;
}
