/** Retry-After (RFC 9110 §10.2.3), as a channel sends it with a 429 or 503. */

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
