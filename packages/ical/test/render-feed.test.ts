import { feedEtag, InvalidFeedInputError, InvalidTimeZoneError, parseFeed, renderFeed, type CalendarEntry, type RenderFeedInput } from '@cm/ical';
import { sync } from 'node-ical';
import { calendarPropertyWithIcalJs, readStaysWithIcalJs } from './support/ical-js-reader';

const entries: CalendarEntry[] = [
  { uid: 'stay-2026-0042@cm', kind: 'reservation', checkIn: '2026-12-20', checkOut: '2026-12-27', summary: 'Ana Lima', description: 'Airport pickup at 15:00, late check-out' },
  { uid: 'block-7@cm', kind: 'blocked', checkIn: '2026-12-27', checkOut: '2027-01-03' },
  { uid: 'stay-2026-0007@cm', kind: 'reservation', checkIn: '2026-07-01', checkOut: '2026-07-02' },
];

const input: RenderFeedInput = {
  listingId: 'listing-42',
  calendarName: 'Casa Azul; Lisbon, 2 bedrooms',
  timeZone: 'Europe/Lisbon',
  entries,
  entriesChangedAt: new Date('2026-11-02T09:15:30.123Z'),
};

describe('renderFeed', () => {
  const text = renderFeed(input);
  const lines = text.split('\r\n');

  test('one all-day VEVENT per entry: VALUE=DATE, DTEND on the check-out day (exclusive)', () => {
    const event = lines.slice(lines.indexOf('UID:stay-2026-0042@cm'), lines.indexOf('END:VEVENT', lines.indexOf('UID:stay-2026-0042@cm')));
    expect(event).toEqual(
      expect.arrayContaining([
        'DTSTART;VALUE=DATE:20261220',
        'DTEND;VALUE=DATE:20261227',
        'DTSTAMP:20261102T091530Z',
        'SUMMARY:Reserved',
        'DESCRIPTION:Airport pickup at 15:00\\, late check-out',
      ]),
    );
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(3);
  });

  test('SUMMARY says only Reserved or Not available: no guest name leaves', () => {
    expect(lines.filter((line) => line.startsWith('SUMMARY:'))).toEqual(['SUMMARY:Reserved', 'SUMMARY:Reserved', 'SUMMARY:Not available']);
    expect(text).not.toContain('Ana Lima');
  });

  test('events are ordered by check-in, whatever order the entries came in', () => {
    expect(lines.filter((line) => line.startsWith('UID:'))).toEqual(['UID:stay-2026-0007@cm', 'UID:stay-2026-0042@cm', 'UID:block-7@cm']);
  });

  test('calendar properties: product id, PUBLISH, escaped name, zone and listing', () => {
    expect(lines.slice(0, 6)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Channel Manager//Listing Calendar//EN',
      'METHOD:PUBLISH',
      'NAME:Casa Azul\\; Lisbon\\, 2 bedrooms',
      'X-WR-CALNAME:Casa Azul\\; Lisbon\\, 2 bedrooms',
    ]);
    // ical.js keeps unknown properties raw; node-ical reads NAME and X-WR-CALNAME as TEXT.
    expect(sync.parseICS(text).vcalendar).toMatchObject({ name: 'Casa Azul; Lisbon, 2 bedrooms', 'WR-CALNAME': 'Casa Azul; Lisbon, 2 bedrooms' });
    expect(calendarPropertyWithIcalJs(text, 'x-wr-timezone')).toBe('Europe/Lisbon');
    expect(calendarPropertyWithIcalJs(text, 'x-cm-listing-id')).toBe('listing-42');
    expect(renderFeed({ ...input, productId: '-//Acme//Rentals 2//EN' })).toContain('\r\nPRODID:-//Acme//Rentals 2//EN\r\n');
  });

  test('every line ends with CRLF, the last one too, and none is longer than 75 octets', () => {
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const long = renderFeed({ ...input, entries: [{ ...entries[0]!, description: 'Long note. '.repeat(30) }] });
    for (const line of long.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });

  test('byte-identical on a re-render of the same entries in another order, so the ETag is too', () => {
    const again = renderFeed({ ...input, entries: [...entries].reverse() });
    expect(again).toBe(text);
    expect(feedEtag(again)).toBe(feedEtag(text));
  });

  test('the ETag changes when an entry changes, and only the stamp argument moves DTSTAMP', () => {
    const moved = renderFeed({ ...input, entries: [{ ...entries[0]!, checkOut: '2026-12-28' }, ...entries.slice(1)] });
    expect(feedEtag(moved)).not.toBe(feedEtag(text));
    const restamped = renderFeed({ ...input, entriesChangedAt: new Date('2026-11-03T00:00:00Z') });
    expect(restamped.replace(/DTSTAMP:\S+/g, '')).toBe(text.replace(/DTSTAMP:\S+/g, ''));
    expect(restamped).toContain('DTSTAMP:20261103T000000Z');
  });

  test('an empty listing is a valid empty calendar', () => {
    const empty = renderFeed({ ...input, entries: [] });
    expect(empty).not.toContain('BEGIN:VEVENT');
    expect(parseFeed(empty, { timeZone: input.timeZone })).toEqual({ entries: [], problems: [] });
    expect(readStaysWithIcalJs(empty)).toEqual([]);
  });

  test('ical.js, a second parser, reads the same stays: UIDs, all-day dates, words', () => {
    expect(readStaysWithIcalJs(text)).toEqual([
      { uid: 'stay-2026-0007@cm', checkIn: '2026-07-01', checkOut: '2026-07-02', summary: 'Reserved', allDay: true },
      { uid: 'stay-2026-0042@cm', checkIn: '2026-12-20', checkOut: '2026-12-27', summary: 'Reserved', allDay: true },
      { uid: 'block-7@cm', checkIn: '2026-12-27', checkOut: '2027-01-03', summary: 'Not available', allDay: true },
    ]);
  });

  test('parseFeed (node-ical) reads back the same stays, kinds and description', () => {
    expect(parseFeed(text, { timeZone: input.timeZone })).toEqual({
      entries: [
        { uid: 'stay-2026-0007@cm', kind: 'reservation', checkIn: '2026-07-01', checkOut: '2026-07-02', summary: 'Reserved' },
        {
          uid: 'stay-2026-0042@cm',
          kind: 'reservation',
          checkIn: '2026-12-20',
          checkOut: '2026-12-27',
          summary: 'Reserved',
          description: 'Airport pickup at 15:00, late check-out',
        },
        { uid: 'block-7@cm', kind: 'blocked', checkIn: '2026-12-27', checkOut: '2027-01-03', summary: 'Not available' },
      ],
      problems: [],
    });
  });
});

describe('renderFeed refuses what it cannot publish', () => {
  const one = (entry: Partial<CalendarEntry>): RenderFeedInput => ({ ...input, entries: [{ ...entries[0]!, ...entry }] });

  test.each<[string, RenderFeedInput, RegExp]>([
    ['check-out on the check-in day', one({ checkOut: '2026-12-20' }), /must be after checkIn/],
    ['check-out before check-in', one({ checkOut: '2026-12-19' }), /must be after checkIn/],
    ['an impossible day', one({ checkIn: '2026-02-30' }), /not a YYYY-MM-DD day/],
    ['a date with a time', one({ checkOut: '2026-12-27T11:00' }), /not a YYYY-MM-DD day/],
    ['an empty uid', one({ uid: ' ' }), /uid must be non-empty/],
    ['a uid that would inject a line', one({ uid: 'x\r\nSUMMARY:Free' }), /control characters/],
    ['a uid given twice', { ...input, entries: [entries[0]!, { ...entries[1]!, uid: entries[0]!.uid }] }, /appears twice/],
    ['an invalid stamp', { ...input, entriesChangedAt: new Date('not a date') }, /entriesChangedAt/],
    ['a product id that is not -//…', { ...input, productId: 'Acme Rentals' }, /productId/],
  ])('%s', (_name, bad, message) => {
    expect(() => renderFeed(bad)).toThrow(InvalidFeedInputError);
    expect(() => renderFeed(bad)).toThrow(message);
  });

  test('an unknown time zone', () => {
    expect(() => renderFeed({ ...input, timeZone: 'Europe/Atlantis' })).toThrow(InvalidTimeZoneError);
  });
});
