import { parseFeed } from '@cm/ical';
import { readFixture } from './support/fixtures';

const timeZone = 'Europe/Berlin';

describe('recurring events (RRULE) are expanded within a window, or refused without one', () => {
  test('without a window the series is refused by name; the single event still comes through', () => {
    const { entries, problems } = parseFeed(readFixture('recurring'), { timeZone });
    expect(entries.map((entry) => entry.uid)).toEqual(['single@example.com']);
    expect(problems).toEqual([{ uid: 'weekend-blocks@example.com', code: 'recurring_without_window', reason: expect.stringContaining('window') }]);
  });

  test('within a window: EXDATE removes an occurrence, RECURRENCE-ID moves one, a cancelled override removes one', () => {
    const { entries, problems } = parseFeed(readFixture('recurring'), { timeZone, window: { from: '2026-10-01', to: '2026-12-01' } });
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.uid, entry.kind, entry.checkIn, entry.checkOut])).toEqual([
      ['weekend-blocks@example.com#2026-10-03', 'blocked', '2026-10-03', '2026-10-05'],
      // 10-10 is an EXDATE; the 10-17 occurrence was moved a day later but keeps its identity.
      ['weekend-blocks@example.com#2026-10-17', 'blocked', '2026-10-18', '2026-10-20'],
      // 10-24 was cancelled by its override. 10-31 crosses the end of summer time: still two nights.
      ['weekend-blocks@example.com#2026-10-31', 'blocked', '2026-10-31', '2026-11-02'],
      ['single@example.com', 'reservation', '2026-11-01', '2026-11-04'],
      ['weekend-blocks@example.com#2026-11-07', 'blocked', '2026-11-07', '2026-11-09'],
    ]);
  });

  test('the window keeps entries holding at least one of its nights, recurring or not', () => {
    const { entries } = parseFeed(readFixture('recurring'), { timeZone, window: { from: '2026-10-19', to: '2026-11-01' } });
    // 10-18..10-20 holds the night of the 19th; single@ starts on 11-01, the window's (exclusive) end.
    expect(entries.map((entry) => entry.uid)).toEqual(['weekend-blocks@example.com#2026-10-17', 'weekend-blocks@example.com#2026-10-31']);
  });

  test('a rule repeating within a day is refused rather than expanded', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:every-minute@x',
      'DTSTART:20261001T000000Z',
      'DTEND:20261001T000100Z',
      'RRULE:FREQ=MINUTELY',
      'SUMMARY:Blocked',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const { entries, problems } = parseFeed(text, { timeZone, window: { from: '2026-01-01', to: '2027-01-01' } });
    expect(entries).toEqual([]);
    expect(problems).toEqual([{ uid: 'every-minute@x', code: 'unsupported_recurrence', reason: expect.stringContaining('MINUTELY') }]);
  });

  // Found by a review: FREQ=DAILY with every hour and minute listed was 1,440 occurrences a day, about 48 s of ingest's event loop over two years.
  test('a daily rule listing several hours, minutes or seconds of a day is refused before it is expanded; one time of day is not', () => {
    const rule = (uid: string, line: string) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTART:20261001T000000Z', 'DTEND:20261001T000100Z', line, 'END:VEVENT'];
    const hours = Array.from({ length: 24 }, (_, h) => h).join(',');
    const minutes = Array.from({ length: 60 }, (_, m) => m).join(',');
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      ...rule('all-day-long@x', `RRULE:FREQ=DAILY;BYHOUR=${hours};BYMINUTE=${minutes}`),
      ...rule('twice-a-day@x', 'RRULE:FREQ=WEEKLY;BYDAY=MO;BYSECOND=0,30'),
      ...rule('once-a-day@x', 'RRULE:FREQ=DAILY;COUNT=2;BYHOUR=9;BYMINUTE=0'),
      'END:VCALENDAR',
    ].join('\r\n');
    const { entries, problems } = parseFeed(text, { timeZone, window: { from: '2026-01-01', to: '2028-01-01' } });
    expect(problems.filter((p) => p.code === 'unsupported_recurrence')).toEqual([
      { uid: 'all-day-long@x', code: 'unsupported_recurrence', reason: expect.stringContaining('several hours, minutes or seconds') },
      { uid: 'twice-a-day@x', code: 'unsupported_recurrence', reason: expect.stringContaining('several hours, minutes or seconds') },
    ]);
    expect([...entries, ...problems].every((e) => !e.uid?.startsWith('all-day-long@x#') && !e.uid?.startsWith('twice-a-day@x#'))).toBe(true);
    expect([...entries, ...problems].filter((e) => e.uid?.startsWith('once-a-day@x#'))).toHaveLength(2);
  });

  test('RDATE is not expanded: the DTSTART occurrence is kept and the missing dates are reported', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:extra-dates@x',
      'DTSTART;VALUE=DATE:20261003',
      'DTEND;VALUE=DATE:20261005',
      'RDATE;VALUE=DATE:20261107,20261205',
      'SUMMARY:Blocked',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const { entries, problems } = parseFeed(text, { timeZone });
    expect(entries.map((entry) => [entry.uid, entry.checkIn, entry.checkOut])).toEqual([['extra-dates@x', '2026-10-03', '2026-10-05']]);
    expect(problems).toEqual([{ uid: 'extra-dates@x', code: 'unsupported_recurrence', reason: expect.stringContaining('RDATE') }]);
  });

  test('a daily timed rule in a zone gives one stay per day, on the property\'s days', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:nightly@x',
      // 23:00 to 09:00 in Paris, three nights over the October DST change.
      'DTSTART;TZID=Europe/Paris:20261024T230000',
      'DTEND;TZID=Europe/Paris:20261025T090000',
      'RRULE:FREQ=DAILY;COUNT=3',
      'SUMMARY:Blocked',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const { entries, problems } = parseFeed(text, { timeZone: 'Europe/Paris', window: { from: '2026-10-01', to: '2026-11-01' } });
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.uid, entry.checkIn, entry.checkOut])).toEqual([
      ['nightly@x#2026-10-24', '2026-10-24', '2026-10-25'],
      ['nightly@x#2026-10-25', '2026-10-25', '2026-10-26'],
      ['nightly@x#2026-10-26', '2026-10-26', '2026-10-27'],
    ]);
  });
});
