import { NO_FAILURES, type ConflictFacts, type SyncStreak } from '@cm/domain';
import type { SyncResult } from '@cm/schemas';
import { triageConflict, triageSyncResult } from '../src/rules/triage';
import { conflictOf, syncResult } from './records';

const k = (s: unknown) => s as never;

describe('the five 5.2 rules open review tasks', () => {
  test.each([
    ['5.2.1 price difference > 5% on a confirmed booking', { type: 'PRICE_DISCREPANCY', key: k('AIRBNB:a1'), differenceBp: k(501), bookingStatus: 'CONFIRMED', newBooking: false }, 'HIGH'],
    ['5.2.2 date modification by the channel, dates unavailable', { type: 'DATE_MODIFICATION', key: k('VRBO:v1'), requested: k({ checkIn: '2027-01-02', checkOut: '2027-01-05' }), requestedBy: 'channel', heldBy: [k('PMS:p1')] }, 'HIGH'],
    ['5.2.3 more than 3 consecutive sync failures', { type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 4 }, 'HIGH'],
    ['5.2.4 availability drift > 10 nights', { type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', driftNights: 11, openWhileBooked: 0, windowDays: 90 }, 'HIGH'],
    ['5.2.5 guest dispute flag from a channel', { type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k('AIRBNB:a1'), reason: 'dirty' }, 'HIGH'],
  ] as [string, ConflictFacts, string][])('%s', (_rule, facts, severity) => {
    const triage = triageConflict(conflictOf(facts));
    expect(triage).toMatchObject({ kind: 'review', assessedFrom: 'facts', occurrence: { severity, conflictType: facts.type } });
  });

  test.each([
    ['price difference of exactly 5% on a new booking is accepted and logged', { type: 'PRICE_DISCREPANCY', key: k('AIRBNB:a1'), differenceBp: k(500), bookingStatus: 'CONFIRMED', newBooking: true }],
    ['a PMS date change is logged', { type: 'DATE_MODIFICATION', key: k('PMS:p1'), requested: k({ checkIn: '2027-01-02', checkOut: '2027-01-05' }), requestedBy: 'pms', heldBy: [] }],
    ['3 consecutive sync failures are not yet a review', { type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 3 }],
    ['drift of exactly 10 nights is logged', { type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', driftNights: 10, openWhileBooked: 0, windowDays: 90 }],
  ] as [string, ConflictFacts][])('no review: %s', (_case, facts) => {
    expect(triageConflict(conflictOf(facts))).toMatchObject({ kind: 'count_only', reason: 'no_review_required' });
  });

  test("the facts decide, not the producer's flag: a record claiming review for a logged conflict is only counted", () => {
    const facts: ConflictFacts = { type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', driftNights: 2, openWhileBooked: 0, windowDays: 90 };
    expect(triageConflict(conflictOf(facts, { requires_review: true, sla_minutes: 5 }))).toMatchObject({ kind: 'count_only', assessedFrom: 'facts' });
  });

  test("facts that do not parse: the record's own verdict stands and the reason is given", () => {
    const facts: ConflictFacts = { type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k('AIRBNB:a1'), reason: 'dirty' };
    const record = conflictOf(facts, { facts: { kind: 'GUEST_DISPUTE', channel: 'AIRBNB', key: 'garbage', reason: 'dirty' }, severity: 'MEDIUM', requires_review: true, sla_minutes: 30 });
    expect(triageConflict(record)).toMatchObject({ kind: 'review', assessedFrom: 'record', why: expect.stringContaining('not a stay key'), occurrence: { severity: 'MEDIUM', slaMinutes: 30 } });
    expect(triageConflict({ ...record, requires_review: false })).toMatchObject({ kind: 'count_only', assessedFrom: 'record' });
  });

  test('a flagged record without an SLA gets the SLA of its severity', () => {
    const record = conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: k('AIRBNB:a1'), reason: 'x' }, { facts: { kind: 'GUEST_DISPUTE', channel: 'AIRBNB', key: 'garbage', reason: 'x' }, severity: 'CRITICAL', requires_review: true, sla_minutes: null });
    expect(triageConflict(record)).toMatchObject({ occurrence: { slaMinutes: 15 } });
  });
});

describe('5.2.3 from sync.results.v2: the streak per property and channel', () => {
  const run = (outcomes: SyncResult['outcome'][]) => {
    let streak: SyncStreak = NO_FAILURES;
    const raised = [];
    for (const outcome of outcomes) {
      const step = triageSyncResult(streak, syncResult(outcome));
      streak = step.streak;
      if (step.occurrence) raised.push(step.occurrence);
    }
    return { streak, raised };
  };

  test("a reservation action's outcome neither counts in nor breaks the push streak", () => {
    const failedPushes = { consecutiveFailures: 3 };
    for (const outcome of ['FAILED', 'ACKNOWLEDGED'] as const) {
      expect(triageSyncResult(failedPushes, syncResult(outcome, { reservation_action: 'HOST_CANCEL', booking_ref: 'HM1' }))).toEqual({ streak: failedPushes, occurrence: null });
    }
  });

  test('the fourth failure in a row raises once; later failures of the same outage raise nothing more', () => {
    const { streak, raised } = run(['FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED']);
    expect(streak.consecutiveFailures).toBe(6);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ conflictType: 'SYNC_FAILED', severity: 'HIGH', key: 'SYNC_FAILED|p1|VRBO' });
  });

  test('an acknowledged push ends the streak: 3 failures, a success, 3 failures raise nothing', () => {
    expect(run(['FAILED', 'FAILED', 'FAILED', 'ACKNOWLEDGED', 'FAILED', 'FAILED', 'FAILED']).raised).toEqual([]);
  });

  test("one outage, one key: the streak's occurrence and the dispatcher's SYNC_FAILED conflict share it", () => {
    const fromStreak = run(['FAILED', 'FAILED', 'FAILED', 'FAILED']).raised[0]!;
    const dispatcher = conflictOf({ type: 'SYNC_FAILED', channel: 'VRBO', consecutiveFailures: 6 }, { booking_ref: null });
    const triage = triageConflict(dispatcher);
    expect(triage.kind === 'review' && triage.occurrence.key).toBe(fromStreak.key);
  });
});
