import type { BookingStatus, Source } from '@cm/schemas';
import type { BlockNights, ChangeStatus, Command, CreateBooking, FlagDispute, ModifyDates, ReportPrice, UnblockNights, UpdateGuest } from '../src/commands';
import { decide, type DecideContext } from '../src/decide';
import type { Decision } from '../src/decision';
import { evolve } from '../src/evolve';
import type { GuestUpdate } from '../src/guest';
import { parseMoney, type CurrencyCode, type Money } from '../src/money';
import { emptyProperty, stayKey, type Booking, type PropertyState } from '../src/property-state';
import { parseStayDates, type StayDates } from '../src/stay-dates';

/** Given/when/then helpers: commands with sensible defaults, and a ledger built by deciding them. */

export const PROPERTY = 'property-1';
let sequence = 0;

export function nights(text: string): StayDates {
  const [checkIn, checkOut] = text.split('..');
  const parsed = parseStayDates(checkIn!, checkOut!);
  if (typeof parsed === 'string') throw new Error(`${text}: ${parsed}`);
  return parsed;
}

export function money(amountMinor: number, currency = 'EUR'): Money {
  const parsed = parseMoney(amountMinor, currency);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

type Base = { source?: Source; ref?: string; version?: number; bookingSource?: Source; at?: number };
function base(options: Base) {
  const source = options.source ?? 'AIRBNB';
  return {
    commandId: `cmd-${++sequence}`,
    propertyId: PROPERTY,
    source,
    sourceVersion: options.version ?? 1,
    bookingSource: options.bookingSource ?? source,
    ref: options.ref ?? 'R1',
    occurredAt: options.at ?? Date.UTC(2026, 10, 1),
    correlationId: `corr-${sequence}`,
  };
}

export const create = (o: Base & { dates?: string; status?: 'PENDING' | 'CONFIRMED'; price?: Money | null; pmsQuote?: Money | null; propertyCurrency?: CurrencyCode | null; guestCount?: number | null; ratePlan?: string | null; guest?: GuestUpdate | null } = {}): CreateBooking => ({
  ...base(o),
  type: 'create_booking',
  status: o.status ?? 'CONFIRMED',
  dates: nights(o.dates ?? '2026-12-20..2026-12-25'),
  price: o.price ?? null,
  pmsQuote: o.pmsQuote ?? null,
  propertyCurrency: o.propertyCurrency ?? null,
  guestCount: o.guestCount ?? null,
  ratePlan: o.ratePlan ?? null,
  guest: o.guest ?? null,
});
export const modify = (o: Base & { dates: string; alterationRequest?: boolean }): ModifyDates => ({ ...base(o), type: 'modify_dates', dates: nights(o.dates), alterationRequest: o.alterationRequest ?? false });
export const status = (o: Base & { status: BookingStatus }): ChangeStatus => ({ ...base(o), type: 'change_status', status: o.status });
export const block = (o: Base & { dates: string; reason?: string }): BlockNights => ({ ...base({ source: 'PMS', ref: 'B1', ...o }), type: 'block_nights', dates: nights(o.dates), reason: o.reason ?? 'owner stay' });
export const unblock = (o: Base = {}): UnblockNights => ({ ...base({ source: 'PMS', ref: 'B1', ...o }), type: 'unblock_nights' });
export const guest = (o: Base & { guest: Partial<GuestUpdate> }): UpdateGuest => ({ ...base(o), type: 'update_guest', guest: { name: null, email: null, phone: null, ...o.guest } });
export const price = (o: Base & { price: Money; ratePlan?: string | null; pmsQuote?: Money | null }): ReportPrice => ({ ...base(o), type: 'report_price', price: o.price, ratePlan: o.ratePlan ?? null, pmsQuote: o.pmsQuote ?? null });
export const dispute = (o: Base & { reason?: string }): FlagDispute => ({ ...base(o), type: 'flag_dispute', reason: o.reason ?? 'guest says the flat was not clean' });

/** The ledger after deciding each command in order. */
export function given(commands: readonly Command[], context: DecideContext = {}): PropertyState {
  return commands.reduce((state, command) => evolve(state, decide(state, command, context)), emptyProperty(PROPERTY));
}

/** Decides `command` on the ledger `given` builds, returning the decision and the state after. */
export function when(state: PropertyState, command: Command, context: DecideContext = {}): { decision: Decision; after: PropertyState } {
  const decision = decide(state, command, context);
  return { decision, after: evolve(state, decision) };
}

export function bookingIn(state: PropertyState, source: Source, ref: string): Booking {
  const stay = state.stays.get(stayKey(source, ref));
  if (stay?.kind !== 'booking') throw new Error(`no booking ${source}:${ref}`);
  return stay;
}

export const key = stayKey;
