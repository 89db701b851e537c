import type { ConflictFacts, StayKey } from '@cm/domain';
import { BookingStatusSymbols, ChannelSymbols, type BookingStatus, type Channel, type Conflict, type ConflictType } from '@cm/schemas';
import { assertNever } from '@cm/domain';

/** Why a record's details do not give back the facts its rule used. */
export interface UnreadableFacts {
  readonly unreadable: true;
  readonly reason: string;
}

/**
 * The facts of a conflict, rebuilt from the record's `details` (strings kept raw, every other
 * value JSON-encoded, as the producers write them), so the escalation rules can be applied again
 * here rather than trusted. Names the first field that does not parse.
 */
export function factsOfConflict(conflict: Pick<Conflict, 'conflict_type' | 'details' | 'channel'>): ConflictFacts | UnreadableFacts {
  const d = conflict.details;
  try {
    const type: ConflictType = conflict.conflict_type;
    switch (type) {
      case 'OVERBOOKING':
        return { type, channel: channel(d, conflict.channel), losingKey: key(d, 'losingKey'), winningKey: key(d, 'winningKey') };
      case 'DOUBLE_BOOKING':
        return { type, losingKey: key(d, 'losingKey'), winningKey: key(d, 'winningKey') };
      case 'BLOCK_OVERLAP':
        return { type, blockKey: key(d, 'blockKey'), heldBy: keys(d, 'heldBy'), overlapsBooking: bool(d, 'overlapsBooking') };
      case 'STATUS_MISMATCH':
        return { type, key: key(d, 'key'), ledgerStatus: status(d, 'ledgerStatus'), incomingStatus: status(d, 'incomingStatus'), winner: text(d, 'winner') as never };
      case 'GUEST_DATA':
        return { type, key: key(d, 'key'), keptFields: json(d, 'keptFields') as never };
      case 'PRICE_DISCREPANCY':
        return { type, key: key(d, 'key'), differenceBp: number(d, 'differenceBp') as never, bookingStatus: status(d, 'bookingStatus'), newBooking: bool(d, 'newBooking') };
      case 'CURRENCY_MISMATCH':
        return { type, key: key(d, 'key'), ledgerCurrency: text(d, 'ledgerCurrency') as never, incomingCurrency: text(d, 'incomingCurrency') as never, rateGiven: bool(d, 'rateGiven') };
      case 'RATE_PLAN':
        return { type, key: key(d, 'key'), ledgerPlan: text(d, 'ledgerPlan'), incomingPlan: text(d, 'incomingPlan') };
      case 'DATE_MODIFICATION': {
        const requestedBy = text(d, 'requestedBy');
        if (requestedBy !== 'channel' && requestedBy !== 'pms') throw new Error(`requestedBy: '${requestedBy}' is neither channel nor pms`);
        return { type, key: key(d, 'key'), requested: json(d, 'requested') as never, requestedBy, heldBy: keys(d, 'heldBy') };
      }
      case 'STALE_DATA':
        return { type, key: key(d, 'key'), incomingVersion: number(d, 'incomingVersion'), ledgerVersion: number(d, 'ledgerVersion') };
      case 'AVAILABILITY_DRIFT':
        return { type, channel: channel(d, conflict.channel), driftNights: number(d, 'driftNights'), openWhileBooked: number(d, 'openWhileBooked'), windowDays: number(d, 'windowDays') };
      case 'PRICE_DRIFT':
        return { type, channel: channel(d, conflict.channel), nights: number(d, 'nights') };
      case 'SYNC_FAILED':
        // The ledger's rule writes consecutiveFailures; the sync-dispatcher writes the attempts of the push that failed.
        return { type, channel: channel(d, conflict.channel), consecutiveFailures: number(d, 'consecutiveFailures' in d ? 'consecutiveFailures' : 'attempts'), ...(d.reservation_action ? { reservationAction: d.reservation_action } : {}) };
      case 'GUEST_DISPUTE':
        return { type, channel: channel(d, conflict.channel), key: key(d, 'key'), reason: d.reason ?? '' };
      /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
      default:
        return assertNever(type);
    }
  } catch (error) {
    return { unreadable: true, reason: (error as Error).message };
  }
}

export function isUnreadable(facts: ConflictFacts | UnreadableFacts): facts is UnreadableFacts {
  return 'unreadable' in facts;
}

type Details = Readonly<Record<string, string>>;

function text(d: Details, field: string): string {
  const value = d[field];
  if (value === undefined) throw new Error(`${field}: missing`);
  return value;
}

function json(d: Details, field: string): unknown {
  const raw = text(d, field);
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${field}: not JSON (${raw.slice(0, 40)})`);
  }
}

function number(d: Details, field: string): number {
  const value = json(d, field);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${field}: not a number`);
  return value;
}

function bool(d: Details, field: string): boolean {
  const value = json(d, field);
  if (typeof value !== 'boolean') throw new Error(`${field}: not true or false`);
  return value;
}

function key(d: Details, field: string): StayKey {
  const value = text(d, field);
  if (!/^[A-Z_]+:.+$/.test(value)) throw new Error(`${field}: '${value.slice(0, 40)}' is not a stay key (SOURCE:ref)`);
  return value as StayKey;
}

function keys(d: Details, field: string): StayKey[] {
  const value = json(d, field);
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) throw new Error(`${field}: not a list of stay keys`);
  return value as StayKey[];
}

function status(d: Details, field: string): BookingStatus {
  const value = text(d, field);
  if (!(BookingStatusSymbols as readonly string[]).includes(value)) throw new Error(`${field}: '${value.slice(0, 40)}' is not a booking status`);
  return value as BookingStatus;
}

function channel(d: Details, recordChannel: Channel | null): Channel {
  const value = d.channel ?? recordChannel;
  if (value === null || !(ChannelSymbols as readonly string[]).includes(value)) throw new Error(`channel: '${String(value).slice(0, 40)}' is not a channel`);
  return value as Channel;
}
