/**
 * Nights of a stay as property-local calendar dates, half-open: [checkIn, checkOut). A guest who
 * checks out on the 25th does not hold the night of the 25th, so the next guest may check in then.
 */

/** An ISO calendar date, YYYY-MM-DD, in the property's time zone. */
export type LocalDate = string & { readonly __brand: 'LocalDate' };

export interface StayDates {
  readonly checkIn: LocalDate;
  readonly checkOut: LocalDate;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export type LocalDateProblem = 'not_iso_date' | 'not_a_calendar_day';

/** Parses YYYY-MM-DD, refusing impossible days such as 2026-02-30. */
export function parseLocalDate(text: string): LocalDate | LocalDateProblem {
  const match = ISO_DATE.exec(text);
  if (!match) return 'not_iso_date';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? (text as LocalDate) : 'not_a_calendar_day';
}

export type StayDatesProblem = LocalDateProblem | 'check_out_not_after_check_in';

export function parseStayDates(checkIn: string, checkOut: string): StayDates | StayDatesProblem {
  const from = parseLocalDate(checkIn);
  if (!isLocalDate(from)) return from;
  const to = parseLocalDate(checkOut);
  if (!isLocalDate(to)) return to;
  return to > from ? { checkIn: from, checkOut: to } : 'check_out_not_after_check_in';
}

/** True when the two stays share at least one night. ISO dates order as strings. */
export function sharesANight(a: StayDates, b: StayDates): boolean {
  return a.checkIn < b.checkOut && b.checkIn < a.checkOut;
}

export function nightCount(stay: StayDates): number {
  return Math.round((Date.parse(stay.checkOut) - Date.parse(stay.checkIn)) / 86_400_000);
}

function isLocalDate(value: LocalDate | LocalDateProblem): value is LocalDate {
  return ISO_DATE.test(value);
}

const DAY_MS = 86_400_000;

/** The date `days` after (or before, if negative) a date. */
export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10) as LocalDate;
}

/** Avro `date` (days since 1970-01-01) to a local date, and back. */
export function fromEpochDay(epochDay: number): LocalDate {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10) as LocalDate;
}

export function toEpochDay(date: LocalDate): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** Every night of a stay, in order. */
export function nightsOf(stay: StayDates): LocalDate[] {
  const nights: LocalDate[] = [];
  for (let night = stay.checkIn; night < stay.checkOut; night = addDays(night, 1)) nights.push(night);
  return nights;
}

/** The same nights: the same check-in and check-out. */
export function sameDates(a: StayDates, b: StayDates): boolean {
  return a.checkIn === b.checkIn && a.checkOut === b.checkOut;
}

/** The nights of `from` that are not nights of `minus`, as ranges in order. */
export function subtractNights(from: StayDates, minus: StayDates): StayDates[] {
  if (!sharesANight(from, minus)) return [from];
  const ranges: StayDates[] = [];
  if (from.checkIn < minus.checkIn) ranges.push({ checkIn: from.checkIn, checkOut: minus.checkIn });
  if (minus.checkOut < from.checkOut) ranges.push({ checkIn: minus.checkOut, checkOut: from.checkOut });
  return ranges;
}

export function formatStay(stay: StayDates): string {
  return `${stay.checkIn}..${stay.checkOut}`;
}
