import { z } from 'zod';

/**
 * The JSON a channel posts to `POST /webhooks/{channel}`: one event of one listing. Dates are
 * either property-local calendar dates (`2026-12-20`) or instants with an offset
 * (`2026-12-20T15:00:00-05:00`), which ingest turns into the property's local date. Amounts are
 * decimal strings (or JSON numbers) in major units of an ISO 4217 currency; ingest turns them into
 * integer minor units, refusing more decimals than the currency has.
 */

/** An id is a key: PostgreSQL cannot store NUL, and no platform's id has control characters. */
const id = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
const text = z.string().max(2_000);

export const webhookDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).describe('A property-local date (YYYY-MM-DD) or an instant with an offset.');

export const webhookAmount = z
  .object({
    amount: z.union([z.string().max(32), z.number()]).describe('Major units as a decimal: "123.45" (a JSON number is read as written).'),
    currency: z.string().max(8).describe('ISO 4217 alphabetic code.'),
  })
  .strict();

export const webhookAddress = z
  .object({
    line1: text.min(1),
    line2: text.nullish(),
    city: text.nullish(),
    postal_code: z.string().max(40).nullish(),
    region: text.nullish(),
    country: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code').nullish().describe('ISO 3166-1 alpha-2.'),
  })
  .strict();

export const webhookGuest = z
  .object({
    name: text.nullish(),
    email: text.nullish(),
    phone: text.nullish(),
    address: webhookAddress.nullish().describe("The guest's postal address; the PMS's own address is kept if it has one."),
    language: z.string().min(2).max(35).nullish().describe('BCP 47 language tag (pt-BR): the language the guest uses on the channel.'),
    preferences: z.record(z.string().min(1).max(100), text).nullish().describe('Preferences by key (bed, arrival_time, ...): the channel\'s take precedence.'),
    updated_at: z.iso.datetime({ offset: true }).nullish().describe('When the channel last changed these fields.'),
  })
  .strict();

export const webhookReservation = z
  .object({
    id: id.describe("The channel's reservation id."),
    revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("The channel's revision of the reservation; grows with every change."),
    status: z.string().max(40).nullish().describe("The channel's own status word (see statusVocabulary)."),
    check_in: webhookDate.nullish(),
    check_out: webhookDate.nullish().describe('Departure day, exclusive.'),
    total: webhookAmount.nullish().describe('What the guest pays for the whole stay.'),
    rate_plan: z.string().max(200).nullish(),
    guest_count: z.number().int().min(1).max(1_000).nullish().describe('How many guests the reservation is for.'),
    guest: webhookGuest.nullish(),
    alteration: z
      .object({ check_in: webhookDate, check_out: webhookDate.describe('Departure day, exclusive.'), total: webhookAmount.nullish().describe('What the guest would pay for the new dates.') })
      .strict()
      .nullish()
      .describe('reservation.alteration_requested: the dates the guest asks for, waiting for the host; the reservation keeps its own until the host accepts.'),
  })
  .strict();

export const webhookNight = z
  .object({
    date: z.iso.date(),
    available: z.boolean(),
    price: webhookAmount.nullish(),
    min_stay: z.number().int().min(1).max(365).nullish(),
  })
  .strict();

export const WEBHOOK_EVENT_TYPES = [
  'reservation.created',
  'reservation.modified',
  'reservation.cancelled',
  'reservation.status_changed',
  'reservation.alteration_requested',
  'guest.updated',
  'price.reported',
  'availability.reported',
  'guest.dispute_flagged',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const channelWebhookPayload = z
  .object({
    event_id: id.describe("The channel's id of this event: with the channel, the dedupe key. A retried delivery keeps it."),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    listing_id: id,
    occurred_at: z.iso.datetime({ offset: true }),
    reservation: webhookReservation.nullish().describe('Every event type but availability.reported.'),
    calendar: z
      .object({
        revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        nights: z.array(webhookNight).min(1).max(366),
      })
      .strict()
      .nullish()
      .describe('availability.reported: the nights as the channel shows them.'),
    dispute_reason: text.nullish().describe("guest.dispute_flagged: the channel's words."),
  })
  .strict();

export type ChannelWebhookPayload = z.infer<typeof channelWebhookPayload>;
export type WebhookAmount = z.infer<typeof webhookAmount>;
export type WebhookAddress = z.infer<typeof webhookAddress>;
export type WebhookReservation = z.infer<typeof webhookReservation>;
