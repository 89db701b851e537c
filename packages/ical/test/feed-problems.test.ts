import { InvalidDateWindowError, InvalidTimeZoneError, parseFeed, type FeedProblem } from '@cm/ical';
import { readFixture } from './support/fixtures';

const timeZone = 'Europe/Madrid';

function codes(problems: readonly FeedProblem[]): string[] {
  return problems.map((problem) => `${problem.code} ${problem.uid ?? '-'}`);
}

describe('bad input gives problems per event, never a throw that loses the other events', () => {
  const { entries, problems } = parseFeed(readFixture('broken'), { timeZone });

  test('the good events around the broken ones all come through', () => {
    expect(entries.map((entry) => [entry.uid, entry.checkIn, entry.checkOut])).toEqual([
      ['good-first@pms.example', '2026-06-01', '2026-06-05'],
      // Two VEVENTs with one UID and no SEQUENCE: the later one wins, as a revision would.
      ['same-uid@pms.example', '2026-08-25', '2026-08-28'],
      // No UID: one is derived from the dates and summary, so it is the same on every fetch.
      [expect.stringMatching(/^derived-[0-9a-f]{24}$/), '2026-09-01', '2026-09-03'],
      ['good-last@pms.example', '2026-09-10', '2026-09-14'],
    ]);
  });

  test('each broken event is named with why it was left out', () => {
    expect(codes(problems)).toEqual([
      'truncated_calendar -',
      'unterminated_event cut-off@pms.example',
      'end_before_start reversed@pms.example',
      'invalid_date garbage-start@pms.example',
      'invalid_date impossible-day@pms.example',
      'implausible_date far-future@pms.example',
      'implausible_date forever@pms.example',
      'unparseable_event two-starts@pms.example',
      'unparseable_event bad-rule@pms.example',
      'missing_start no-start@pms.example',
      'no_nights no-nights@pms.example',
      'duplicate_uid same-uid@pms.example',
    ]);
    expect(problems.find((problem) => problem.uid === 'impossible-day@pms.example')?.reason).toContain('20261399');
    expect(problems.find((problem) => problem.uid === 'two-starts@pms.example')?.reason).toContain('duplicate DTSTART');
  });

  test('the derived UID of a UID-less event is stable across parses', () => {
    const again = parseFeed(readFixture('broken'), { timeZone });
    expect(again.entries[2]?.uid).toBe(entries[2]?.uid);
  });

  test('a DATE-TIME event with no DTEND lasts no time, so holds no night', () => {
    const text = calendar(['BEGIN:VEVENT', 'UID:instant@x', 'DTSTART:20260610T140000Z', 'SUMMARY:Blocked', 'END:VEVENT']);
    expect(parseFeed(text, { timeZone })).toEqual({
      entries: [],
      problems: [{ uid: 'instant@x', code: 'no_nights', reason: expect.stringContaining('2026-06-10') }],
    });
  });

  test('a UID a database cannot hold (a NUL, a lone surrogate, thousands of characters) is kept by its hash, the same at every read; a problem names it so too', () => {
    const event = (uid: string, from: string, to: string) => ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:${from}`, `DTEND;VALUE=DATE:${to}`, 'END:VEVENT'];
    const long = `${'x'.repeat(3_000)}@x`;
    const text = calendar([...event('nul\u0000@x', '20260610', '20260612'), ...event(long, '20260701', '20260703'), ...event('fine@x', '20260801', '20260803'), ...event('bad\u0001@x', '20260901', '20261399')]);
    const { entries, problems } = parseFeed(text, { timeZone });
    const hashed = /^sha256:[0-9a-f]{64}$/;
    expect(entries.map((e) => e.uid)).toEqual([expect.stringMatching(hashed), expect.stringMatching(hashed), 'fine@x']);
    expect(problems).toEqual([{ uid: expect.stringMatching(hashed), code: 'invalid_date', reason: expect.any(String) }]);
    expect(parseFeed(text, { timeZone }).entries.map((e) => e.uid)).toEqual(entries.map((e) => e.uid));
    expect(new Set(entries.map((e) => e.uid)).size).toBe(3);
  });

  test('a DATE-TIME DTEND before its DTSTART on the same day is reversed, not merely empty', () => {
    const text = calendar(['BEGIN:VEVENT', 'UID:backwards@x', 'DTSTART:20260610T140000Z', 'DTEND:20260610T100000Z', 'END:VEVENT']);
    expect(codes(parseFeed(text, { timeZone }).problems)).toEqual(['end_before_start backwards@x']);
  });
});

describe('text that is not a calendar', () => {
  test.each([
    ['an empty body', ''],
    ['garbage', 'hello world\n\u0000\u0001 not a feed'],
    ['an HTML error page', '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'],
    ['a vCard', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana\r\nEND:VCARD\r\n'],
  ])('%s gives no entries and one not_a_calendar problem', (_name, text) => {
    expect(parseFeed(text, { timeZone })).toEqual({ entries: [], problems: [{ code: 'not_a_calendar', reason: expect.any(String) }] });
  });

  test('an empty calendar is a calendar with nothing in it', () => {
    expect(parseFeed('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', { timeZone })).toEqual({ entries: [], problems: [] });
  });
});

describe('options are the caller\'s, and wrong ones throw', () => {
  test('an unknown time zone', () => {
    expect(() => parseFeed(readFixture('vrbo'), { timeZone: 'Mars/Olympus_Mons' })).toThrow(InvalidTimeZoneError);
  });

  test('a window that ends before it starts', () => {
    const parse = (): unknown => parseFeed(readFixture('vrbo'), { timeZone, window: { from: '2026-10-01', to: '2026-09-01' } });
    expect(parse).toThrow(InvalidDateWindowError);
    expect(parse).toThrow(expect.objectContaining({ code: 'ICAL_INVALID_WINDOW', retriable: false }));
  });
});

function calendar(eventLines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//Test//EN', ...eventLines, 'END:VCALENDAR', ''].join('\r\n');
}
