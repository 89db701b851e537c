import type { Channel, Severity } from '@cm/schemas';
import type { Assessment, ConflictFacts } from './conflicts';
import { assertNever } from './guest';

/** 5.2 thresholds. */
export const PRICE_REVIEW_THRESHOLD_BP = 500; // 5.2.1: price difference > 5% on confirmed bookings
export const SYNC_FAILURES_BEFORE_REVIEW = 3; // 5.2.3: more than 3 consecutive sync failures
export const DRIFT_NIGHTS_BEFORE_REVIEW = 10; // 5.2.4: availability drift > 10 days in the window

const HOUR = 60;
const log = (severity: Severity): Assessment => ({ severity, requiresReview: false, slaMinutes: null, route: 'log', escalatedBy: null });
const review = (severity: Severity, slaMinutes: number, escalatedBy: string): Assessment => ({
  severity,
  requiresReview: true,
  slaMinutes,
  route: severity === 'CRITICAL' ? 'page' : 'review',
  escalatedBy,
});

/**
 * What a human must do about a conflict: its severity (seed section 1, adjusted where noted in
 * docs/conflict-rules.md), whether it becomes a review task (the five rules of 5.2, plus
 * overbookings and the flags 5.1 asks for), and how soon.
 */
export function assess(facts: ConflictFacts): Assessment {
  switch (facts.type) {
    case 'OVERBOOKING':
      // Two guests hold confirmations for one night: someone must be relocated now.
      return review('CRITICAL', 15, 'overbooking: the losing guest holds a channel confirmation');
    case 'DOUBLE_BOOKING':
      // Prevented before anyone was confirmed; the PMS caller got the refusal.
      return log('MEDIUM');
    case 'BLOCK_OVERLAP':
      return log(facts.overlapsBooking ? 'MEDIUM' : 'LOW');
    case 'STATUS_MISMATCH':
      return log('HIGH');
    case 'GUEST_DATA':
      return log('MEDIUM');
    case 'PRICE_DISCREPANCY':
      // 5.2.1 (and the seed's 3.4 for new channel bookings): more than 5% on a confirmed booking goes to a human.
      if (facts.differenceBp > PRICE_REVIEW_THRESHOLD_BP && facts.bookingStatus === 'CONFIRMED') {
        return review('HIGH', 24 * HOUR, '5.2.1 price difference > 5% on a confirmed booking');
      }
      // 5.1 flags every difference on an existing booking for review; a new booking's is accepted and logged.
      return facts.newBooking ? log('MEDIUM') : review('MEDIUM', 72 * HOUR, '5.1 price (existing): flag for review');
    case 'CURRENCY_MISMATCH':
      return facts.rateGiven ? log('LOW') : review('HIGH', 24 * HOUR, '1.3 currency mismatch without a conversion rate');
    case 'RATE_PLAN':
      return review('MEDIUM', 72 * HOUR, '1.3 rate plan conflict');
    case 'DATE_MODIFICATION':
      return facts.requestedBy === 'channel'
        ? review('HIGH', 4 * HOUR, '5.2.2 date modification conflict: requested dates unavailable')
        : log('MEDIUM');
    case 'STALE_DATA':
      return log('LOW');
    case 'AVAILABILITY_DRIFT': {
      const severity: Severity = facts.openWhileBooked > 0 ? 'CRITICAL' : 'HIGH';
      return facts.driftNights > DRIFT_NIGHTS_BEFORE_REVIEW
        ? review(severity, facts.openWhileBooked > 0 ? 60 : 24 * HOUR, '5.2.4 availability drift > 10 days in the window')
        : log(severity);
    }
    case 'PRICE_DRIFT':
      return log('MEDIUM');
    case 'SYNC_FAILED':
      // A losing reservation still confirmed (or a request still open) on its channel: a guest will arrive to taken nights.
      if (facts.reservationAction === 'HOST_CANCEL' || facts.reservationAction === 'DECLINE_REQUEST') return review('CRITICAL', 60, '5.2.3 a cancellation or decline the channel did not take');
      // The ledger moved the stay: its old nights opened elsewhere while the channel's guest still holds them.
      if (facts.reservationAction === 'ACCEPT_ALTERATION') return review('CRITICAL', 60, '5.2.3 an alteration the ledger took and the channel did not');
      if (facts.reservationAction === 'CHANGE_DATES' || facts.reservationAction === 'DECLINE_ALTERATION') return review('HIGH', 4 * HOUR, '5.2.3 a date change the channel did not take');
      return facts.consecutiveFailures > SYNC_FAILURES_BEFORE_REVIEW
        ? review('HIGH', 4 * HOUR, '5.2.3 more than 3 consecutive sync failures')
        : log('MEDIUM');
    case 'GUEST_DISPUTE':
      return review('HIGH', 24 * HOUR, '5.2.5 guest dispute flag from a channel');
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(facts);
  }
}

/** Consecutive failed pushes to one channel of one property; a success ends the streak. */
export interface SyncStreak {
  readonly consecutiveFailures: number;
}

export const NO_FAILURES: SyncStreak = { consecutiveFailures: 0 };

/**
 * Counts a push outcome. Returns the SYNC_FAILED facts to raise when the streak first passes the
 * 5.2.3 threshold, so one outage opens one review task, not one per further failure.
 */
export function recordSyncOutcome(
  streak: SyncStreak,
  outcome: 'ACKNOWLEDGED' | 'FAILED',
  channel: Channel,
): { streak: SyncStreak; raise: ConflictFacts | null } {
  if (outcome === 'ACKNOWLEDGED') return { streak: NO_FAILURES, raise: null };
  const consecutiveFailures = streak.consecutiveFailures + 1;
  return {
    streak: { consecutiveFailures },
    raise: consecutiveFailures === SYNC_FAILURES_BEFORE_REVIEW + 1 ? { type: 'SYNC_FAILED', channel, consecutiveFailures } : null,
  };
}
