import { assess, type ConflictFacts, type RaisedConflict, type StayKey } from '@cm/domain';
import type { Conflict } from '@cm/schemas';
import { factsAsDetails } from '../../booking-arbiter/src/records';
import { factsOfConflict, isUnreadable } from '../src/rules/facts';

const key = (k: string) => k as StayKey;

/** One set of facts per conflict type, as the arbiter, reconciler and dispatcher raise them. */
const EVERY_TYPE: readonly ConflictFacts[] = [
  { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: key('AIRBNB:a1'), winningKey: key('PMS:p1') },
  { type: 'DOUBLE_BOOKING', losingKey: key('PMS:p2'), winningKey: key('PMS:p1') },
  { type: 'BLOCK_OVERLAP', blockKey: key('PMS:b1'), heldBy: [key('VRBO:v1')], overlapsBooking: true },
  { type: 'STATUS_MISMATCH', key: key('AIRBNB:a1'), ledgerStatus: 'CANCELLED', incomingStatus: 'CONFIRMED', winner: 'AIRBNB' },
  { type: 'GUEST_DATA', key: key('AIRBNB:a1'), keptFields: ['email'] },
  { type: 'PRICE_DISCREPANCY', key: key('BOOKING_COM:c1'), differenceBp: 812 as never, bookingStatus: 'CONFIRMED', newBooking: false },
  { type: 'CURRENCY_MISMATCH', key: key('AIRBNB:a1'), ledgerCurrency: 'EUR' as never, incomingCurrency: 'USD' as never, rateGiven: false },
  { type: 'RATE_PLAN', key: key('AIRBNB:a1'), ledgerPlan: 'FLEX', incomingPlan: 'NONREF' },
  { type: 'DATE_MODIFICATION', key: key('VRBO:v1'), requested: { checkIn: '2027-01-02', checkOut: '2027-01-05' } as never, requestedBy: 'channel', heldBy: [key('PMS:p1')] },
  { type: 'STALE_DATA', key: key('AIRBNB:a1'), incomingVersion: 3, ledgerVersion: 5 },
  { type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', driftNights: 14, openWhileBooked: 0, windowDays: 90 },
  { type: 'PRICE_DRIFT', channel: 'EXPEDIA', nights: 4 },
  { type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 4 },
  { type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: key('AIRBNB:a1'), reason: 'guest says the flat was not clean' },
];

function asRecord(facts: ConflictFacts): Pick<Conflict, 'conflict_type' | 'details' | 'channel'> {
  const raised: RaisedConflict = { facts, resolution: 'FLAGGED_FOR_REVIEW', rule: '5.1 price (existing)', channel: 'channel' in facts ? facts.channel : null, summary: '' };
  return { conflict_type: facts.type, details: factsAsDetails(raised), channel: raised.channel };
}

describe('facts rebuilt from a conflict record', () => {
  test.each(EVERY_TYPE.map((f) => [f.type, f] as const))('%s: the details written by factsAsDetails give back the same facts', (_type, facts) => {
    expect(factsOfConflict(asRecord(facts))).toEqual(facts);
  });

  test('each type re-assesses as its producer assessed it', () => {
    for (const facts of EVERY_TYPE) {
      const rebuilt = factsOfConflict(asRecord(facts));
      expect(isUnreadable(rebuilt) ? rebuilt : assess(rebuilt)).toEqual(assess(facts));
    }
  });

  test("the sync-dispatcher's SYNC_FAILED record (attempts, no consecutiveFailures) reads as that many consecutive failures", () => {
    expect(factsOfConflict({ conflict_type: 'SYNC_FAILED', channel: 'AIRBNB', details: { attempts: '6', error: 'HTTP 503', change_event_id: 'e1' } })).toEqual({ type: 'SYNC_FAILED', channel: 'AIRBNB', consecutiveFailures: 6 });
  });

  test('details that do not parse name the field instead of throwing', () => {
    const bad = factsOfConflict({ conflict_type: 'PRICE_DISCREPANCY', channel: 'AIRBNB', details: { key: 'AIRBNB:a1', differenceBp: 'lots', bookingStatus: 'CONFIRMED', newBooking: 'false' } });
    expect(bad).toEqual({ unreadable: true, reason: 'differenceBp: not JSON (lots)' });
    expect(factsOfConflict({ conflict_type: 'GUEST_DISPUTE', channel: null, details: { key: 'AIRBNB:a1', reason: 'x' } })).toMatchObject({ unreadable: true, reason: expect.stringContaining('channel') });
    expect(factsOfConflict({ conflict_type: 'DATE_MODIFICATION', channel: 'VRBO', details: { key: 'nokey', requestedBy: 'channel' } })).toMatchObject({ unreadable: true, reason: expect.stringContaining('not a stay key') });
  });
});
