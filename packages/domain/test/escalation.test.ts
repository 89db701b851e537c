import { ConflictTypeSymbols, type ConflictType } from '@cm/schemas';
import type { ConflictFacts } from '../src/conflicts';
import { assess, NO_FAILURES, recordSyncOutcome, type SyncStreak } from '../src/escalation';
import { key, nights } from './builders';

const K = key('AIRBNB', 'HM1');

describe('5.2 escalation rules', () => {
  it.each([
    [501, 'CONFIRMED', true],
    [500, 'CONFIRMED', false],
    [2_000, 'PENDING', false],
  ] as const)('5.2.1 price difference > 5%% on confirmed bookings: %i bp on a %s booking (new) escalates: %s', (differenceBp, bookingStatus, escalates) => {
    const a = assess({ type: 'PRICE_DISCREPANCY', key: K, differenceBp, bookingStatus, newBooking: true });
    expect(a.requiresReview).toBe(escalates);
    if (escalates) expect(a).toMatchObject({ severity: 'HIGH', escalatedBy: '5.2.1 price difference > 5% on a confirmed booking', slaMinutes: 24 * 60 });
  });

  it('5.2.2 date modification conflicts (requested dates unavailable) go to review within 4 hours', () => {
    const facts: ConflictFacts = { type: 'DATE_MODIFICATION', key: K, requested: nights('2026-12-01..2026-12-05'), requestedBy: 'channel', heldBy: [] };
    expect(assess(facts)).toEqual({ severity: 'HIGH', requiresReview: true, slaMinutes: 240, route: 'review', escalatedBy: '5.2.2 date modification conflict: requested dates unavailable' });
  });

  it('5.2.3 a reservation action the channel did not take: a cancellation, a decline or an accepted alteration is critical at once, a date change or a declined alteration high, an acknowledgement counted like a push', () => {
    const failed = (reservationAction: string, consecutiveFailures = 1) => assess({ type: 'SYNC_FAILED', channel: 'BOOKING_COM', consecutiveFailures, reservationAction });
    expect(failed('HOST_CANCEL', 0)).toMatchObject({ severity: 'CRITICAL', requiresReview: true, slaMinutes: 60 });
    expect(failed('DECLINE_REQUEST')).toMatchObject({ severity: 'CRITICAL', requiresReview: true });
    expect(failed('CHANGE_DATES')).toMatchObject({ severity: 'HIGH', requiresReview: true });
    expect(failed('ACCEPT_ALTERATION')).toMatchObject({ severity: 'CRITICAL', requiresReview: true, slaMinutes: 60 });
    expect(failed('DECLINE_ALTERATION')).toMatchObject({ severity: 'HIGH', requiresReview: true, slaMinutes: 240 });
    expect(failed('ACKNOWLEDGE')).toMatchObject({ requiresReview: false });
    expect(failed('ACKNOWLEDGE', 4)).toMatchObject({ requiresReview: true });
  });

  it('5.2.3 multiple consecutive sync failures (>3): the fourth in a row raises one conflict, a success resets', () => {
    let streak: SyncStreak = NO_FAILURES;
    const raised: (ConflictFacts | null)[] = [];
    for (const outcome of ['FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED', 'ACKNOWLEDGED', 'FAILED'] as const) {
      const next = recordSyncOutcome(streak, outcome, 'VRBO');
      streak = next.streak;
      raised.push(next.raise);
    }
    expect(raised.map((r) => r?.type ?? null)).toEqual([null, null, null, 'SYNC_FAILED', null, null, null]);
    expect(raised[3]).toEqual({ type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 4 });
    expect(assess(raised[3]!)).toMatchObject({ requiresReview: true, escalatedBy: '5.2.3 more than 3 consecutive sync failures' });
    expect(assess({ type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 3 }).requiresReview).toBe(false);
    expect(streak).toEqual({ consecutiveFailures: 1 });
  });

  it.each([
    [11, 0, true, 'HIGH'],
    [10, 0, false, 'HIGH'],
    [11, 2, true, 'CRITICAL'],
    [3, 1, false, 'CRITICAL'],
  ] as const)('5.2.4 availability drift > 10 days in the window: %i nights (%i open while booked) escalates: %s, %s', (driftNights, openWhileBooked, escalates, severity) => {
    const a = assess({ type: 'AVAILABILITY_DRIFT', channel: 'AIRBNB', driftNights, openWhileBooked, windowDays: 90 });
    expect(a).toMatchObject({ requiresReview: escalates, severity });
    if (escalates && severity === 'CRITICAL') expect(a).toMatchObject({ route: 'page', slaMinutes: 60 });
  });

  it('5.2.5 guest dispute flags from channels always go to review', () => {
    expect(assess({ type: 'GUEST_DISPUTE', channel: 'BOOKING_COM', key: K, reason: 'noise' })).toMatchObject({ requiresReview: true, escalatedBy: '5.2.5 guest dispute flag from a channel' });
  });
});

describe('the other conflict types', () => {
  it.each<[string, ConflictFacts, { severity: string; requiresReview: boolean }]>([
    ['overbooking pages someone', { type: 'OVERBOOKING', channel: 'VRBO', losingKey: K, winningKey: K }, { severity: 'CRITICAL', requiresReview: true }],
    ['a prevented double booking is logged', { type: 'DOUBLE_BOOKING', losingKey: K, winningKey: K }, { severity: 'MEDIUM', requiresReview: false }],
    ['a block over a booking is logged', { type: 'BLOCK_OVERLAP', blockKey: K, heldBy: [K], overlapsBooking: true }, { severity: 'MEDIUM', requiresReview: false }],
    ['a block over a block is low', { type: 'BLOCK_OVERLAP', blockKey: K, heldBy: [K], overlapsBooking: false }, { severity: 'LOW', requiresReview: false }],
    ['a status mismatch is high, settled by rule', { type: 'STATUS_MISMATCH', key: K, ledgerStatus: 'CONFIRMED', incomingStatus: 'PENDING', winner: 'AIRBNB' }, { severity: 'HIGH', requiresReview: false }],
    ['guest data is medium, settled by rule', { type: 'GUEST_DATA', key: K, keptFields: ['email'] }, { severity: 'MEDIUM', requiresReview: false }],
    ['an existing booking price difference up to 5% is flagged', { type: 'PRICE_DISCREPANCY', key: K, differenceBp: 300, bookingStatus: 'CONFIRMED', newBooking: false }, { severity: 'MEDIUM', requiresReview: true }],
    ['a currency mismatch without a rate needs a human', { type: 'CURRENCY_MISMATCH', key: K, ledgerCurrency: 'EUR' as never, incomingCurrency: 'USD' as never, rateGiven: false }, { severity: 'HIGH', requiresReview: true }],
    ['a currency mismatch with a rate is logged', { type: 'CURRENCY_MISMATCH', key: K, ledgerCurrency: 'EUR' as never, incomingCurrency: 'USD' as never, rateGiven: true }, { severity: 'LOW', requiresReview: false }],
    ['a rate plan conflict is flagged', { type: 'RATE_PLAN', key: K, ledgerPlan: 'flex', incomingPlan: 'nonref' }, { severity: 'MEDIUM', requiresReview: true }],
    ['a PMS date change onto held nights is logged', { type: 'DATE_MODIFICATION', key: K, requested: nights('2026-12-01..2026-12-02'), requestedBy: 'pms', heldBy: [] }, { severity: 'MEDIUM', requiresReview: false }],
    ['stale data is ignored and logged', { type: 'STALE_DATA', key: K, incomingVersion: 1, ledgerVersion: 2 }, { severity: 'LOW', requiresReview: false }],
    ['price drift is corrected and logged', { type: 'PRICE_DRIFT', channel: 'AIRBNB', nights: 4 }, { severity: 'MEDIUM', requiresReview: false }],
  ])('%s', (_, facts, expected) => {
    const a = assess(facts);
    expect(a).toMatchObject(expected);
    expect(a.slaMinutes === null).toBe(!a.requiresReview);
    expect(a.route).toBe(!a.requiresReview ? 'log' : a.severity === 'CRITICAL' ? 'page' : 'review');
  });
});

describe('the conflict facts and the schema', () => {
  it('name exactly the conflict types of the Avro enum (checked by the compiler)', () => {
    type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
    const covered: Exact<ConflictFacts['type'], ConflictType> = true;
    expect(covered).toBe(true);
    expect(ConflictTypeSymbols).toHaveLength(14);
  });
});
