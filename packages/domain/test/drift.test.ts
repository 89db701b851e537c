import { detectDrift, MAX_WINDOW_DAYS, type ChannelNightView } from '../src/drift';
import { assess } from '../src/escalation';
import { addDays, type LocalDate } from '../src/stay-dates';
import { block, create, given, nights } from './builders';

const START = '2026-12-01' as LocalDate;
const open: ChannelNightView = { available: true };
const closed: ChannelNightView = { available: false };
const calendar = (days: number, view: (night: LocalDate, i: number) => ChannelNightView) =>
  new Map(Array.from({ length: days }, (_, i) => [addDays(START, i), view(addDays(START, i), i)] as const));

describe('availability drift over a window', () => {
  const state = given([create({ source: 'AIRBNB', ref: 'HM1', dates: '2026-12-05..2026-12-08' }), block({ dates: '2026-12-20..2026-12-22' })]);

  it('a channel that matches the ledger has no drift', () => {
    const report = detectDrift({ state, channel: 'VRBO', from: START, channelCalendar: calendar(90, (n) => (n >= '2026-12-05' && n < '2026-12-08') || (n >= '2026-12-20' && n < '2026-12-22') ? closed : open) });
    expect(report).toMatchObject({ driftNights: 0, compared: 90, unreported: 0, mismatches: [], corrections: [], conflicts: [] });
    expect(report.window).toEqual(nights('2026-12-01..2027-03-01'));
  });

  it('open while booked is critical; closed while free is lost revenue; each run becomes one correction', () => {
    const report = detectDrift({ state, channel: 'VRBO', from: START, channelCalendar: calendar(90, (n) => (n >= '2026-12-10' && n < '2026-12-13' ? closed : open)) });
    expect(report.ranges).toEqual([
      { dates: nights('2026-12-05..2026-12-08'), kind: 'open_while_booked' },
      { dates: nights('2026-12-10..2026-12-13'), kind: 'closed_while_free' },
      { dates: nights('2026-12-20..2026-12-22'), kind: 'open_while_booked' },
    ]);
    expect(report.corrections.map((c) => [c.dates.checkIn, c.dates.checkOut, c.available])).toEqual([
      ['2026-12-05', '2026-12-08', false],
      ['2026-12-10', '2026-12-13', true],
      ['2026-12-20', '2026-12-22', false],
    ]);
    expect(report).toMatchObject({ driftNights: 8, openWhileBooked: 5 });
    expect(assess(report.conflicts[0]!.facts)).toMatchObject({ severity: 'CRITICAL', requiresReview: false });
  });

  it('given only the dates of the holding stays, the report is the same as from the whole state', () => {
    const channelCalendar = calendar(90, (n) => (n >= '2026-12-10' && n < '2026-12-13' ? closed : open));
    const fromState = detectDrift({ state, channel: 'VRBO', from: START, channelCalendar });
    const fromDates = detectDrift({ holding: [nights('2026-12-05..2026-12-08'), nights('2026-12-20..2026-12-22'), nights('2027-06-01..2027-06-03')], channel: 'VRBO', from: START, channelCalendar });
    expect(fromDates).toEqual(fromState);
  });

  it('more than 10 drifting nights in the window escalates (5.2.4)', () => {
    const report = detectDrift({ state: given([]), channel: 'EXPEDIA', from: START, channelCalendar: calendar(90, (_, i) => (i < 11 ? closed : open)) });
    expect(report.driftNights).toBe(11);
    expect(report.corrections).toHaveLength(1);
    expect(assess(report.conflicts[0]!.facts)).toMatchObject({ requiresReview: true, severity: 'HIGH' });
  });

  it('nights the channel did not report are not drift, only counted', () => {
    const report = detectDrift({ state, channel: 'VRBO', from: START, days: 30, channelCalendar: new Map() });
    expect(report).toMatchObject({ compared: 0, unreported: 30, driftNights: 0 });
  });

  it.each([0, -1, 1.5, MAX_WINDOW_DAYS + 1])('refuses a window of %s days', (days) => {
    expect(() => detectDrift({ state, channel: 'VRBO', from: START, days, channelCalendar: new Map() })).toThrow(RangeError);
  });

  it('takes a window of a full year (Booking.com expects 12 months)', () => {
    const report = detectDrift({ state, channel: 'BOOKING_COM', from: START, days: MAX_WINDOW_DAYS, channelCalendar: calendar(MAX_WINDOW_DAYS, () => closed) });
    expect(report.compared).toBe(365);
    expect(report.driftNights).toBe(365 - 5);
  });
});
