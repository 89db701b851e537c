import { parseFeed, renderFeed, type CalendarEntry } from '@cm/ical';
import { readStaysWithIcalJs } from './support/ical-js-reader';
import { SeededRandom } from './support/seeded-random';

const ZONES = ['Europe/Lisbon', 'America/New_York', 'Pacific/Auckland', 'Asia/Kolkata', 'Pacific/Kiritimati', 'America/St_Johns', 'UTC'];
const WORDS = ['pool heater', 'late arrival', 'crib, please', 'semi;colon', 'back\\slash', 'ação', '海の家', 'emoji 🏖️', 'two\nlines'];
const CALENDARS = 300;

/** A listing calendar: stays and blocks, some back to back, across years, DST changes and leap days. */
function randomEntries(random: SeededRandom): CalendarEntry[] {
  const entries: CalendarEntry[] = [];
  let day = Date.UTC(random.integer(2024, 2030), random.integer(0, 11), random.integer(1, 28));
  const count = random.integer(0, 25);
  for (let index = 0; index < count; index += 1) {
    day += random.pick([0, 0, 1, 3, 12, 40]) * 86_400_000;
    const nights = random.pick([1, 1, 2, 3, 7, 14, 30, 200]);
    const checkIn = new Date(day).toISOString().slice(0, 10);
    day += nights * 86_400_000;
    const checkOut = new Date(day).toISOString().slice(0, 10);
    const description = random.next() < 0.3 ? `${random.pick(WORDS)} ${random.pick(WORDS)}` : undefined;
    entries.push({
      uid: `${random.pick(['stay', 'block', 'hm', 'x'])}-${index}-${random.integer(0, 1e9)}@cm.example`,
      kind: random.pick(['reservation', 'blocked'] as const),
      checkIn,
      checkOut,
      ...(description === undefined ? {} : { description }),
    });
  }
  return entries;
}

/** What must survive a render and a parse: who, which nights, which kind. */
function stays(entries: readonly CalendarEntry[]): string[] {
  return entries.map((entry) => `${entry.uid} ${entry.kind} ${entry.checkIn}..${entry.checkOut}`).sort();
}

test(`round trip over ${CALENDARS} generated calendars: node-ical and ical.js read back the stays we rendered`, () => {
  for (let seed = 1; seed <= CALENDARS; seed += 1) {
    const random = new SeededRandom(seed);
    const entries = randomEntries(random);
    const timeZone = random.pick(ZONES);
    const text = renderFeed({
      listingId: `listing-${seed}`,
      calendarName: `Listing ${seed}`,
      timeZone,
      entries,
      entriesChangedAt: new Date(Date.UTC(2026, 0, 1) + seed * 1000),
    });
    const context = `seed ${seed}`;

    const parsed = parseFeed(text, { timeZone });
    expect({ context, problems: parsed.problems }).toEqual({ context, problems: [] });
    expect({ context, stays: stays(parsed.entries) }).toEqual({ context, stays: stays(entries) });
    const descriptions = new Map(entries.map((entry) => [entry.uid, entry.description]));
    for (const entry of parsed.entries) expect({ context, description: entry.description }).toEqual({ context, description: descriptions.get(entry.uid) });

    const second = readStaysWithIcalJs(text).map((stay) => `${stay.uid} ${stay.summary === 'Reserved' ? 'reservation' : 'blocked'} ${stay.checkIn}..${stay.checkOut}`);
    expect({ context, stays: second.sort() }).toEqual({ context, stays: stays(entries) });
  }
});
