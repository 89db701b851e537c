import type { BookingCommand, GuestDetails, Money as MoneyRecord, PostalAddress as PostalAddressRecord } from '@cm/schemas';
import type { Command, CommandBase } from './commands';
import { assertNever, type GuestUpdate, type PostalAddress } from './guest';
import { isCurrencyCode } from './currencies';
import { isMoney, parseMoney, type CurrencyCode, type Money } from './money';
import type { StayKey } from './property-state';
import { fromEpochDay, parseStayDates, type StayDates } from './stay-dates';

/** Why a command record cannot be decided: one line per problem, naming the field. */
export interface InvalidCommand {
  readonly invalid: true;
  readonly problems: readonly string[];
}

/** A stay lasts at most this long. */
export const MAX_NIGHTS = 365;
/** Dates outside these years are a unit or encoding error, not a booking (2000-01-01 .. 2099-12-31). */
export const FIRST_EPOCH_DAY = 10_957;
export const LAST_EPOCH_DAY = 47_481;
/** Identifiers longer than this cannot be keys; free text longer than this is refused, not cut. */
const MAX_ID_LENGTH = 200;
const MAX_TEXT_LENGTH = 2_000;
const MAX_PREFERENCE_KEY_LENGTH = 100;
const MAX_PREFERENCES = 50;
const MAX_GUESTS = 1_000;

/**
 * Turns a booking.commands record into a typed command, or lists every problem with it. The
 * record's `command` is already a union tagged by kind, with the fields each kind always has;
 * what is left to check is what the schema cannot say.
 */
export function parseCommand(record: BookingCommand): Command | InvalidCommand {
  const problems: string[] = [];
  const { command: variant } = record;
  const base: CommandBase = {
    commandId: record.command_id,
    propertyId: record.property_id,
    source: record.source,
    sourceVersion: record.source_version,
    bookingSource: record.booking_source ?? record.source,
    ref: record.booking_ref,
    occurredAt: record.occurred_at,
    correlationId: record.correlation_id,
    ...(record.actor ? { actor: record.actor } : {}),
    ...(record.tenant_id ? { tenantId: record.tenant_id } : {}),
  };
  if (!record.command_id) problems.push('command_id: empty');
  if (!record.property_id) problems.push('property_id: empty');
  if (!record.booking_ref) problems.push('booking_ref: empty');
  const guest = variant.kind === 'CREATE_BOOKING' || variant.kind === 'UPDATE_GUEST' ? variant.guest : null;
  for (const [field, value, max] of [
    ['command_id', record.command_id, MAX_ID_LENGTH],
    ['property_id', record.property_id, MAX_ID_LENGTH],
    ['booking_ref', record.booking_ref, MAX_ID_LENGTH],
    ['correlation_id', record.correlation_id, MAX_ID_LENGTH],
    ['rate_plan', variant.kind === 'CREATE_BOOKING' || variant.kind === 'REPORT_PRICE' ? variant.rate_plan : null, MAX_ID_LENGTH],
    ['reason', variant.kind === 'UNBLOCK_NIGHTS' || variant.kind === 'MODIFY_DATES' || variant.kind === 'UPDATE_GUEST' || variant.kind === 'REPORT_PRICE' ? null : variant.reason, MAX_TEXT_LENGTH],
    ['actor', record.actor, MAX_ID_LENGTH],
    ['tenant_id', record.tenant_id, MAX_ID_LENGTH],
    ['cancels_stay', variant.kind === 'CHANGE_STATUS' ? (variant.keeps?.cancels_stay ?? null) : null, MAX_ID_LENGTH * 2],
    ['guest.name', guest?.name ?? null, MAX_TEXT_LENGTH],
    ['guest.email', guest?.email ?? null, MAX_TEXT_LENGTH],
    ['guest.phone', guest?.phone ?? null, MAX_TEXT_LENGTH],
    ...addressTexts(guest?.address ?? null),
    ['guest.language', guest?.language ?? null, MAX_ID_LENGTH],
    ...Object.entries(guest?.preferences ?? {}).flatMap(([key, value]) => [
      [`guest.preferences.${key.slice(0, 40)} (key)`, key, MAX_PREFERENCE_KEY_LENGTH] as const,
      [`guest.preferences.${key.slice(0, 40)}`, value, MAX_TEXT_LENGTH] as const,
    ]),
  ] as const) {
    const problem = textProblem(value, max);
    if (problem) problems.push(`${field}: ${problem}`);
  }
  problems.push(...guestShapeProblems(guest));
  if (!Number.isSafeInteger(record.source_version) || record.source_version < 0) problems.push('source_version: must be a non-negative integer');

  const dates = (checkIn: number, checkOut: number): StayDates | null => {
    if ([checkIn, checkOut].some((day) => !Number.isInteger(day) || day < FIRST_EPOCH_DAY || day > LAST_EPOCH_DAY)) {
      return problems.push('check_in/check_out: outside the years 2000 to 2099'), null;
    }
    const parsed = parseStayDates(fromEpochDay(checkIn), fromEpochDay(checkOut));
    if (typeof parsed === 'string') return problems.push(`check_in/check_out: ${parsed}`), null;
    if (checkOut - checkIn > MAX_NIGHTS) return problems.push(`check_in/check_out: longer than ${MAX_NIGHTS} nights`), null;
    return parsed;
  };
  const money = (value: MoneyRecord | null, field: string): Money | null => {
    if (value === null) return null;
    const parsed = parseMoney(value.amount_minor, value.currency);
    if (!isMoney(parsed)) return problems.push(`${field}: ${parsed}`), null;
    return parsed;
  };
  const currency = (value: string | null, field: string): CurrencyCode | null => {
    if (value === null) return null;
    if (!isCurrencyCode(value)) return problems.push(`${field}: '${value.slice(0, 8)}' is not an ISO 4217 currency`), null;
    return value as CurrencyCode;
  };
  const ownChange = () => {
    if (record.booking_source !== null && record.booking_source !== record.source) problems.push(`booking_source: ${variant.kind} is only for the source's own bookings`);
  };

  let command: Command | null = null;
  switch (variant.kind) {
    case 'CREATE_BOOKING': {
      ownChange();
      const stay = dates(variant.check_in, variant.check_out);
      const { status } = variant;
      if (status !== 'PENDING' && status !== 'CONFIRMED') problems.push(`status: a new booking is PENDING or CONFIRMED, not ${status}`);
      const price = money(variant.price, 'price');
      const pmsQuote = money(variant.pms_quote, 'pms_quote');
      const propertyCurrency = currency(variant.property_currency, 'property_currency');
      if (variant.guest_count !== null && (!Number.isInteger(variant.guest_count) || variant.guest_count < 1 || variant.guest_count > MAX_GUESTS)) {
        problems.push(`guest_count: a whole number from 1 to ${MAX_GUESTS}`);
      }
      if (stay && (status === 'PENDING' || status === 'CONFIRMED')) {
        command = {
          ...base,
          type: 'create_booking',
          status,
          dates: stay,
          price,
          pmsQuote,
          propertyCurrency,
          guestCount: variant.guest_count,
          ratePlan: variant.rate_plan,
          guest: variant.guest ? guestUpdate(variant.guest, record.occurred_at) : null,
        };
      }
      break;
    }
    case 'MODIFY_DATES': {
      const stay = dates(variant.check_in, variant.check_out);
      // The host answers a guest's alteration request on the booking's own channel.
      if (variant.alteration_request && (record.source === 'PMS' || (record.booking_source !== null && record.booking_source !== record.source))) {
        problems.push("alteration_request: only a booking's own channel sends its guest's alteration request");
      }
      if (stay) command = { ...base, type: 'modify_dates', dates: stay, alterationRequest: variant.alteration_request };
      break;
    }
    case 'CHANGE_STATUS': {
      const { status, keeps } = variant;
      if (!keeps) {
        command = { ...base, type: 'change_status', status };
        break;
      }
      // Keeping a rejected channel booking's guest: an operator's decision, with the kept booking's dates.
      if (status !== 'CONFIRMED') problems.push('cancels_stay: only with status CONFIRMED (keeping the guest of a rejected booking)');
      if (record.source !== 'PMS' || !record.actor) problems.push('cancels_stay: only an operator, through the PMS, keeps a guest');
      if (!keeps.cancels_stay) problems.push('cancels_stay: empty');
      const kept = dates(keeps.check_in, keeps.check_out);
      if (kept) command = { ...base, type: 'change_status', status, keeps: { cancels: keeps.cancels_stay as StayKey, dates: kept } };
      break;
    }
    case 'BLOCK_NIGHTS': {
      if (record.source !== 'PMS') problems.push('source: only the PMS blocks nights');
      ownChange();
      const stay = dates(variant.check_in, variant.check_out);
      if (stay) command = { ...base, type: 'block_nights', dates: stay, reason: variant.reason ?? '' };
      break;
    }
    case 'UNBLOCK_NIGHTS':
      if (record.source !== 'PMS') problems.push('source: only the PMS unblocks nights');
      ownChange();
      command = { ...base, type: 'unblock_nights' };
      break;
    case 'UPDATE_GUEST':
      command = { ...base, type: 'update_guest', guest: guestUpdate(variant.guest, record.occurred_at) };
      break;
    case 'REPORT_PRICE': {
      const price = money(variant.price, 'price');
      const pmsQuote = money(variant.pms_quote, 'pms_quote');
      if (price) command = { ...base, type: 'report_price', price, ratePlan: variant.rate_plan, pmsQuote };
      break;
    }
    case 'FLAG_DISPUTE':
      if (record.source === 'PMS') problems.push('source: disputes are flagged by channels');
      command = { ...base, type: 'flag_dispute', reason: variant.reason ?? '' };
      break;
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(variant);
  }
  return problems.length > 0 || !command ? { invalid: true, problems } : command;
}

/** Text PostgreSQL cannot store (NUL) or that is too long to be what it claims. */
function textProblem(value: string | null, max: number): string | null {
  if (value === null) return null;
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (value.length > max) return `longer than ${max} characters`;
  return null;
}

export function isInvalid(parsed: Command | InvalidCommand): parsed is InvalidCommand {
  return 'invalid' in parsed;
}

/** A field without its own update time takes the record's occurred_at. */
function guestUpdate(guest: GuestDetails, occurredAt: number): GuestUpdate {
  const field = (value: string | null, updatedAt: number | null) => (value === null || value.trim() === '' ? null : { value: value.trim(), updatedAt: updatedAt ?? occurredAt });
  const address = guest.address && guest.address.line1.trim() !== '' ? postalAddress(guest.address) : null;
  const preferences = Object.entries(guest.preferences).filter(([key, value]) => key.trim() !== '' && value.trim() !== '');
  return {
    name: field(guest.name, guest.name_updated_at),
    email: field(guest.email, guest.email_updated_at),
    phone: field(guest.phone, guest.phone_updated_at),
    address: address ? { value: address, updatedAt: guest.address_updated_at ?? occurredAt } : null,
    language: field(guest.language, guest.language_updated_at),
    preferences: preferences.length > 0 ? { value: Object.fromEntries(preferences.map(([key, value]) => [key.trim(), value.trim()])), updatedAt: guest.preferences_updated_at ?? occurredAt } : null,
  };
}

function postalAddress(address: PostalAddressRecord): PostalAddress {
  const optional = (value: string | null) => (value === null || value.trim() === '' ? null : value.trim());
  return { line1: address.line1.trim(), line2: optional(address.line2), city: optional(address.city), postalCode: optional(address.postal_code), region: optional(address.region), country: optional(address.country) };
}

function addressTexts(address: PostalAddressRecord | null): (readonly [string, string | null, number])[] {
  if (!address) return [];
  return [
    ['guest.address.line1', address.line1, MAX_TEXT_LENGTH],
    ['guest.address.line2', address.line2, MAX_TEXT_LENGTH],
    ['guest.address.city', address.city, MAX_TEXT_LENGTH],
    ['guest.address.postal_code', address.postal_code, MAX_ID_LENGTH],
    ['guest.address.region', address.region, MAX_TEXT_LENGTH],
    ['guest.address.country', address.country, MAX_ID_LENGTH],
  ];
}

/** What each guest field must look like beyond its length: a country code, a language tag, a bounded set of preferences. */
function guestShapeProblems(guest: GuestDetails | null): string[] {
  if (!guest) return [];
  const problems: string[] = [];
  const country = guest.address?.country;
  if (country !== null && country !== undefined && !/^[A-Z]{2}$/.test(country)) problems.push('guest.address.country: an ISO 3166-1 alpha-2 code (PT, US)');
  if (guest.language !== null && !isLanguageTag(guest.language)) problems.push(`guest.language: '${guest.language.slice(0, 40)}' is not a BCP 47 language tag`);
  if (Object.keys(guest.preferences).length > MAX_PREFERENCES) problems.push(`guest.preferences: more than ${MAX_PREFERENCES} keys`);
  return problems;
}

/** BCP 47 as Intl reads it (deterministic: no locale data is consulted, only the tag's syntax). */
function isLanguageTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}
