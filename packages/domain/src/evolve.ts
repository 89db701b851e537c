import { assertNever } from './guest';
import type { Decision, LedgerEvent } from './decision';
import type { PropertyState, Stay, StayKey } from './property-state';

/** Applies a decision to the ledger: the only way state changes. */
export function evolve(state: PropertyState, decision: Decision): PropertyState {
  const stays = applyEvent(state.stays, decision.event);
  return stays === state.stays && decision.version === state.version ? state : { ...state, version: decision.version, stays };
}

function applyEvent(stays: ReadonlyMap<StayKey, Stay>, event: LedgerEvent): ReadonlyMap<StayKey, Stay> {
  switch (event.type) {
    case 'booking_accepted':
    case 'booking_rejected':
      return withStay(stays, event.booking);
    case 'nights_blocked':
    case 'block_refused':
      return withStay(stays, event.block);
    case 'booking_dates_changed':
      return updateStay(stays, event.key, (s) => ({ ...s, dates: event.dates, versions: event.versions }));
    case 'booking_status_changed':
      return updateBooking(stays, event.key, (b) => ({ ...b, status: event.status, versions: event.versions }));
    case 'booking_reinstated': {
      const reinstated = updateBooking(stays, event.key, (b) => ({ ...b, status: 'CONFIRMED', versions: event.versions }));
      return updateStay(reinstated, event.cancelled, (s) => (s.kind === 'block' ? { ...s, active: false } : { ...s, status: 'CANCELLED' }));
    }
    case 'booking_price_changed':
      return updateBooking(stays, event.key, (b) => ({ ...b, price: event.price, ratePlan: event.ratePlan, versions: event.versions, priceVersions: event.priceVersions }));
    case 'guest_updated':
      return updateBooking(stays, event.key, (b) => ({ ...b, guest: event.guest, versions: event.versions }));
    case 'nights_unblocked':
      return updateStay(stays, event.key, (s) => (s.kind === 'block' ? { ...s, active: false, versions: event.versions } : s));
    case 'dispute_flagged':
      return updateStay(stays, event.key, (s) => ({ ...s, versions: event.versions }));
    case 'command_rejected':
      if (!event.versions) return stays;
      return updateStay(stays, event.key, (s) => (s.kind === 'booking' && event.priceVersions ? { ...s, versions: event.versions!, priceVersions: event.priceVersions } : { ...s, versions: event.versions! }));
    case 'command_ignored':
      return stays;
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(event);
  }
}

function withStay(stays: ReadonlyMap<StayKey, Stay>, stay: Stay): ReadonlyMap<StayKey, Stay> {
  return new Map(stays).set(stay.key, stay);
}

function updateStay(stays: ReadonlyMap<StayKey, Stay>, key: StayKey, change: (s: Stay) => Stay): ReadonlyMap<StayKey, Stay> {
  const stay = stays.get(key);
  if (!stay) throw new Error(`event for unknown stay ${key}: decide never emits one`);
  return withStay(stays, change(stay));
}

function updateBooking(stays: ReadonlyMap<StayKey, Stay>, key: StayKey, change: (b: Extract<Stay, { kind: 'booking' }>) => Stay) {
  return updateStay(stays, key, (s) => (s.kind === 'booking' ? change(s) : s));
}
