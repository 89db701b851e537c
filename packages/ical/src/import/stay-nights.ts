import { localDateOfInstant } from '../calendar/local-date';
import type { LocalDate } from '../calendar/types';
import type { FeedTime } from './node-ical-adapter';
import type { FeedProblemCode } from './types';

/**
 * Dates outside these are not bookings but bugs (an epoch 1970, a year 9999 "forever"); a stay
 * between them is at most a century of nights, which downstream code can still enumerate.
 */
export const PLAUSIBLE_DATES = { from: '2000-01-01', to: '2100-01-01' } as const;

export type StayNights =
  | { readonly ok: true; readonly checkIn: LocalDate; readonly checkOut: LocalDate }
  | { readonly ok: false; readonly code: FeedProblemCode; readonly reason: string };

/**
 * The nights an event holds, as property-local days: check-in is the day it starts, check-out
 * the day it ends (exclusive). An all-day DTEND is already the departure day; a timed event that
 * ends at 11:00 on the 27th frees the night of the 27th too.
 */
export function stayNights(start: FeedTime | undefined, end: FeedTime | undefined, timeZone: string): StayNights {
  if (!start) return { ok: false, code: 'missing_start', reason: 'no readable DTSTART; the event is left out' };
  if (!end) return { ok: false, code: 'invalid_date', reason: 'DTEND or DURATION is unreadable; the event is left out' };
  const checkIn = dayOf(start, timeZone);
  const checkOut = dayOf(end, timeZone);
  // Within one kind the instants compare directly; across kinds only the days can.
  const endsBeforeStart = checkOut < checkIn || (start.kind === end.kind && end.at.getTime() < start.at.getTime());
  if (endsBeforeStart) {
    return { ok: false, code: 'end_before_start', reason: `ends (${checkOut}) before it starts (${checkIn}); the event is left out` };
  }
  if (checkOut === checkIn) {
    return { ok: false, code: 'no_nights', reason: `starts and ends on ${checkIn} in ${timeZone}, so it holds no night; the event is left out` };
  }
  if (checkIn < PLAUSIBLE_DATES.from || checkOut > PLAUSIBLE_DATES.to) {
    return {
      ok: false,
      code: 'implausible_date',
      reason: `${checkIn} to ${checkOut} reaches outside ${PLAUSIBLE_DATES.from} to ${PLAUSIBLE_DATES.to}; the event is left out`,
    };
  }
  return { ok: true, checkIn, checkOut };
}

export function dayOf(time: FeedTime, timeZone: string): LocalDate {
  switch (time.kind) {
    case 'local':
      return time.date;
    case 'instant':
      return localDateOfInstant(time.at, timeZone);
    default:
      return unreachable(time);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected feed time ${JSON.stringify(value)}`);
}
