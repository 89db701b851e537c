import { readFeedChanges, type CalendarEntry, type FeedProblem, type HeldEntry } from '@cm/ical';

const window = { from: '2027-01-01', to: '2028-01-01' };
const stay = (uid: string, checkIn: string, checkOut: string, kind: CalendarEntry['kind'] = 'reservation'): CalendarEntry => ({ uid, kind, checkIn, checkOut });
const read = (entries: CalendarEntry[], problems: FeedProblem[] = []) => ({ entries, problems });
const changesOf = (held: HeldEntry[], entries: CalendarEntry[], problems: FeedProblem[] = []) => {
  const reading = readFeedChanges(held, read(entries, problems), window);
  if (reading.kind !== 'changes') throw new Error(`expected changes, got ${reading.kind}`);
  return reading.changes.map((c) => `${c.change} ${c.change === 'disappeared' ? c.before.uid : `${c.entry.uid} ${c.entry.checkIn}/${c.entry.checkOut}`}`);
};

describe('readFeedChanges: what one read of a feed changes in what we hold from it', () => {
  test('a new event appears, a held one whose dates changed moves, a held one no longer in the feed disappears', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04'), stay('b', '2027-03-01', '2027-03-05'), stay('c', '2027-04-01', '2027-04-03'), stay('d', '2027-05-01', '2027-05-02')];
    expect(changesOf(held, [stay('a', '2027-02-01', '2027-02-04'), stay('b', '2027-03-02', '2027-03-06'), stay('c', '2027-04-01', '2027-04-03'), stay('e', '2027-06-01', '2027-06-03', 'blocked')])).toEqual([
      'moved b 2027-03-02/2027-03-06',
      'appeared e 2027-06-01/2027-06-03',
      'disappeared d',
    ]);
  });

  test('the same feed read again changes nothing', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04')];
    expect(changesOf(held, [stay('a', '2027-02-01', '2027-02-04')])).toEqual([]);
  });

  test('a held event that ended before the window is over, not cancelled', () => {
    expect(changesOf([stay('past', '2026-12-20', '2027-01-01')], [])).toEqual([]);
  });

  test('a held event after the window was not looked at: it is kept', () => {
    expect(changesOf([stay('later', '2028-02-01', '2028-02-03')], [])).toEqual([]);
  });

  test('a held event the read could not parse is kept as held, not released', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04')];
    expect(changesOf(held, [], [{ uid: 'a', code: 'invalid_date', reason: 'DTSTART is not a date' }])).toEqual([]);
  });

  // Found by a review: a series refused for one bad override released every occurrence it held.
  test('a recurring series the read could not parse keeps every occurrence it held; another series with a name that merely starts alike does not', () => {
    const held = [stay('wk#2027-02-06', '2027-02-06', '2027-02-08'), stay('wk#2027-02-13', '2027-02-13', '2027-02-15'), stay('wk-other#2027-02-20', '2027-02-20', '2027-02-22'), stay('x#y', '2027-03-01', '2027-03-02')];
    expect(changesOf(held, [], [{ uid: 'wk', code: 'invalid_date', reason: 'an override is not a date' }])).toEqual(['disappeared wk-other#2027-02-20', 'disappeared x#y']);
  });

  test('a cut-off or non-calendar answer is incomplete: nothing is read from it', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04')];
    expect(readFeedChanges(held, read([], [{ code: 'truncated_calendar', reason: 'no END:VCALENDAR' }]), window)).toEqual({ kind: 'incomplete', problems: [{ code: 'truncated_calendar', reason: 'no END:VCALENDAR' }] });
    expect(readFeedChanges(held, read([], [{ code: 'not_a_calendar', reason: 'HTML' }]), window).kind).toBe('incomplete');
  });

  test('a feed that goes from many events to none is a suspicious shrink: nothing is released', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04'), stay('b', '2027-03-01', '2027-03-05'), stay('c', '2027-04-01', '2027-04-03')];
    const reading = readFeedChanges(held, read([]), window);
    expect(reading).toEqual({ kind: 'suspicious_shrink', heldInWindow: 3, wouldRelease: held });
  });

  test('losing more than half of three or more held events at once is suspicious; half is not', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04'), stay('b', '2027-03-01', '2027-03-05'), stay('c', '2027-04-01', '2027-04-03'), stay('d', '2027-05-01', '2027-05-02')];
    expect(readFeedChanges(held, read([held[0]!]), window).kind).toBe('suspicious_shrink');
    expect(changesOf(held, [held[0]!, held[1]!])).toEqual(['disappeared c', 'disappeared d']);
  });

  test('one or two held events may all be cancelled', () => {
    const held = [stay('a', '2027-02-01', '2027-02-04'), stay('b', '2027-03-01', '2027-03-05')];
    expect(changesOf(held, [])).toEqual(['disappeared a', 'disappeared b']);
  });

  test('events outside the window do not count toward the shrink guard', () => {
    const held = [stay('past1', '2026-11-01', '2026-11-03'), stay('past2', '2026-12-01', '2026-12-03'), stay('a', '2027-02-01', '2027-02-04')];
    expect(changesOf(held, [])).toEqual(['disappeared a']);
  });
});
