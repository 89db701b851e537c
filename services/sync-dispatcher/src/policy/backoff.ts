/**
 * When to retry a push to a channel, and how long to wait first. Pure: the caller passes the clock
 * (`nowMs`) and the random number, so every delay is reproducible in a test.
 */

/** How one call to a channel ended, as the channel adapter classifies it. */
export const PUSH_OUTCOMES = ['ok', 'rate_limited', 'server_error', 'timeout', 'network_error', 'client_error'] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/** How often and how patiently one push is retried. `maxAttempts` counts every call, the first included. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The longest a channel's Retry-After is honoured. A longer one is cut to this: a push parked for
 * hours would hold its property's later changes back, and the circuit breaker already stops calls
 * to a channel that is down. Past it, the next call simply meets another 429.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface DelayInput {
  /** Which retry this is: 1 = the first retry (the call after the first failure). */
  readonly attempt: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A number in [0, 1), from the caller's random source. */
  readonly random: number;
  /** The channel's Retry-After in milliseconds (see `parseRetryAfter`), if it sent one. */
  readonly retryAfterMs?: number | null;
}

/**
 * Milliseconds to wait before retry number `attempt`: "full jitter" over min(maxMs, base * 2^(attempt-1)),
 * never less than the channel's Retry-After (itself capped at MAX_RETRY_AFTER_MS). Whole milliseconds.
 *
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter": sleep = random(0, ceiling))
 * rather than equal jitter (ceiling/2 + random(0, ceiling/2)): when a channel blips, every property's
 * push to it fails at once, and full jitter spreads their retries over the whole window instead of
 * its upper half, so half as many land together; the blog's simulation found equal jitter doing
 * slightly more work and taking much longer.
 * Equal jitter's guaranteed minimum wait is not needed here: a 429 brings its own floor
 * (Retry-After), and a channel that keeps failing is stopped by the circuit breaker.
 */
export function nextDelayMs(input: DelayInput): number {
  const { attempt, baseMs, maxMs, random, retryAfterMs } = input;
  requireInteger('attempt', attempt, 1);
  requireNonNegative('baseMs', baseMs);
  requireNonNegative('maxMs', maxMs);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  const jittered = Math.floor(random * backoffCeilingMs(attempt, baseMs, maxMs));
  if (retryAfterMs === undefined || retryAfterMs === null) return jittered;
  requireNonNegative('retryAfterMs', retryAfterMs);
  return Math.max(jittered, Math.ceil(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

/** The largest power of two a double holds; 2 ** 1024 is Infinity, and 0 * Infinity would be NaN. */
const LARGEST_FINITE_EXPONENT = 1023;

/** min(maxMs, baseMs * 2^(attempt-1)), without overflowing for large attempt numbers. */
function backoffCeilingMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, LARGEST_FINITE_EXPONENT));
}

/**
 * Whether to call again after `outcome`. `attempt` is the call that produced it (1 = the first
 * call), which is also the retry number to pass to `nextDelayMs` when the answer is yes.
 */
export function shouldRetry(outcome: PushOutcome, attempt: number, policy: RetryPolicy): boolean {
  requireInteger('attempt', attempt, 1);
  requireInteger('policy.maxAttempts', policy.maxAttempts, 1);
  return isRetryable(outcome) && attempt < policy.maxAttempts;
}

/**
 * Whether another call could end differently. A timeout is retried although the first call may
 * have landed: availability pushes set a state rather than add to one, so a repeat is harmless.
 */
function isRetryable(outcome: PushOutcome): boolean {
  switch (outcome) {
    case 'ok':
      return false; // nothing left to do
    case 'client_error':
      return false; // a 4xx other than 429: the same request would be refused again
    case 'rate_limited':
    case 'server_error':
    case 'timeout':
    case 'network_error':
      return true;
    default:
      return assertNever(outcome);
  }
}

const DELAY_SECONDS = /^-?\d+$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const DAY_NAME = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY_NAME = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hours>\\d{2}):(?<minutes>\\d{2}):(?<seconds>\\d{2})';
/** The three HTTP-date forms of RFC 9110 §5.6.7; recipients must accept all of them. */
const HTTP_DATE_FORMS = [
  // preferred: Sun, 06 Nov 1994 08:49:37 GMT
  new RegExp(`^${DAY_NAME}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`),
  // obsolete RFC 850, two-digit year: Sunday, 06-Nov-94 08:49:37 GMT
  new RegExp(`^${LONG_DAY_NAME}, (?<day>\\d{2})-${MONTH}-(?<shortYear>\\d{2}) ${TIME} GMT$`),
  // obsolete asctime, day padded with a space, no zone (it is UTC): Sun Nov  6 08:49:37 1994
  new RegExp(`^${DAY_NAME} ${MONTH} (?<day>\\d{2}| \\d) ${TIME} (?<year>\\d{4})$`),
] as const;

/**
 * A Retry-After header (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delay-seconds or an
 * HTTP-date in any of its three forms. Anything else (absent, empty, "1.5", junk) is null;
 * a negative delay or a date already past is 0.
 *
 * Dates are read by hand rather than by Date.parse, which reads the zone-less asctime form in the
 * machine's local time zone. Like the RFC, this is case-sensitive and ignores whether the day name
 * matches the date. Huge values are clamped to Number.MAX_SAFE_INTEGER; `nextDelayMs` caps them.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
  if (header === null || header === undefined) return null;
  const value = header.trim(); // whitespace around a field value is not part of it
  if (DELAY_SECONDS.test(value)) return clampToSafe(Math.max(0, Number(value) * 1000));
  const dateMs = parseHttpDate(value, nowMs);
  return dateMs === null ? null : clampToSafe(Math.max(0, dateMs - nowMs));
}

/** Epoch milliseconds of an HTTP-date, or null when it is none of the forms or not a real instant. */
function parseHttpDate(value: string, nowMs: number): number | null {
  for (const form of HTTP_DATE_FORMS) {
    const parts = form.exec(value)?.groups;
    if (parts === undefined) continue;
    const year = parts.year !== undefined ? Number(parts.year) : yearOfTwoDigits(Number(parts.shortYear), nowMs);
    const month = MONTHS.findIndex((name) => name === parts.month);
    return utcMillis(year, month, Number(parts.day), Number(parts.hours), Number(parts.minutes), Number(parts.seconds));
  }
  return null;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would be more than 50 years ahead is the most recent past
 * year ending in those digits; so the year lands within (now - 50, now + 50].
 */
function yearOfTwoDigits(twoDigits: number, nowMs: number): number {
  const thisYear = new Date(nowMs).getUTCFullYear();
  const candidate = thisYear - (thisYear % 100) + twoDigits;
  if (candidate > thisYear + 50) return candidate - 100;
  if (candidate <= thisYear - 50) return candidate + 100;
  return candidate;
}

/** Epoch milliseconds of a UTC date and time, or null for an impossible one (31 Feb, 24:00). */
function utcMillis(year: number, month: number, day: number, hours: number, minutes: number, seconds: number): number | null {
  const midnight = new Date(Date.UTC(year, month, day));
  const realDay = midnight.getUTCFullYear() === year && midnight.getUTCMonth() === month && midnight.getUTCDate() === day;
  // seconds may be 60: the RFC's grammar allows a leap second, which Date folds into the next minute
  if (!realDay || hours > 23 || minutes > 59 || seconds > 60) return null;
  return midnight.getTime() + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

function clampToSafe(ms: number): number {
  return Math.min(ms, Number.MAX_SAFE_INTEGER);
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

function assertNever(value: never): never {
  throw new Error(`unhandled push outcome: ${String(value)}`);
}
