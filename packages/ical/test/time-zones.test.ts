import { parseFeed } from '@cm/ical';
import { hostZoneScenario } from './support/host-zone-scenario';
import { runScenarioInHostZone } from './support/run-in-host-zone';

function oneEvent(...lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//Test//EN', 'BEGIN:VEVENT', 'UID:stay@x', 'SUMMARY:Reserved', ...lines, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
}

function nights(text: string, timeZone: string): string {
  const { entries, problems } = parseFeed(text, { timeZone });
  expect(problems).toEqual([]);
  return entries.map((entry) => `${entry.checkIn}..${entry.checkOut}`).join(' ');
}

describe('times become the property-local days they fall on', () => {
  test.each([
    ['15:00 in New York is a check-in that day', 'America/New_York', ['DTSTART;TZID=America/New_York:20261220T150000', 'DTEND;TZID=America/New_York:20261227T110000'], '2026-12-20..2026-12-27'],
    ['02:00 UTC is the evening before in New York', 'America/New_York', ['DTSTART:20261221T020000Z', 'DTEND:20261227T160000Z'], '2026-12-20..2026-12-27'],
    ['16:00 UTC is the next morning in Tokyo', 'Asia/Tokyo', ['DTSTART:20260501T160000Z', 'DTEND:20260503T020000Z'], '2026-05-02..2026-05-03'],
    ['the same UTC times, for a home in Honolulu', 'Pacific/Honolulu', ['DTSTART:20260501T160000Z', 'DTEND:20260503T020000Z'], '2026-05-01..2026-05-02'],
    ['22:00 in Los Angeles is the next day for a home in Paris', 'Europe/Paris', ['DTSTART;TZID=America/Los_Angeles:20260710T220000', 'DTEND;TZID=America/Los_Angeles:20260714T100000'], '2026-07-11..2026-07-14'],
    ['a Windows zone name, as Outlook writes it', 'Europe/Berlin', ['DTSTART;TZID=W. Europe Standard Time:20260710T150000', 'DTEND;TZID=W. Europe Standard Time:20260712T100000'], '2026-07-10..2026-07-12'],
    ['a floating time is the property\'s own wall clock', 'Pacific/Auckland', ['DTSTART:20260710T230000', 'DTEND:20260712T100000'], '2026-07-10..2026-07-12'],
    ['a TZID nobody knows is read as the property\'s wall clock', 'Europe/Rome', ['DTSTART;TZID=Atlantis/Capital:20260710T230000', 'DTEND;TZID=Atlantis/Capital:20260712T100000'], '2026-07-10..2026-07-12'],
  ])('%s', (_name, timeZone, lines, expected) => {
    expect(nights(oneEvent(...lines), timeZone)).toBe(expected);
  });
});

test('a floating time stays the property\'s wall clock even when the feed carries a VTIMEZONE for another zone', () => {
  const text = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:STANDARD',
    'DTSTART:19701101T020000',
    'TZOFFSETFROM:-0400',
    'TZOFFSETTO:-0500',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:floating@x',
    'DTSTART:20261201T230000',
    'DTEND:20261203T100000',
    'SUMMARY:Reserved',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  // node-ical alone would read 23:00 in New York, which is 13:00 on the 2nd in Tokyo.
  expect(nights(text, 'Asia/Tokyo')).toBe('2026-12-01..2026-12-03');
});

describe('daylight saving time', () => {
  test.each([
    ['02:30 on the spring-forward night does not exist in Paris; it is still that day', 'Europe/Paris', ['DTSTART;TZID=Europe/Paris:20260329T023000', 'DTEND;TZID=Europe/Paris:20260331T100000'], '2026-03-29..2026-03-31'],
    ['01:30 on the fall-back night happens twice in New York; either way it is that day', 'America/New_York', ['DTSTART;TZID=America/New_York:20261101T013000', 'DTEND;TZID=America/New_York:20261103T110000'], '2026-11-01..2026-11-03'],
    ['an all-day stay over the spring change keeps its three nights', 'Europe/Paris', ['DTSTART;VALUE=DATE:20260328', 'DTEND;VALUE=DATE:20260331'], '2026-03-28..2026-03-31'],
    ['an all-day DURATION over the autumn change keeps its seven nights', 'Europe/Paris', ['DTSTART;VALUE=DATE:20261024', 'DURATION:P7D'], '2026-10-24..2026-10-31'],
    ['23:30 UTC on the night summer time ends is already the next day in Lisbon summer time', 'Europe/Lisbon', ['DTSTART:20261024T233000Z', 'DTEND:20261027T100000Z'], '2026-10-25..2026-10-27'],
  ])('%s', (_name, timeZone, lines, expected) => {
    expect(nights(oneEvent(...lines), timeZone)).toBe(expected);
  });
});

describe('the host\'s own zone changes nothing', () => {
  const here = JSON.parse(JSON.stringify(hostZoneScenario())) as { allDayOverDstEnd: { entries: { checkOut: string }[] }; rendered: string };

  test('the reference run has the days we expect', () => {
    // The case a host observing DST used to get wrong: node-ical adds DURATION in UTC hours.
    expect(here.allDayOverDstEnd.entries[0]?.checkOut).toBe('2026-10-31');
    expect(here.rendered).toContain('DTSTART;VALUE=DATE:20260328\r\nDTEND;VALUE=DATE:20260330\r\n');
    expect(here.rendered).toContain('DTSTAMP:20260329T003000Z\r\n');
  });

  test.each(['Europe/Paris', 'Pacific/Kiritimati', 'America/Los_Angeles'])('TZ=%s parses and renders exactly as this process does', (hostZone) => {
    expect(runScenarioInHostZone(hostZone)).toEqual(here);
  });
});
