import type {
  AvailabilityChange,
  BookingCommand,
  BookingEvent,
  ChannelInboundEvent,
  Conflict,
  GuestDetails,
  SyncResult,
} from './generated/records';

/**
 * One valid value of each topic's schema, for the demo, tests and connector authors. Dates are
 * Avro `date` (days since 1970-01-01), instants `timestamp-millis`.
 */

const DAY_MS = 86_400_000;
export const epochDay = (isoDate: string): number => Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);

export interface SampleIds {
  readonly id: string;
  readonly propertyId: string;
  readonly at: number;
}

const christmasStay = { check_in: epochDay('2026-12-20'), check_out: epochDay('2026-12-25') };

export interface Samples {
  'channel.inbound': (ids: SampleIds) => ChannelInboundEvent;
  'booking.commands.v2': (ids: SampleIds) => BookingCommand;
  'booking.events': (ids: SampleIds) => BookingEvent;
  'availability.changes': (ids: SampleIds) => AvailabilityChange;
  'sync.results.v2': (ids: SampleIds) => SyncResult;
  'conflicts.v2': (ids: SampleIds) => Conflict;
}

/** A GuestDetails that says nothing: spread it and set what a record is about. */
export const NO_GUEST_DETAILS: GuestDetails = {
  name: null,
  name_updated_at: null,
  email: null,
  email_updated_at: null,
  phone: null,
  phone_updated_at: null,
  address: null,
  address_updated_at: null,
  language: null,
  language_updated_at: null,
  preferences: {},
  preferences_updated_at: null,
};

export const samples: Samples = {
  'channel.inbound': ({ id, at }) => ({
    event_id: `evt-${id}`,
    channel: 'AIRBNB',
    listing_id: `airbnb-listing-${id}`,
    external_event_id: `airbnb-${id}`,
    event_type: 'RESERVATION_CREATED',
    external_reservation_id: `HM${id}`,
    source_version: 1,
    reservation_status: 'CONFIRMED',
    ...christmasStay,
    total_price: { amount_minor: 125_000, currency: 'EUR' },
    rate_plan: 'standard',
    guest: {
      ...NO_GUEST_DETAILS,
      name: 'Zoë Müller',
      name_updated_at: at,
      email: 'zoe@example.org',
      email_updated_at: at,
      phone: '+49 30 1234567',
      phone_updated_at: at,
      address: { line1: 'Kastanienallee 12', line2: null, city: 'Berlin', postal_code: '10435', region: null, country: 'DE' },
      address_updated_at: at,
      language: 'de-DE',
      language_updated_at: at,
      preferences: { bed: 'twin', arrival_time: '22:00' },
      preferences_updated_at: at,
    },
    nights: [],
    dispute_reason: null,
    occurred_at: at,
    correlation_id: `corr-${id}`,
    guest_count: 2,
    alteration_request: false,
    actor: null,
  }),
  'booking.commands.v2': ({ id, propertyId, at }) => ({
    command_id: `cmd-${id}`,
    property_id: propertyId,
    tenant_id: 'villas-of-lisbon',
    source: 'BOOKING_COM',
    source_version: 1,
    booking_ref: `BDC-${id}`,
    booking_source: null,
    occurred_at: at,
    issued_at: at,
    reply_requested: false,
    correlation_id: `corr-${id}`,
    actor: null,
    command: {
      kind: 'CREATE_BOOKING',
      status: 'CONFIRMED',
      check_in: epochDay('2026-12-22'),
      check_out: epochDay('2026-12-27'),
      price: { amount_minor: 98_000, currency: 'EUR' },
      pms_quote: { amount_minor: 100_000, currency: 'EUR' },
      rate_plan: 'nonref',
      guest: null,
      property_currency: 'EUR',
      guest_count: 2,
      reason: null,
    },
  }),
  'booking.events': ({ id, propertyId, at }) => ({
    event_id: `bev-${id}`,
    property_id: propertyId,
    version: 1,
    source: 'AIRBNB',
    command_id: `cmd-${id}`,
    event_type: 'BOOKING_ACCEPTED',
    booking_ref: `HM${id}`,
    booking_source: 'AIRBNB',
    status: 'CONFIRMED',
    ...christmasStay,
    previous_check_in: null,
    previous_check_out: null,
    price: { amount_minor: 125_000, currency: 'EUR' },
    rate_plan: 'standard',
    reason: null,
    conflicting_ref: null,
    occurred_at: at,
    correlation_id: `corr-${id}`,
    actor: null,
  }),
  'availability.changes': ({ id, propertyId, at }) => ({
    event_id: `avc-${id}`,
    property_id: propertyId,
    version: 1,
    source: 'AIRBNB',
    from_date: christmasStay.check_in,
    to_date: christmasStay.check_out,
    available: false,
    nightly_price: null,
    reason: 'BOOKING',
    except_channel: 'AIRBNB',
    only_channel: null,
    occurred_at: at,
    correlation_id: `corr-${id}`,
    actor: null,
  }),
  'sync.results.v2': ({ id, propertyId, at }) => ({
    event_id: `syn-${id}`,
    property_id: propertyId,
    version: 1,
    source: 'AIRBNB',
    channel: 'VRBO',
    change_event_id: `avc-${id}`,
    outcome: 'ACKNOWLEDGED',
    attempts: 1,
    channel_ack: `vrbo-ack-${id}`,
    error: null,
    is_reconciliation: false,
    completed_at: at,
    correlation_id: `corr-${id}`,
    reservation_action: null,
    booking_ref: null,
    actor: null,
  }),
  'conflicts.v2': ({ id, propertyId, at }) => ({
    event_id: `cfl-${id}`,
    property_id: propertyId,
    version: 2,
    source: 'BOOKING_COM',
    conflict_type: 'OVERBOOKING',
    severity: 'CRITICAL',
    resolution: 'REJECTED_INCOMING',
    rule: '5.1 double booking',
    requires_review: true,
    sla_minutes: 15,
    channel: 'BOOKING_COM',
    booking_ref: `BDC-${id}`,
    summary: `BDC-${id} lost Dec 22-27 to an earlier Airbnb booking; the guest holds a Booking.com confirmation`,
    facts: { kind: 'OVERBOOKING', channel: 'BOOKING_COM', losing_key: `BOOKING_COM:BDC-${id}`, winning_key: `AIRBNB:HM${id}`, losing_dates: { check_in: epochDay('2026-12-22'), check_out: epochDay('2026-12-27') } },
    command_id: `cmd-${id}`,
    detected_at: at,
    correlation_id: `corr-${id}`,
    actor: null,
  }),
};

export type SampledTopic = keyof Samples;
