/**
 * Errors the simulator answers with: the HTTP status, a stable machine-readable code, a sentence
 * for people and any detail a caller can act on. The error handler turns one into
 * `{ error: code, message, ...detail }`.
 */

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.detail };
  }
}

export class InvalidRequestError extends ApiError {
  constructor(issues: readonly FieldIssue[]) {
    super(400, 'invalid_request', issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '), { issues });
  }
}

export class ListingNotFoundError extends ApiError {
  constructor(listingId: string) {
    super(404, 'listing_not_found', `no listing '${listingId}' on this channel (register it with PUT /admin/{channel}/listings/{listingId})`);
  }
}

export class ReservationNotFoundError extends ApiError {
  constructor(reservationId: string) {
    super(404, 'reservation_not_found', `no reservation '${reservationId}' on this listing`);
  }
}

/**
 * 422: a rate plan the listing does not have on this platform. Plans are created on the platform
 * first (admin API), as Channex and Airbnb want a rate plan to exist before ARI names it; `path`
 * is the field that named it.
 */
export class UnknownRatePlanError extends ApiError {
  constructor(ratePlanId: string, known: readonly string[], path: string) {
    super(422, 'unknown_rate_plan', `${path}: no rate plan '${ratePlanId}' on this listing (it has: ${known.join(', ')}; create one with PUT /admin/{channel}/listings/{listingId}/rate-plans/{ratePlanId})`, {
      rate_plan_id: ratePlanId,
      rate_plans: known,
      issues: [{ path, message: `no rate plan '${ratePlanId}' on this listing` }],
    });
  }
}

/**
 * 409: the listing syncs with us by iCal only (`sync: 'ical'`), so the platform offers no API for
 * it: its calendar follows the feed it polls, and its reservations reach us through its own feed.
 */
export class IcalOnlyListingError extends ApiError {
  constructor(listingId: string, what: string) {
    super(409, 'ical_only_listing', `listing '${listingId}' syncs by iCal only: ${what}`, { listing_id: listingId, sync: 'ical' });
  }
}

/** 401: a listing that asks for an API key was called without it, or with another; the answer never quotes what was sent. */
export class UnauthorizedError extends ApiError {
  constructor(listingId: string, problem: 'missing' | 'wrong') {
    super(401, 'unauthorized', `listing '${listingId}' takes API calls only with its key as 'Authorization: Bearer <api_key>': ${problem === 'missing' ? 'none was sent' : 'the key sent is not its key'}`, { listing_id: listingId });
  }
}

/** 405: the platform has no such operation (capabilities.ts says what it has). */
export class OperationNotSupportedError extends ApiError {
  constructor(channel: string, operation: string, supported: readonly string[], why = '') {
    super(405, 'operation_not_supported', `${channel} offers no '${operation}'${why ? `: ${why}` : ''} (it offers: ${supported.join(', ') || 'nothing'})`, { operation, supported });
  }
}

/** 409: the reservation is not in a state the operation applies to; carries the state and the reservation. */
export class WrongStateError extends ApiError {
  constructor(code: string, message: string, state: string, detail: Readonly<Record<string, unknown>> = {}) {
    super(409, code, message, { state, ...detail });
  }
}

/**
 * What the client throws (only from `requireOk`, or when no answer came). `retriable` says
 * whether the same call may succeed later: 429, 5xx and network failures may; other 4xx will not.
 */
export abstract class SimulatorClientError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

export class SimulatorApiError extends SimulatorClientError {
  readonly code = 'SIMULATOR_API_ERROR';
  readonly retriable: boolean;
  constructor(
    readonly status: number,
    readonly body: { readonly error: string; readonly message: string },
    readonly retryAfterSeconds: number | null,
  ) {
    super(`simulator answered ${status} ${body.error}: ${body.message}`);
    this.retriable = status === 429 || status >= 500;
  }
}

export class SimulatorUnreachableError extends SimulatorClientError {
  readonly code = 'SIMULATOR_UNREACHABLE';
  readonly retriable = true;
  constructor(
    readonly url: string,
    options: { cause: unknown },
  ) {
    super(`no answer from ${url}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}
