// Relative imports, not '@cm/ical': this module also runs in a child process with no jest mapper.
import { parseFeed, renderFeed } from '../../src/index';
import { readFixture, type FixtureName } from './fixtures';

const FIXTURES: readonly FixtureName[] = ['airbnb', 'booking', 'vrbo', 'google-timed', 'recurring', 'broken'];

/**
 * Everything whose result could depend on the zone the host runs in (node-ical builds DATE values
 * at host-local midnight; ical-generator prints dates with local getters when given a zone).
 * The same result must come out whatever TZ the process has.
 */
export function hostZoneScenario(): unknown {
  const parsed = FIXTURES.map((name) => parseFeed(readFixture(name), { timeZone: 'America/New_York', window: { from: '2026-01-01', to: '2028-01-01' } }));
  const allDayOverDstEnd = parseFeed(
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:week@x', 'DTSTART;VALUE=DATE:20261024', 'DURATION:P7D', 'SUMMARY:Blocked', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n'),
    { timeZone: 'Europe/Paris' },
  );
  const rendered = renderFeed({
    listingId: 'listing-1',
    calendarName: 'Host zone',
    timeZone: 'Europe/Paris',
    entriesChangedAt: new Date('2026-03-29T00:30:00Z'),
    entries: [
      { uid: 'a', kind: 'reservation', checkIn: '2026-03-28', checkOut: '2026-03-30' },
      { uid: 'b', kind: 'blocked', checkIn: '2026-10-24', checkOut: '2026-10-26' },
    ],
  });
  return { parsed, allDayOverDstEnd, rendered };
}
