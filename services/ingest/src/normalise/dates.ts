import { parseLocalDate, toEpochDay, type LocalDate } from '@cm/domain';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A channel's date to the property's local calendar date (days since 1970-01-01): a plain date is
 * already local; an instant with an offset (a check-in time, say) is the date it falls on in the
 * property's time zone, whatever zone the channel wrote it in.
 */
export function toLocalEpochDay(value: string, timeZone: string): number | string {
  if (DATE_ONLY.test(value)) {
    const date = parseLocalDate(value);
    return date === 'not_a_calendar_day' || date === 'not_iso_date' ? `'${value}' is not a calendar day` : toEpochDay(date);
  }
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) return `'${value.slice(0, 40)}' is not a date or an instant with an offset`;
  // An instant's local date has a year of its own digits (`226`, `10000`): only a YYYY-MM-DD date is a calendar day here.
  const date = parseLocalDate(localDateOf(instant, timeZone));
  return date === 'not_a_calendar_day' || date === 'not_iso_date' ? `'${value.slice(0, 40)}' is in no year this API reads (it falls outside the years 0100 to 9999 in the property's time zone)` : toEpochDay(date);
}

/** The calendar date an instant falls on in a time zone, as YYYY-MM-DD. */
export function localDateOf(instantMs: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
