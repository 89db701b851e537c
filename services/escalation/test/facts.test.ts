import { assess, conflictDetails, conflictFactsRecord, type ConflictFacts, type StayKey } from '@cm/domain';
import type { Conflict } from '@cm/schemas';
import { detailsOfConflict, factsOfConflict, isUnreadable } from '../src/rules/facts';

const key = (k: string) => k as StayKey;

/** One set of facts per conflict type, as the arbiter, reconciler and dispatcher raise them. */
const EVERY_TYPE: readonly ConflictFacts[] = [
  { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: key('AIRBNB:a1'), winningKey: key('PMS:p1') },
  { type: 'OVERBOOKING', channel: 'AIRBNB', losingKey: key('AIRBNB:a1'), winningKey: key('PMS:p1'), losingDates: { checkIn: '2027-01-02', checkOut: '2027-01-05' } as never },
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
  { type: 'SYNC_FAILED', channel: 'AIRBNB', consecutiveFailures: 5, reservationAction: 'HOST_CANCEL' },
  { type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: key('AIRBNB:a1'), reason: 'guest says the flat was not clean' },
];

function asRecord(facts: ConflictFacts): Pick<Conflict, 'conflict_type' | 'facts'> {
  return { conflict_type: facts.type, facts: conflictFactsRecord(facts) };
}

describe('facts read from a conflict record', () => {
  test.each(EVERY_TYPE.map((f) => [f.type, f] as const))('%s: the record written by conflictFactsRecord gives back the same facts', (_type, facts) => {
    expect(factsOfConflict(asRecord(facts))).toEqual(facts);
  });

  test('each type re-assesses as its producer assessed it', () => {
    for (const facts of EVERY_TYPE) {
      const rebuilt = factsOfConflict(asRecord(facts));
      expect(isUnreadable(rebuilt) ? rebuilt : assess(rebuilt)).toEqual(assess(facts));
    }
  });

  test("a task keeps the facts as the audit log has them: the review API's details and what the resolutions read (losingKey, winningKey, losingDates)", () => {
    const overbooking = EVERY_TYPE[1]!;
    const record = asRecord(overbooking);
    expect(detailsOfConflict(record, factsOfConflict(record))).toEqual(conflictDetails(overbooking));
    expect(conflictDetails(overbooking)).toEqual({ channel: 'AIRBNB', losingKey: 'AIRBNB:a1', winningKey: 'PMS:p1', losingDates: '{"checkIn":"2027-01-02","checkOut":"2027-01-05"}' });
  });

  test('facts that do not hold name the field instead of throwing', () => {
    const notAKey = { conflict_type: 'DATE_MODIFICATION', facts: { ...conflictFactsRecord(EVERY_TYPE[9]!), key: 'nokey' } } as Pick<Conflict, 'conflict_type' | 'facts'>;
    expect(factsOfConflict(notAKey)).toMatchObject({ unreadable: true, reason: expect.stringContaining('not a stay key') });
    expect(detailsOfConflict(notAKey, factsOfConflict(notAKey))).toMatchObject({ key: 'nokey', requested_by: 'channel' });
    expect(factsOfConflict({ conflict_type: 'PRICE_DRIFT', facts: conflictFactsRecord(EVERY_TYPE[0]!) })).toMatchObject({ unreadable: true, reason: 'facts: a OVERBOOKING variant on a PRICE_DRIFT conflict' });
    expect(factsOfConflict({ conflict_type: 'GUEST_DATA', facts: { kind: 'GUEST_DATA', key: 'AIRBNB:a1', kept_fields: ['shoe size'] } })).toMatchObject({ unreadable: true, reason: expect.stringContaining('not a guest field') });
  });
});
