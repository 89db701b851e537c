import { isCalendarDay } from '../calendar/local-date';

/**
 * The first DTSTART or DTEND value of an event that is not a real RFC 5545 DATE or DATE-TIME, if
 * any. node-ical gives a bad value back as a string, and builds a Date from an impossible one
 * without complaint (20261399 becomes 2027-04-08), so the raw text is checked before trusting it.
 */
export function firstInvalidDateValue(eventLines: readonly string[]): string | undefined {
  for (const line of eventLines) {
    if (!/^(DTSTART|DTEND)[;:]/i.test(line)) continue;
    // Parameter values may hold a colon only inside quotes, date values never: the value follows the last one.
    const value = line.slice(line.lastIndexOf(':') + 1).trim();
    if (!isDateOrDateTime(value)) return line;
  }
  return undefined;
}

const DATE_OR_DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/;

function isDateOrDateTime(value: string): boolean {
  const match = DATE_OR_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isCalendarDay(year, month, day)) return false;
  if (match[4] === undefined) return true;
  // Second 60 is a leap second, which RFC 5545 allows.
  return Number(match[4]) <= 23 && Number(match[5]) <= 59 && Number(match[6]) <= 60;
}
