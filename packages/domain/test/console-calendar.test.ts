import fc from 'fast-check';
import { agreementOf, calendarRange, mergeMultiCalendar, type ChannelCell, type ListingLastPass, type NightAgreement, type NightHolder, type PushedNight } from '../src/console-calendar';
import { addDays, type LocalDate } from '../src/stay-dates';

const D = (s: string) => s as LocalDate;
const booking: NightHolder = { stayKey: 'AIRBNB:HM1', kind: 'booking', source: 'AIRBNB', reference: 'HM1', status: 'CONFIRMED', guestName: 'Ada' };
const pushed = (available: boolean, pushState: PushedNight['pushState']): PushedNight => ({ date: D('2027-01-01'), available, pushState });
const drift: ChannelCell['drift'] = { passId: 'p1', kind: 'open_while_booked' };

describe('whether a channel agrees with the ledger on a night (agreementOf)', () => {
  const rows: [string, boolean, PushedNight | undefined, ChannelCell['drift'], NightAgreement, boolean?][] = [
    ['a failed push is failed, whatever else is known', false, pushed(false, 'failed'), drift, 'failed'],
    ['drift not yet corrected is drift found, even when the push was acknowledged', false, pushed(false, 'in_sync'), drift, 'drift_found'],
    ['drift on a night never pushed is drift found', true, undefined, { passId: 'p1', kind: 'closed_while_free' }, 'drift_found'],
    ['acknowledged at the ledger\'s state is in sync (held)', false, pushed(false, 'in_sync'), null, 'in_sync'],
    ['acknowledged at the ledger\'s state is in sync (free)', true, pushed(true, 'in_sync'), null, 'in_sync'],
    ['recorded and not acknowledged is pending push', false, pushed(false, 'pending_push'), null, 'pending_push'],
    ['the dispatcher still holds an older state than the ledger: pending push', false, pushed(true, 'in_sync'), null, 'pending_push'],
    ['a held night the dispatcher never recorded is pending push', false, undefined, null, 'pending_push'],
    ['a free night never pushed and never found differing is unknown', true, undefined, null, 'unknown'],
    ["a night held by this channel's own reservation, never pushed to it, is in sync", false, undefined, null, 'in_sync', true],
    ["drift on a night held by this channel's own reservation is still drift found", false, undefined, drift, 'drift_found', true],
    ["a failed push on a night held by this channel's own reservation is still failed", false, pushed(false, 'failed'), null, 'failed', true],
  ];
  it.each(rows)('%s', (_name, shouldBeAvailable, night, found, expected, heldHere = false) => {
    expect(agreementOf({ shouldBeAvailable, heldHere, pushed: night, drift: found })).toBe(expected);
  });
});

describe('the multi-calendar rows (mergeMultiCalendar)', () => {
  const pass = (outcome: ListingLastPass['outcome']): ListingLastPass => ({
    channel: 'VRBO',
    listingId: 'v-1',
    passId: 'pass-1',
    checkedAtMs: 1_000,
    outcome,
    drift: [{ checkIn: D('2027-01-02'), checkOut: D('2027-01-04'), kind: 'open_while_booked' }],
  });

  it('one ledger row and one row per listing, a cell per night of [from, to), listings by channel then id', () => {
    const calendar = mergeMultiCalendar({
      from: D('2027-01-01'),
      to: D('2027-01-04'),
      ledger: [{ date: D('2027-01-02'), holder: booking }],
      listings: [
        { channel: 'VRBO', listingId: 'v-1', nights: [] },
        { channel: 'AIRBNB', listingId: 'a-2', nights: [] },
        { channel: 'AIRBNB', listingId: 'a-1', nights: [{ date: D('2027-01-02'), available: false, pushState: 'in_sync' }] },
      ],
      lastPasses: [],
    });
    expect(calendar.ledger).toEqual([
      { date: '2027-01-01', holder: null },
      { date: '2027-01-02', holder: booking },
      { date: '2027-01-03', holder: null },
    ]);
    expect(calendar.channels.map((r) => `${r.channel}/${r.listingId}`)).toEqual(['AIRBNB/a-1', 'AIRBNB/a-2', 'VRBO/v-1']);
    // a-1 acknowledged the closed night; a-2 is Airbnb's too, where the booking was made: nothing to push.
    expect(calendar.channels[0]!.cells.map((c) => c.agreement)).toEqual(['unknown', 'in_sync', 'unknown']);
    expect(calendar.channels[1]!.cells.map((c) => c.agreement)).toEqual(['unknown', 'in_sync', 'unknown']);
    expect(calendar.channels[2]!.cells.map((c) => c.agreement)).toEqual(['unknown', 'pending_push', 'unknown']);
    expect(calendar.channels[0]!.cells.map((c) => c.shouldBeAvailable)).toEqual([true, false, true]);
  });

  it('drift of a pass whose correction has not landed marks its nights, and names the pass', () => {
    for (const outcome of ['pending', 'failed'] as const) {
      const row = mergeMultiCalendar({ from: D('2027-01-01'), to: D('2027-01-05'), ledger: [], listings: [{ channel: 'VRBO', listingId: 'v-1', nights: [] }], lastPasses: [pass(outcome)] }).channels[0]!;
      expect(row.cells.map((c) => c.agreement)).toEqual(['unknown', 'drift_found', 'drift_found', 'unknown']);
      expect(row.cells[1]!.drift).toEqual({ passId: 'pass-1', kind: 'open_while_booked' });
      expect(row.lastPass).toEqual({ passId: 'pass-1', checkedAtMs: 1_000, outcome });
    }
  });

  it('drift whose correction landed (fixed) no longer marks a night', () => {
    const row = mergeMultiCalendar({ from: D('2027-01-01'), to: D('2027-01-05'), ledger: [], listings: [{ channel: 'VRBO', listingId: 'v-1', nights: [] }], lastPasses: [pass('fixed')] }).channels[0]!;
    expect(row.cells.every((c) => c.drift === null && c.agreement === 'unknown')).toBe(true);
  });

  it('a pass of a listing the property no longer has is left out', () => {
    const calendar = mergeMultiCalendar({ from: D('2027-01-01'), to: D('2027-01-02'), ledger: [], listings: [], lastPasses: [pass('pending')] });
    expect(calendar.channels).toEqual([]);
  });

  it('every row has one cell per night, in date order, whatever the inputs', () => {
    const night = fc.integer({ min: 0, max: 40 }).map((i) => addDays(D('2027-01-01'), i));
    const state = fc.constantFrom<PushedNight['pushState']>('in_sync', 'pending_push', 'failed');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.record({ date: night, available: fc.boolean(), pushState: state }), { maxLength: 50 }), fc.array(night, { maxLength: 20 }), (days, nights, held) => {
        const to = addDays(D('2027-01-01'), days);
        const calendar = mergeMultiCalendar({ from: D('2027-01-01'), to, ledger: held.map((date) => ({ date, holder: booking })), listings: [{ channel: 'AIRBNB', listingId: 'a', nights }], lastPasses: [] });
        const dates = calendar.ledger.map((n) => n.date);
        expect(dates).toHaveLength(days);
        expect([...dates].sort()).toEqual(dates);
        expect(calendar.channels[0]!.cells.map((c) => c.date)).toEqual(dates);
        for (const cell of calendar.channels[0]!.cells) expect(cell.shouldBeAvailable).toBe(!held.includes(cell.date));
      }),
    );
  });
});

describe('the range of nights the console may read (calendarRange)', () => {
  it.each([
    ['2027-01-01', '2027-01-02', { from: '2027-01-01', to: '2027-01-02' }],
    ['2027-01-01', '2027-03-04', { from: '2027-01-01', to: '2027-03-04' }],
    ['2027-01-01', '2027-03-05', { problem: 'at most 62 nights at once; [from, to) has 63' }],
    ['2027-01-02', '2027-01-02', { problem: 'to must be after from: the nights are [from, to)' }],
    ['2027-01-03', '2027-01-02', { problem: 'to must be after from: the nights are [from, to)' }],
    ['2027-02-30', '2027-03-02', { problem: 'from or to is no such calendar day' }],
    ['01/02/2027', '2027-03-02', { problem: 'from and to are YYYY-MM-DD dates' }],
  ])('%s to %s', (from, to, expected) => {
    expect(calendarRange(from, to)).toEqual(expected);
  });
});
