import { assertNever, conflictDetails, fromEpochDay, GUEST_FIELDS, type ConflictFacts, type CurrencyCode, type GuestField, type StayDates, type StayKey } from '@cm/domain';
import type { Conflict } from '@cm/schemas';

/** Why a record's details do not give back the facts its rule used. */
export interface UnreadableFacts {
  readonly unreadable: true;
  readonly reason: string;
}

/**
 * The domain's facts of a conflict, read from the record's `facts` (a union tagged by kind), so
 * the escalation rules can be applied again here rather than trusted. The schema gives every
 * field its type; what is checked here is what it cannot say (a stay key's shape, the variant
 * matching conflict_type). Names the first field that does not hold.
 */
export function factsOfConflict(conflict: Pick<Conflict, 'conflict_type' | 'facts'>): ConflictFacts | UnreadableFacts {
  const f = conflict.facts;
  try {
    if (f.kind !== conflict.conflict_type) throw new Error(`facts: a ${f.kind} variant on a ${conflict.conflict_type} conflict`);
    switch (f.kind) {
      case 'OVERBOOKING':
        return { type: f.kind, channel: f.channel, losingKey: key(f.losing_key, 'losing_key'), winningKey: key(f.winning_key, 'winning_key'), ...(f.losing_dates ? { losingDates: dates(f.losing_dates) } : {}) };
      case 'DOUBLE_BOOKING':
        return { type: f.kind, losingKey: key(f.losing_key, 'losing_key'), winningKey: key(f.winning_key, 'winning_key') };
      case 'BLOCK_OVERLAP':
        return { type: f.kind, blockKey: key(f.block_key, 'block_key'), heldBy: f.held_by.map((k) => key(k, 'held_by')), overlapsBooking: f.overlaps_booking };
      case 'STATUS_MISMATCH':
        return { type: f.kind, key: key(f.key, 'key'), ledgerStatus: f.ledger_status, incomingStatus: f.incoming_status, winner: f.winner };
      case 'GUEST_DATA':
        return { type: f.kind, key: key(f.key, 'key'), keptFields: f.kept_fields.map(guestField) };
      case 'PRICE_DISCREPANCY':
        return { type: f.kind, key: key(f.key, 'key'), differenceBp: f.difference_bp, bookingStatus: f.booking_status, newBooking: f.new_booking };
      case 'CURRENCY_MISMATCH':
        return { type: f.kind, key: key(f.key, 'key'), ledgerCurrency: f.ledger_currency as CurrencyCode, incomingCurrency: f.incoming_currency as CurrencyCode, rateGiven: f.rate_given };
      case 'RATE_PLAN':
        return { type: f.kind, key: key(f.key, 'key'), ledgerPlan: f.ledger_plan, incomingPlan: f.incoming_plan };
      case 'DATE_MODIFICATION':
        return { type: f.kind, key: key(f.key, 'key'), requested: dates(f.requested), requestedBy: f.requested_by, heldBy: f.held_by.map((k) => key(k, 'held_by')) };
      case 'STALE_DATA':
        return { type: f.kind, key: key(f.key, 'key'), incomingVersion: f.incoming_version, ledgerVersion: f.ledger_version };
      case 'AVAILABILITY_DRIFT':
        return { type: f.kind, channel: f.channel, driftNights: f.drift_nights, openWhileBooked: f.open_while_booked, windowDays: f.window_days };
      case 'PRICE_DRIFT':
        return { type: f.kind, channel: f.channel, nights: f.nights };
      case 'SYNC_FAILED':
        return { type: f.kind, channel: f.channel, consecutiveFailures: f.consecutive_failures, ...(f.reservation_action ? { reservationAction: f.reservation_action } : {}) };
      case 'GUEST_DISPUTE':
        return { type: f.kind, channel: f.channel, key: key(f.key, 'key'), reason: f.reason };
      /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
      default:
        return assertNever(f);
    }
  } catch (error) {
    return { unreadable: true, reason: (error as Error).message };
  }
}

/**
 * What a review task keeps of a conflict's facts for the review API and the resolutions: the
 * domain's facts as strings by their names (as the audit log has them); the record's fields as
 * strings when they do not give the facts.
 */
export function detailsOfConflict(conflict: Pick<Conflict, 'conflict_type' | 'facts'>, facts: ConflictFacts | UnreadableFacts): Record<string, string> {
  if (!isUnreadable(facts)) return conflictDetails(facts);
  const details: Record<string, string> = {};
  for (const [name, value] of Object.entries(conflict.facts)) if (name !== 'kind') details[name] = typeof value === 'string' ? value : JSON.stringify(value);
  return details;
}

export function isUnreadable(facts: ConflictFacts | UnreadableFacts): facts is UnreadableFacts {
  return 'unreadable' in facts;
}

function key(value: string, field: string): StayKey {
  if (!/^[A-Z_]+:.+$/.test(value)) throw new Error(`${field}: '${value.slice(0, 40)}' is not a stay key (SOURCE:ref)`);
  return value as StayKey;
}

function dates(nights: { check_in: number; check_out: number }): StayDates {
  return { checkIn: fromEpochDay(nights.check_in), checkOut: fromEpochDay(nights.check_out) };
}

function guestField(value: string): GuestField {
  if (!(GUEST_FIELDS as readonly string[]).includes(value)) throw new Error(`kept_fields: '${value.slice(0, 40)}' is not a guest field`);
  return value as GuestField;
}
