import type { Conflict, Source } from '@cm/schemas';
import type { Assessment, ConflictFacts, RaisedConflict } from './conflicts';
import { assess } from './escalation';
import { assertNever, GUEST_FIELDS, type GuestField } from './guest';
import type { CurrencyCode } from './money';
import type { StayKey } from './property-state';
import { fromEpochDay, toEpochDay, type StayDates } from './stay-dates';

/**
 * The one codec of the conflicts topic: a raised conflict becomes a record here (with its 5.2
 * assessment, by `assess`), and a record's facts become the domain's again here. Every producer
 * (the arbiter, the sync-dispatcher, the reconciler) writes through `conflictRecord`, and
 * escalation reads through `assessConflictRecord`.
 */

/** A conflict's facts as the conflicts topic carries them: one record per conflict type, tagged by kind. */
export type ConflictFactsRecord = Conflict['facts'];

/** Where and when a conflict was met: the fields of its record that the raised conflict does not hold. */
export interface ConflictContext {
  readonly eventId: string;
  readonly propertyId: string;
  /** The ledger version the conflict was met at. */
  readonly version: number;
  readonly source: Source;
  readonly bookingRef: string | null;
  readonly commandId: string | null;
  readonly detectedAt: number;
  readonly correlationId: string;
}

/**
 * A raised conflict as the record of the conflicts topic, assessed by the 5.2 rules: its
 * severity, requires_review and sla_minutes are `assess`'s, for readers that do not apply them.
 */
export function conflictRecord(raised: RaisedConflict, context: ConflictContext): Conflict {
  const assessment = assess(raised.facts);
  return {
    event_id: context.eventId,
    property_id: context.propertyId,
    version: context.version,
    source: context.source,
    conflict_type: raised.facts.type,
    severity: assessment.severity,
    resolution: raised.resolution,
    rule: raised.rule,
    requires_review: assessment.requiresReview,
    sla_minutes: assessment.slaMinutes,
    channel: raised.channel,
    booking_ref: context.bookingRef,
    summary: raised.summary,
    facts: conflictFactsRecord(raised.facts),
    command_id: context.commandId,
    detected_at: context.detectedAt,
    correlation_id: context.correlationId,
  };
}

/** What a record's 5.2 assessment is, and where it came from. */
export interface RecordAssessment {
  readonly assessment: Assessment;
  /** The facts the assessment was made from, or why the record's facts do not give them. */
  readonly facts: ConflictFacts | UnreadableFacts;
  readonly assessedFrom: 'facts' | 'record';
}

/**
 * The 5.2 assessment of a conflict record. Authoritative is `assess` over the record's facts,
 * applied again as the rules are now: the producer's severity, requires_review and sla_minutes
 * were the same function's answer when it wrote the record, and may be a version behind. Only
 * when the facts do not parse does the producer's own verdict stand.
 */
export function assessConflictRecord(conflict: Conflict): RecordAssessment {
  const facts = factsOfConflict(conflict);
  if (!isUnreadable(facts)) return { assessment: assess(facts), facts, assessedFrom: 'facts' };
  const assessment: Assessment = {
    severity: conflict.severity,
    requiresReview: conflict.requires_review,
    slaMinutes: conflict.sla_minutes,
    route: conflict.requires_review ? 'review' : 'log',
    escalatedBy: conflict.requires_review ? `${conflict.rule} (flagged by its producer)` : null,
  };
  return { assessment, facts, assessedFrom: 'record' };
}

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

/** Why a record's details do not give back the facts its rule used. */
export interface UnreadableFacts {
  readonly unreadable: true;
  readonly reason: string;
}

/**
 * The domain's facts of a conflict, read from the record's `facts` (a union tagged by kind), so
 * escalation can apply the 5.2 rules again rather than trust the record. The schema gives every
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

export function isUnreadable(facts: ConflictFacts | UnreadableFacts): facts is UnreadableFacts {
  return 'unreadable' in facts;
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

function key(value: string, field: string): StayKey {
  if (!/^[A-Z_]+:.+$/.test(value)) throw new Error(`${field}: '${value.slice(0, 40)}' is not a stay key (SOURCE:ref)`);
  return value as StayKey;
}

function dates(record: { check_in: number; check_out: number }): StayDates {
  return { checkIn: fromEpochDay(record.check_in), checkOut: fromEpochDay(record.check_out) };
}

function guestField(value: string): GuestField {
  if (!(GUEST_FIELDS as readonly string[]).includes(value)) throw new Error(`kept_fields: '${value.slice(0, 40)}' is not a guest field`);
  return value as GuestField;
}

function nights(dates: StayDates) {
  return { check_in: toEpochDay(dates.checkIn), check_out: toEpochDay(dates.checkOut) };
}
