import type { Conflict } from '@cm/schemas';
import { assessConflictRecord, conflictDetails, conflictFactsRecord, conflictRecord, factsOfConflict, isUnreadable, type ConflictContext } from '../src/conflict-codec';
import type { ConflictFacts, RaisedConflict } from '../src/conflicts';
import { assess } from '../src/escalation';
import type { StayKey } from '../src/property-state';

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

describe('the conflict codec: facts read back from a conflict record', () => {
  test.each(EVERY_TYPE.map((f) => [f.type, f] as const))('%s: the record written by conflictFactsRecord gives back the same facts', (_type, facts) => {
    expect(factsOfConflict(asRecord(facts))).toEqual(facts);
  });

  test('each type re-assesses as its producer assessed it', () => {
    for (const facts of EVERY_TYPE) {
      const rebuilt = factsOfConflict(asRecord(facts));
      expect(isUnreadable(rebuilt) ? rebuilt : assess(rebuilt)).toEqual(assess(facts));
    }
  });

  test('the details the audit log and review tasks keep: the facts as strings by their domain names (losingKey, winningKey, losingDates)', () => {
    const overbooking = EVERY_TYPE[1]!;
    expect(conflictDetails(overbooking)).toEqual({ channel: 'AIRBNB', losingKey: 'AIRBNB:a1', winningKey: 'PMS:p1', losingDates: '{"checkIn":"2027-01-02","checkOut":"2027-01-05"}' });
  });

  test('facts that do not hold name the field instead of throwing', () => {
    const notAKey = { conflict_type: 'DATE_MODIFICATION', facts: { ...conflictFactsRecord(EVERY_TYPE[9]!), key: 'nokey' } } as Pick<Conflict, 'conflict_type' | 'facts'>;
    expect(factsOfConflict(notAKey)).toMatchObject({ unreadable: true, reason: expect.stringContaining('not a stay key') });
    expect(factsOfConflict({ conflict_type: 'PRICE_DRIFT', facts: conflictFactsRecord(EVERY_TYPE[0]!) })).toMatchObject({ unreadable: true, reason: 'facts: a OVERBOOKING variant on a PRICE_DRIFT conflict' });
    expect(factsOfConflict({ conflict_type: 'GUEST_DATA', facts: { kind: 'GUEST_DATA', key: 'AIRBNB:a1', kept_fields: ['shoe size'] } })).toMatchObject({ unreadable: true, reason: expect.stringContaining('not a guest field') });
  });
});

const CONTEXT: ConflictContext = { eventId: 'cmd-1:conflict:0', propertyId: 'p1', version: 7, source: 'AIRBNB', bookingRef: 'a1', commandId: 'cmd-1', detectedAt: 1_000, correlationId: 'corr-1' };

describe('conflictRecord: every producer writes a raised conflict through one builder, assessed by 5.2', () => {
  test.each(EVERY_TYPE.map((f) => [f.type, f] as const))('%s: the record carries the context, the raised conflict and assess()’s verdict', (_type, facts) => {
    const raised: RaisedConflict = { facts, resolution: 'FLAGGED_FOR_REVIEW', rule: '5.1 availability', channel: 'channel' in facts ? facts.channel : null, summary: 'one line' };
    const a = assess(facts);
    expect(conflictRecord(raised, CONTEXT)).toEqual({
      event_id: 'cmd-1:conflict:0',
      property_id: 'p1',
      version: 7,
      source: 'AIRBNB',
      conflict_type: facts.type,
      severity: a.severity,
      resolution: 'FLAGGED_FOR_REVIEW',
      rule: '5.1 availability',
      requires_review: a.requiresReview,
      sla_minutes: a.slaMinutes,
      channel: raised.channel,
      booking_ref: 'a1',
      summary: 'one line',
      facts: conflictFactsRecord(facts),
      command_id: 'cmd-1',
      detected_at: 1_000,
      correlation_id: 'corr-1',
    } satisfies Conflict);
  });
});

describe('assessConflictRecord: the one place escalation takes a record’s 5.2 assessment from', () => {
  const syncFailed = (consecutiveFailures: number): Conflict => conflictRecord({ facts: { type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures }, resolution: 'RETRIES_EXHAUSTED', rule: '5.2 sync failures', channel: 'VRBO', summary: 's' }, CONTEXT);

  test('authoritative are the rules applied again to the facts, not the verdict the producer wrote', () => {
    const written = { ...syncFailed(4), severity: 'LOW' as const, requires_review: false, sla_minutes: null };
    expect(assessConflictRecord(written)).toMatchObject({ assessedFrom: 'facts', assessment: assess({ type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 4 }) });
    expect(assessConflictRecord(written).assessment).toMatchObject({ severity: 'HIGH', requiresReview: true, slaMinutes: 240 });
  });

  test('facts that do not parse: the producer’s own verdict stands, flagged by its rule', () => {
    const unreadable: Conflict = { ...syncFailed(4), conflict_type: 'PRICE_DRIFT', severity: 'HIGH', requires_review: true, sla_minutes: 90, rule: '1.3 price drift' };
    expect(assessConflictRecord(unreadable)).toEqual({
      assessedFrom: 'record',
      facts: { unreadable: true, reason: 'facts: a SYNC_FAILED variant on a PRICE_DRIFT conflict' },
      assessment: { severity: 'HIGH', requiresReview: true, slaMinutes: 90, route: 'review', escalatedBy: '1.3 price drift (flagged by its producer)' },
    });
    expect(assessConflictRecord({ ...unreadable, requires_review: false, sla_minutes: null, severity: 'MEDIUM' }).assessment).toEqual({ severity: 'MEDIUM', requiresReview: false, slaMinutes: null, route: 'log', escalatedBy: null });
  });
});
