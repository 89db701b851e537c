import ICAL from 'ical.js';

export interface IcalJsStay {
  readonly uid: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly summary: string;
  readonly allDay: boolean;
}

/**
 * A second, independent reading of a feed with ical.js (Mozilla's parser, used by Thunderbird):
 * what a channel that is not node-ical would see in our export.
 */
export function readStaysWithIcalJs(text: string): IcalJsStay[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      checkIn: event.startDate.toString(),
      checkOut: event.endDate.toString(),
      summary: event.summary,
      allDay: event.startDate.isDate && event.endDate.isDate,
    };
  });
}

/** A calendar-level property (X-WR-TIMEZONE, NAME, …) as ical.js reads it. */
export function calendarPropertyWithIcalJs(text: string, name: string): unknown {
  return new ICAL.Component(ICAL.parse(text)).getFirstPropertyValue(name);
}
