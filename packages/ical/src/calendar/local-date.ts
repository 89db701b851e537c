import type { LocalDate } from './types';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for YYYY-MM-DD naming a real day (not 2026-02-30). */
export function isLocalDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  return isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

export function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function formatLocalDate(year: number, month: number, day: number): LocalDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The date `days` after (or before, when negative) a date. */
export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(utcMidnight(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

/** Midnight UTC of a date: the one Date whose UTC fields are exactly that day, whatever the host zone. */
export function utcMidnight(date: LocalDate): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** True when the zone is one the platform's Intl knows (IANA names, `UTC`, fixed offsets). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    dayFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar day an instant falls on in a zone: 2026-12-20T03:00Z is 2026-12-19 in New York. */
export function localDateOfInstant(instant: Date, zone: string): LocalDate {
  const parts = dayFormatter(zone).formatToParts(instant);
  const field = (type: 'year' | 'month' | 'day'): number => Number(parts.find((part) => part.type === type)?.value);
  return formatLocalDate(field('year'), field('month'), field('day'));
}

// Building an Intl.DateTimeFormat costs far more than using one; a feed converts every event.
const formatters = new Map<string, Intl.DateTimeFormat>();

function dayFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(zone, formatter);
  }
  return formatter;
}
