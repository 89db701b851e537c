import type { BookingStatus, Source } from '@cm/schemas';
import type { FieldValue, GuestRecord, LocalDate, Money, PostalAddress, Stay, StayKey } from '@cm/domain';
import { NO_GUEST } from '@cm/domain';

/** A row of `stays` joined with its `guests` row, as PostgreSQL returns it. */
export interface StayRow {
  property_id: string;
  stay_key: string;
  kind: 'booking' | 'block';
  source: Source;
  ref: string;
  status: BookingStatus | null;
  active: boolean | null;
  check_in: string;
  check_out: string;
  price_minor: number | null;
  currency: string | null;
  rate_plan: string | null;
  confirmed_at_ms: number | null;
  block_reason: string | null;
  versions: Partial<Record<Source, number>>;
  price_versions: Partial<Record<Source, number>>;
  name?: string | null;
  name_updated_at_ms?: number | null;
  name_source?: Source | null;
  email?: string | null;
  email_updated_at_ms?: number | null;
  email_source?: Source | null;
  phone?: string | null;
  phone_updated_at_ms?: number | null;
  phone_source?: Source | null;
  address?: AddressColumn | null;
  address_updated_at_ms?: number | null;
  address_source?: Source | null;
  language?: string | null;
  language_updated_at_ms?: number | null;
  language_source?: Source | null;
  preferences?: Record<string, { value: string; updated_at_ms: number; source: Source }> | null;
  guest_count: number | null;
}

/** The address as the `guests.address` JSON holds it. */
interface AddressColumn {
  line1: string;
  line2: string | null;
  city: string | null;
  postal_code: string | null;
  region: string | null;
  country: string | null;
}

export function stayFromRow(row: StayRow): Stay {
  const base = {
    key: row.stay_key as StayKey,
    ref: row.ref,
    source: row.source,
    dates: { checkIn: row.check_in as LocalDate, checkOut: row.check_out as LocalDate },
    versions: row.versions,
  };
  if (row.kind === 'block') return { ...base, kind: 'block', reason: row.block_reason ?? '', active: row.active === true };
  return {
    ...base,
    kind: 'booking',
    status: row.status!,
    confirmedAt: row.confirmed_at_ms ?? 0,
    price: row.price_minor === null ? null : ({ amountMinor: row.price_minor, currency: row.currency } as Money),
    ratePlan: row.rate_plan,
    guestCount: row.guest_count,
    guest: guestFromRow(row),
    priceVersions: row.price_versions,
  };
}

function guestFromRow(row: StayRow): GuestRecord {
  const field = <T>(value: T | null | undefined, at: number | null | undefined, source: Source | null | undefined): FieldValue<T> | null =>
    value == null ? null : { value, updatedAt: at ?? 0, source: source ?? 'PMS' };
  const preferences = Object.entries(row.preferences ?? {});
  if (row.name == null && row.email == null && row.phone == null && row.address == null && row.language == null && preferences.length === 0) return NO_GUEST;
  return {
    name: field(row.name, row.name_updated_at_ms, row.name_source),
    email: field(row.email, row.email_updated_at_ms, row.email_source),
    phone: field(row.phone, row.phone_updated_at_ms, row.phone_source),
    address: field(row.address && addressFromColumn(row.address), row.address_updated_at_ms, row.address_source),
    language: field(row.language, row.language_updated_at_ms, row.language_source),
    preferences: Object.fromEntries(preferences.map(([key, p]) => [key, { value: p.value, updatedAt: p.updated_at_ms, source: p.source }])),
  };
}

const addressFromColumn = (a: AddressColumn): PostalAddress => ({ line1: a.line1, line2: a.line2, city: a.city, postalCode: a.postal_code, region: a.region, country: a.country });
const addressToColumn = (a: PostalAddress): AddressColumn => ({ line1: a.line1, line2: a.line2, city: a.city, postal_code: a.postalCode, region: a.region, country: a.country });

export function stayToRow(propertyId: string, stay: Stay, ledgerVersion: number) {
  const common = {
    property_id: propertyId,
    stay_key: stay.key,
    kind: stay.kind,
    source: stay.source,
    ref: stay.ref,
    check_in: stay.dates.checkIn,
    check_out: stay.dates.checkOut,
    versions: JSON.stringify(stay.versions),
    ledger_version: ledgerVersion,
    updated_at: new Date().toISOString(),
  };
  if (stay.kind === 'block') {
    return { ...common, status: null, active: stay.active, price_minor: null, currency: null, rate_plan: null, confirmed_at_ms: null, block_reason: stay.reason, guest_count: null, price_versions: '{}' };
  }
  return {
    ...common,
    status: stay.status,
    active: null,
    price_minor: stay.price?.amountMinor ?? null,
    currency: stay.price?.currency ?? null,
    rate_plan: stay.ratePlan,
    confirmed_at_ms: stay.confirmedAt,
    block_reason: null,
    guest_count: stay.guestCount,
    price_versions: JSON.stringify(stay.priceVersions ?? {}),
  };
}

export function guestToRow(propertyId: string, key: StayKey, guest: GuestRecord) {
  const row: Record<string, string | number | null> = { property_id: propertyId, stay_key: key };
  for (const field of ['name', 'email', 'phone', 'language'] as const) {
    row[field] = guest[field]?.value ?? null;
    row[`${field}_updated_at_ms`] = guest[field]?.updatedAt ?? null;
    row[`${field}_source`] = guest[field]?.source ?? null;
  }
  row.address = guest.address ? JSON.stringify(addressToColumn(guest.address.value)) : null;
  row.address_updated_at_ms = guest.address?.updatedAt ?? null;
  row.address_source = guest.address?.source ?? null;
  row.preferences = JSON.stringify(Object.fromEntries(Object.entries(guest.preferences).map(([k, p]) => [k, { value: p.value, updated_at_ms: p.updatedAt, source: p.source }])));
  return row;
}
