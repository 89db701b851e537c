import { topics } from './topics';

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

export const samples = {
  [topics.channelInbound.name]: ({ id, at }: SampleIds) => ({
    event_id: `evt-${id}`,
    channel: 'AIRBNB',
    listing_id: `airbnb-listing-${id}`,
    external_event_id: `airbnb-${id}`,
    event_type: 'RESERVATION_CREATED',
    external_reservation_id: `HM${id}`,
    check_in: epochDay('2026-12-20'),
    check_out: epochDay('2026-12-25'),
    occurred_at: at,
    correlation_id: `corr-${id}`,
  }),
  [topics.bookingCommands.name]: ({ id, propertyId, at }: SampleIds) => ({
    command_id: `cmd-${id}`,
    property_id: propertyId,
    source: 'BOOKING_COM',
    source_version: 1,
    command_type: 'CREATE_BOOKING',
    booking_ref: `BDC-${id}`,
    check_in: epochDay('2026-12-22'),
    check_out: epochDay('2026-12-27'),
    issued_at: at,
    reply_requested: false,
    correlation_id: `corr-${id}`,
  }),
  [topics.bookingEvents.name]: ({ id, propertyId, at }: SampleIds) => ({
    event_id: `bev-${id}`,
    property_id: propertyId,
    version: 1,
    source: 'AIRBNB',
    command_id: `cmd-${id}`,
    event_type: 'BOOKING_CONFIRMED',
    booking_ref: `HM${id}`,
    check_in: epochDay('2026-12-20'),
    check_out: epochDay('2026-12-25'),
    occurred_at: at,
    correlation_id: `corr-${id}`,
  }),
  [topics.availabilityChanges.name]: ({ id, propertyId, at }: SampleIds) => ({
    event_id: `avc-${id}`,
    property_id: propertyId,
    version: 1,
    source: 'AIRBNB',
    from_date: epochDay('2026-12-20'),
    to_date: epochDay('2026-12-25'),
    available: false,
    reason: 'BOOKING',
    occurred_at: at,
    correlation_id: `corr-${id}`,
  }),
  [topics.syncResults.name]: ({ id, propertyId, at }: SampleIds) => ({
    event_id: `syn-${id}`,
    property_id: propertyId,
    version: 1,
    channel: 'VRBO',
    change_event_id: `avc-${id}`,
    outcome: 'ACKNOWLEDGED',
    attempts: 1,
    channel_ack: `vrbo-ack-${id}`,
    error: null,
    completed_at: at,
    correlation_id: `corr-${id}`,
  }),
  [topics.conflicts.name]: ({ id, propertyId, at }: SampleIds) => ({
    event_id: `cfl-${id}`,
    property_id: propertyId,
    version: 2,
    source: 'BOOKING_COM',
    conflict_type: 'OVERBOOKING',
    severity: 'CRITICAL',
    requires_review: true,
    summary: `BDC-${id} lost Dec 22-27 to an earlier Airbnb booking; the guest holds a Booking.com confirmation`,
    detected_at: at,
    correlation_id: `corr-${id}`,
  }),
} satisfies Partial<Record<string, (ids: SampleIds) => Record<string, unknown>>>;

export type SampledTopic = keyof typeof samples;
