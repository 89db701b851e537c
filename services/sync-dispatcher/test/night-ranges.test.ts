import {
  expandRange,
  MAX_EXPANDED_NIGHTS,
  mergeIntoRanges,
  newerNights,
  splitRange,
  type LocalDate,
  type NightRange,
  type NightState,
  type NightTerms,
} from '../src/plan/night-ranges';
import { seededRandom } from '@cm/service-runtime';

const eur = (amount_minor: number) => ({ amount_minor, currency: 'EUR' });
const terms: NightTerms = { available: true, price: eur(12_000), minStay: 2, version: 1 };

/** A night with the default terms, overridden where a test needs a difference. */
const night = (date: LocalDate, overrides: Partial<NightTerms> = {}): NightState => ({ date, ...terms, ...overrides });

/** A range with the default terms. */
const range = (from: LocalDate, to: LocalDate, overrides: Partial<NightTerms> = {}): NightRange => ({ from, to, ...terms, ...overrides });

/** The test's own date step (via Date.UTC), so the property does not check the module with itself. */
function dayAfter(date: LocalDate, days: number): LocalDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

describe('mergeIntoRanges', () => {
  it('no nights, no ranges', () => {
    expect(mergeIntoRanges([])).toEqual([]);
  });

  it('a single night is a one-night range ending the next day', () => {
    expect(mergeIntoRanges([night('2026-07-14', { version: 4 })])).toEqual([range('2026-07-14', '2026-07-15', { version: 4 })]);
  });

  it('consecutive equal nights are one range carrying the highest version', () => {
    const nights = [night('2026-07-14', { version: 3 }), night('2026-07-15', { version: 9 }), night('2026-07-16', { version: 5 })];
    expect(mergeIntoRanges(nights)).toEqual([range('2026-07-14', '2026-07-17', { version: 9 })]);
  });

  it.each([
    ['a month boundary', ['2026-01-30', '2026-01-31', '2026-02-01'], '2026-01-30', '2026-02-02'],
    ['a 30-day month', ['2026-04-29', '2026-04-30', '2026-05-01'], '2026-04-29', '2026-05-02'],
    ['a year boundary', ['2026-12-30', '2026-12-31', '2027-01-01'], '2026-12-30', '2027-01-02'],
    ['the leap day 2028-02-29', ['2028-02-28', '2028-02-29', '2028-03-01'], '2028-02-28', '2028-03-02'],
    ['February without a leap day (2027)', ['2027-02-27', '2027-02-28', '2027-03-01'], '2027-02-27', '2027-03-02'],
    ['the EU spring DST change (UTC days, no 23-hour day)', ['2026-03-28', '2026-03-29', '2026-03-30'], '2026-03-28', '2026-03-31'],
    ['the EU autumn DST change', ['2026-10-24', '2026-10-25', '2026-10-26'], '2026-10-24', '2026-10-27'],
  ])('merges across %s', (_case, dates, from, to) => {
    expect(mergeIntoRanges(dates.map((date) => night(date)))).toEqual([range(from, to)]);
  });

  it('a missing night (gap) starts a new range', () => {
    expect(mergeIntoRanges([night('2026-05-01'), night('2026-05-02'), night('2026-05-04')])).toEqual([range('2026-05-01', '2026-05-03'), range('2026-05-04', '2026-05-05')]);
  });

  it('2028-02-28 and 2028-03-01 are not consecutive: 2028 has a Feb 29', () => {
    expect(mergeIntoRanges([night('2028-02-28'), night('2028-03-01')])).toEqual([range('2028-02-28', '2028-02-29'), range('2028-03-01', '2028-03-02')]);
  });

  it('sorts unsorted input first', () => {
    const shuffled = [night('2026-05-03'), night('2026-05-01', { available: false }), night('2026-05-04'), night('2026-05-02')];
    expect(mergeIntoRanges(shuffled)).toEqual([range('2026-05-01', '2026-05-02', { available: false }), range('2026-05-02', '2026-05-05')]);
  });

  it('leaves its input as it was', () => {
    const nights = [night('2026-05-02'), night('2026-05-01')];
    mergeIntoRanges(nights);
    expect(nights.map((each) => each.date)).toEqual(['2026-05-02', '2026-05-01']);
  });

  it.each<[string, Partial<NightTerms>, Partial<NightTerms>]>([
    ['the price currency differs (same amount)', { price: eur(12_000) }, { price: { amount_minor: 12_000, currency: 'USD' } }],
    ['the price amount differs', { price: eur(12_000) }, { price: eur(12_001) }],
    ['one night has a price and the next none', { price: eur(12_000) }, { price: null }],
    ['availability differs', { available: true }, { available: false }],
    ['the minimum stay differs', { minStay: 2 }, { minStay: 3 }],
    ['one night has a minimum stay and the next none', { minStay: 1 }, { minStay: null }],
  ])('splits where %s', (_case, first, second) => {
    expect(mergeIntoRanges([night('2026-08-01', first), night('2026-08-02', second)])).toEqual([range('2026-08-01', '2026-08-02', first), range('2026-08-02', '2026-08-03', second)]);
  });

  it('merges nights that both have no price and no minimum stay', () => {
    const bare = { price: null, minStay: null };
    expect(mergeIntoRanges([night('2026-08-01', bare), night('2026-08-02', bare)])).toEqual([range('2026-08-01', '2026-08-03', bare)]);
  });

  it('merges equal prices held in different objects (compared by value)', () => {
    expect(mergeIntoRanges([night('2026-08-01', { price: eur(9_900) }), night('2026-08-02', { price: eur(9_900) })])).toEqual([range('2026-08-01', '2026-08-03', { price: eur(9_900) })]);
  });

  it('a version difference alone does not split', () => {
    expect(mergeIntoRanges([night('2026-08-01', { version: 7 }), night('2026-08-02', { version: 2 })])).toEqual([range('2026-08-01', '2026-08-03', { version: 7 })]);
  });

  it('a night listed twice is a caller bug, even with equal terms', () => {
    expect(() => mergeIntoRanges([night('2026-05-01'), night('2026-05-02'), night('2026-05-01')])).toThrow(new RangeError('night 2026-05-01 is listed twice; each night must appear once'));
  });

  it.each(['2026-02-30', '2027-02-29', '2026-2-03', '2026-13-01', '26-02-03', '', '0050-01-01'])('refuses the date %j', (date) => {
    expect(() => mergeIntoRanges([night(date)])).toThrow(new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`));
  });
});

describe('splitRange', () => {
  it('cuts 10 nights into pieces of at most 4: 4, 4, 2', () => {
    expect(splitRange(range('2026-06-01', '2026-06-11', { version: 6 }), 4)).toEqual([
      range('2026-06-01', '2026-06-05', { version: 6 }),
      range('2026-06-05', '2026-06-09', { version: 6 }),
      range('2026-06-09', '2026-06-11', { version: 6 }),
    ]);
  });

  it('an exact multiple leaves no short piece', () => {
    expect(splitRange(range('2026-06-01', '2026-06-07'), 3)).toEqual([range('2026-06-01', '2026-06-04'), range('2026-06-04', '2026-06-07')]);
  });

  it('a range within the limit comes back whole', () => {
    expect(splitRange(range('2026-06-01', '2026-06-04'), 3)).toEqual([range('2026-06-01', '2026-06-04')]);
    expect(splitRange(range('2026-06-01', '2026-06-04'), 500)).toEqual([range('2026-06-01', '2026-06-04')]);
  });

  it('a limit of 1 gives one piece per night, across the year end', () => {
    expect(splitRange(range('2026-12-30', '2027-01-02'), 1)).toEqual([range('2026-12-30', '2026-12-31'), range('2026-12-31', '2027-01-01'), range('2027-01-01', '2027-01-02')]);
  });

  it('cuts across the leap day', () => {
    expect(splitRange(range('2028-02-27', '2028-03-03'), 2)).toEqual([range('2028-02-27', '2028-02-29'), range('2028-02-29', '2028-03-02'), range('2028-03-02', '2028-03-03')]);
  });

  it.each([
    [0, 'maxNights must be an integer >= 1, got 0'],
    [-3, 'maxNights must be an integer >= 1, got -3'],
    [2.5, 'maxNights must be an integer >= 1, got 2.5'],
  ])('refuses maxNights %d', (maxNights, message) => {
    expect(() => splitRange(range('2026-06-01', '2026-06-04'), maxNights)).toThrow(new RangeError(message));
  });

  it('refuses a range with no night in it', () => {
    expect(() => splitRange(range('2026-06-04', '2026-06-04'), 3)).toThrow(new RangeError('range 2026-06-04..2026-06-04 holds no night: its end must be after its start'));
  });
});

describe('newerNights: an older version is never sent after a newer one', () => {
  const current = new Map<LocalDate, NightState>([
    ['2026-09-01', night('2026-09-01', { version: 3 })],
    ['2026-09-02', night('2026-09-02', { version: 3 })],
    ['2026-09-03', night('2026-09-03', { version: 3 })],
  ]);

  it('keeps a greater version, drops an equal or older one, keeps a night not known yet', () => {
    const incoming = [
      night('2026-09-01', { version: 4, available: false }),
      night('2026-09-02', { version: 3, available: false }),
      night('2026-09-03', { version: 2, available: false }),
      night('2026-09-04', { version: 1, available: false }),
    ];
    expect(newerNights(current, incoming)).toEqual([night('2026-09-01', { version: 4, available: false }), night('2026-09-04', { version: 1, available: false })]);
  });

  it('of two incoming states for one night, the higher version wins whatever the order', () => {
    const v5 = night('2026-09-01', { version: 5, minStay: 5 });
    const v6 = night('2026-09-01', { version: 6, minStay: 6 });
    expect(newerNights(current, [v5, v6])).toEqual([v6]);
    expect(newerNights(current, [v6, v5])).toEqual([v6]);
  });

  it('of two incoming states with the same version, the first stays (equal is not newer)', () => {
    const first = night('2026-09-09', { version: 5, price: eur(100) });
    const second = night('2026-09-09', { version: 5, price: eur(200) });
    expect(newerNights(current, [first, second])).toEqual([first]);
  });

  it('returns the winners sorted by date, ready for mergeIntoRanges', () => {
    const incoming = [night('2027-01-01', { version: 9 }), night('2026-12-31', { version: 9 }), night('2026-09-02', { version: 9 })];
    expect(newerNights(current, incoming).map((each) => each.date)).toEqual(['2026-09-02', '2026-12-31', '2027-01-01']);
  });

  it('nothing incoming, nothing to send; nothing known, everything is new', () => {
    expect(newerNights(current, [])).toEqual([]);
    expect(newerNights(new Map(), [night('2026-09-01', { version: 1 })])).toEqual([night('2026-09-01', { version: 1 })]);
  });

  it('refuses a malformed date', () => {
    expect(() => newerNights(current, [night('2026-09-31')])).toThrow(new RangeError('not a calendar date (YYYY-MM-DD): "2026-09-31"'));
  });
});

describe('expandRange', () => {
  it('lists every night from `from` up to but not including `to`', () => {
    expect(expandRange('2026-07-30', '2026-08-02', terms)).toEqual([night('2026-07-30'), night('2026-07-31'), night('2026-08-01')]);
  });

  it('includes the leap day in 2028', () => {
    expect(expandRange('2028-02-28', '2028-03-01', terms).map((each) => each.date)).toEqual(['2028-02-28', '2028-02-29']);
  });

  it('crosses the year end', () => {
    expect(expandRange('2026-12-31', '2027-01-02', terms).map((each) => each.date)).toEqual(['2026-12-31', '2027-01-01']);
  });

  it('a one-night range is that night', () => {
    expect(expandRange('2026-07-30', '2026-07-31', { ...terms, version: 8 })).toEqual([night('2026-07-30', { version: 8 })]);
  });

  it('takes only the terms of what it is given: a NightState passed as terms does not leak its date', () => {
    expect(expandRange('2026-07-30', '2026-07-31', night('2030-01-01', { minStay: 7 }))).toEqual([night('2026-07-30', { minStay: 7 })]);
  });

  it('expands exactly 1,000 nights, and refuses 1,001', () => {
    const nights = expandRange('2026-01-01', '2028-09-27', terms);
    expect([MAX_EXPANDED_NIGHTS, nights.length, nights[0]?.date, nights.at(-1)?.date]).toEqual([1_000, 1_000, '2026-01-01', '2028-09-26']);
    expect(() => expandRange('2026-01-01', '2028-09-28', terms)).toThrow(new RangeError('2026-01-01..2028-09-28 is 1001 nights, more than the 1000 one range may expand to'));
  });

  it.each([
    ['2026-07-30', '2026-07-30'],
    ['2026-07-31', '2026-07-30'],
  ])('refuses %s..%s: no night in it', (from, to) => {
    expect(() => expandRange(from, to, terms)).toThrow(new RangeError(`range ${from}..${to} holds no night: its end must be after its start`));
  });

  it('refuses a malformed bound', () => {
    expect(() => expandRange('2026-07-30', '2026-07-32', terms)).toThrow(new RangeError('not a calendar date (YYYY-MM-DD): "2026-07-32"'));
  });
});

describe('properties over seeded random night sets', () => {
  const currencies = ['EUR', 'USD'] as const;

  /** Nights in runs (so merges happen), with gaps, leap days and year ends in reach, shuffled. */
  function randomNights(random: () => number): NightState[] {
    const start = dayAfter('2026-11-01', Math.floor(random() * 900)); // reaches into 2029, past 2028-02-29
    const count = Math.floor(random() * 60);
    const nights: NightState[] = [];
    let date = start;
    let previous: NightTerms | null = null;
    for (let index = 0; index < count; index += 1) {
      date = dayAfter(date, random() < 0.1 ? 2 + Math.floor(random() * 3) : 1); // a gap now and then
      const price = random() < 0.2 ? null : { amount_minor: 10_000 + 500 * Math.floor(random() * 2), currency: currencies[Math.floor(random() * 2)] ?? 'EUR' };
      const fresh: NightTerms = { available: random() < 0.7, price, minStay: random() < 0.3 ? null : 1 + Math.floor(random() * 2), version: 0 };
      const kept: NightTerms = previous !== null && random() < 0.7 ? previous : fresh;
      nights.push({ date, ...kept, version: 1 + Math.floor(random() * 50) });
      previous = kept;
    }
    for (let index = nights.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [nights[index], nights[other]] = [nights[other] as NightState, nights[index] as NightState];
    }
    return nights;
  }

  const withoutVersion = ({ version: _version, ...rest }: NightState) => rest;

  it('for 500 night sets: expanding the merged ranges gives back exactly the input nights; ranges are sorted, apart, maximal, versioned by their max', () => {
    let rangesSeen = 0;
    for (let seed = 1; seed <= 500; seed += 1) {
      const input = randomNights(seededRandom(seed));
      const ranges = mergeIntoRanges(input);
      const sortedInput = [...input].sort((a, b) => a.date.localeCompare(b.date));
      rangesSeen += ranges.length;

      const expanded = ranges.flatMap((each) => expandRange(each.from, each.to, each));
      expect({ seed, nights: expanded.map(withoutVersion) }).toEqual({ seed, nights: sortedInput.map(withoutVersion) });

      for (const each of ranges) {
        const versions = sortedInput.filter((one) => one.date >= each.from && one.date < each.to).map((one) => one.version);
        expect({ seed, range: each, version: each.version }).toEqual({ seed, range: each, version: Math.max(...versions) });
      }

      ranges.slice(1).forEach((next, index) => {
        const before = ranges[index] as NightRange;
        const touching = before.to === next.from;
        const sameTerms = before.available === next.available && before.minStay === next.minStay && JSON.stringify(before.price) === JSON.stringify(next.price);
        expect({ seed, before, next, sortedApart: before.to <= next.from, fewest: !(touching && sameTerms) }).toEqual({ seed, before, next, sortedApart: true, fewest: true });
      });
    }
    // the generator must produce real merging work, not 500 empty sets
    expect(rangesSeen).toBeGreaterThan(5_000);
  });

  it('for 300 ranges and limits: the pieces tile the range in order, each within the limit, as few as possible', () => {
    const random = seededRandom(20_280_229);
    for (let run = 0; run < 300; run += 1) {
      const from = dayAfter('2027-12-01', Math.floor(random() * 200));
      const nightsInRange = 1 + Math.floor(random() * 120);
      const maxNights = 1 + Math.floor(random() * 40);
      const whole = range(from, dayAfter(from, nightsInRange), { version: run });
      const pieces = splitRange(whole, maxNights);
      const lengths = pieces.map((piece) => expandRange(piece.from, piece.to, piece).length);
      const context = { run, whole, maxNights };
      expect({ ...context, first: pieces[0]?.from, last: pieces.at(-1)?.to, count: pieces.length }).toEqual({ ...context, first: whole.from, last: whole.to, count: Math.ceil(nightsInRange / maxNights) });
      expect({ ...context, total: lengths.reduce((sum, length) => sum + length, 0), withinLimit: lengths.every((length) => length <= maxNights) }).toEqual({ ...context, total: nightsInRange, withinLimit: true });
      pieces.slice(1).forEach((piece, index) => expect({ ...context, from: piece.from }).toEqual({ ...context, from: pieces[index]?.to }));
      expect({ ...context, versions: [...new Set(pieces.map((piece) => piece.version))] }).toEqual({ ...context, versions: [run] });
    }
  });

  it('for 500 batches: newerNights sends only what beats the known version, one state per night', () => {
    for (let seed = 1; seed <= 500; seed += 1) {
      const random = seededRandom(10_000 + seed);
      const known = new Map(randomNights(random).map((each) => [each.date, each] as const));
      const incoming = [...randomNights(random), ...[...known.values()].filter(() => random() < 0.3).map((each) => ({ ...each, version: each.version + Math.floor(random() * 3) - 1 }))];
      const sent = newerNights(known, incoming);
      const dates = sent.map((each) => each.date);
      expect({ seed, datesUniqueAndSorted: dates }).toEqual({ seed, datesUniqueAndSorted: [...new Set(dates)].sort() });
      for (const each of sent) {
        const bestIncoming = Math.max(...incoming.filter((one) => one.date === each.date).map((one) => one.version));
        const knownVersion = known.get(each.date)?.version ?? Number.NEGATIVE_INFINITY;
        expect({ seed, date: each.date, version: each.version }).toEqual({ seed, date: each.date, version: bestIncoming });
        expect({ seed, date: each.date, beatsKnown: each.version > knownVersion }).toEqual({ seed, date: each.date, beatsKnown: true });
      }
      const unsent = incoming.filter((one) => !dates.includes(one.date));
      for (const one of unsent) {
        expect({ seed, date: one.date, notNewer: one.version <= (known.get(one.date)?.version ?? Number.NEGATIVE_INFINITY) }).toEqual({ seed, date: one.date, notNewer: true });
      }
    }
  });
});
