import type { Conflict } from '@cm/schemas';
import type { ConflictFacts } from './conflicts';
import { assertNever } from './guest';
import { toEpochDay, type StayDates } from './stay-dates';

/** A conflict's facts as the conflicts topic carries them: one record per conflict type, tagged by kind. */
export type ConflictFactsRecord = Conflict['facts'];

/** The facts of a conflict as the topic's record: the same fields, snake_case, dates as Avro dates. */
export function conflictFactsRecord(facts: ConflictFacts): ConflictFactsRecord {
  switch (facts.type) {
    case 'OVERBOOKING':
      return { kind: facts.type, channel: facts.channel, losing_key: facts.losingKey, winning_key: facts.winningKey, losing_dates: facts.losingDates ? nights(facts.losingDates) : null };
    case 'DOUBLE_BOOKING':
      return { kind: facts.type, losing_key: facts.losingKey, winning_key: facts.winningKey };
    case 'BLOCK_OVERLAP':
      return { kind: facts.type, block_key: facts.blockKey, held_by: [...facts.heldBy], overlaps_booking: facts.overlapsBooking };
    case 'STATUS_MISMATCH':
      return { kind: facts.type, key: facts.key, ledger_status: facts.ledgerStatus, incoming_status: facts.incomingStatus, winner: facts.winner };
    case 'GUEST_DATA':
      return { kind: facts.type, key: facts.key, kept_fields: [...facts.keptFields] };
    case 'PRICE_DISCREPANCY':
      return { kind: facts.type, key: facts.key, difference_bp: facts.differenceBp, booking_status: facts.bookingStatus, new_booking: facts.newBooking };
    case 'CURRENCY_MISMATCH':
      return { kind: facts.type, key: facts.key, ledger_currency: facts.ledgerCurrency, incoming_currency: facts.incomingCurrency, rate_given: facts.rateGiven };
    case 'RATE_PLAN':
      return { kind: facts.type, key: facts.key, ledger_plan: facts.ledgerPlan, incoming_plan: facts.incomingPlan };
    case 'DATE_MODIFICATION':
      return { kind: facts.type, key: facts.key, requested: nights(facts.requested), requested_by: facts.requestedBy, held_by: [...facts.heldBy] };
    case 'STALE_DATA':
      return { kind: facts.type, key: facts.key, incoming_version: facts.incomingVersion, ledger_version: facts.ledgerVersion };
    case 'AVAILABILITY_DRIFT':
      return { kind: facts.type, channel: facts.channel, drift_nights: facts.driftNights, open_while_booked: facts.openWhileBooked, window_days: facts.windowDays };
    case 'PRICE_DRIFT':
      return { kind: facts.type, channel: facts.channel, nights: facts.nights };
    case 'SYNC_FAILED':
      return { kind: facts.type, channel: facts.channel, consecutive_failures: facts.consecutiveFailures, reservation_action: facts.reservationAction ?? null };
    case 'GUEST_DISPUTE':
      return { kind: facts.type, channel: facts.channel, key: facts.key, reason: facts.reason };
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(facts);
  }
}

/**
 * The facts as strings by their domain names (strings kept raw, every other value JSON-encoded):
 * the details the audit log and the review tasks keep.
 */
export function conflictDetails(facts: ConflictFacts): Record<string, string> {
  const details: Record<string, string> = {};
  for (const [name, value] of Object.entries(facts)) {
    if (name === 'type') continue;
    details[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return details;
}

function nights(dates: StayDates) {
  return { check_in: toEpochDay(dates.checkIn), check_out: toEpochDay(dates.checkOut) };
}
