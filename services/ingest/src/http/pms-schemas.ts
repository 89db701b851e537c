import { z } from 'zod';
import { webhookAddress, webhookAmount } from '@cm/channel-webhooks';
import { BookingEventTypeSymbols, BookingStatusSymbols, SourceSymbols } from '@cm/schemas';
import { identifierProblem } from '@cm/service-runtime';

/** Request and response bodies of the PMS API: validated here, and the source of the OpenAPI document. */

/** An id that becomes a key and a reference shown to people: no control, format or bidirectional characters. */
const identifier = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((value, context) => {
      const problem = identifierProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    // What the check refuses, for clients reading the document (a `u`-flag ECMA-262 pattern); lone surrogates are refused too.
    .meta({ pattern: '^[^\\p{Cc}\\p{Cf}\\u2028\\u2029]+$' });
const reference = identifier(200);
const localDate = z.iso.date().describe('Property-local calendar date, YYYY-MM-DD.');
const revision = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("The PMS's revision of this booking; grows with every change. Defaults to the time of the request in ms.");
const text = (max: number) => z.string().max(max);

export const guestBody = z
  .object({
    name: text(2_000).nullish(),
    email: text(2_000).nullish(),
    phone: text(2_000).nullish(),
    address: webhookAddress.nullish().describe("The guest's postal address: the PMS's replaces a channel's."),
    language: z.string().min(2).max(35).nullish().describe('BCP 47 language tag; a channel\'s own value takes precedence.'),
    preferences: z.record(z.string().min(1).max(100), text(2_000)).nullish().describe('Preferences by key; a channel\'s value for a key takes precedence.'),
  })
  .strict();

export const createBookingBody = z
  .object({
    reference: reference.optional().describe("The PMS's reference of the booking; generated if absent."),
    check_in: localDate,
    check_out: localDate.describe('Departure day, exclusive.'),
    status: z.enum(['CONFIRMED', 'PENDING']).default('CONFIRMED'),
    total: webhookAmount.nullish().describe('The stay total, in major units as a decimal string.'),
    rate_plan: identifier(200).nullish(),
    guest: guestBody.nullish(),
    guest_count: z.number().int().min(1).max(1_000).nullish().describe('How many guests the booking is for.'),
    revision: revision.optional(),
  })
  .strict();

/** Whose booking a PMS change is about: its own (default), or a channel's reservation, which the change is then carried out on. */
const bookingSource = z
  .enum(SourceSymbols)
  .default('PMS')
  .describe("The booking's source: PMS for the PMS's own booking, or the channel whose reservation id `reference` is. A channel's reservation is cancelled there by the host (declined if still a request); a channel whose API offers no host cancellation (Booking.com, Expedia), and any date change of a channel's reservation, is refused with 422: make it on the channel, and it reaches the ledger from there.");

export const modifyBookingBody = z.object({ check_in: localDate, check_out: localDate, source: bookingSource, revision: revision.optional() }).strict();
export const cancelBookingBody = z.object({ source: bookingSource, revision: revision.optional() }).strict();
export const updateGuestBody = guestBody.extend({ revision: revision.optional() }).strict();

export const createBlockBody = z
  .object({
    reference: reference.optional().describe('Reference of the block; generated if absent.'),
    check_in: localDate,
    check_out: localDate,
    reason: z.string().min(1).max(2_000),
    revision: revision.optional(),
  })
  .strict();

export const propertyParams = z.object({ propertyId: reference });
export const bookingParams = z.object({ propertyId: reference, reference });
export const commandParams = z.object({ commandId: reference });
export const bookingQuery = z.object({ source: z.enum(['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA']).default('PMS') }).strict();
export const calendarQuery = z.object({ from: localDate, to: localDate.describe('Exclusive; at most 366 days after from.') }).strict();

const money = z.object({ amount_minor: z.number().int(), currency: z.string() });

export const stayView = z.object({
  property_id: z.string(),
  stay_key: z.string().describe("'<source>:<reference>'"),
  kind: z.enum(['booking', 'block']),
  source: z.string(),
  reference: z.string(),
  status: z.string().nullable(),
  active: z.boolean().describe('Holds its nights.'),
  check_in: localDate,
  check_out: localDate,
  total: money.nullable(),
  rate_plan: z.string().nullable(),
  guest: z
    .object({
      name: z.string().nullable(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      address: webhookAddress.nullable(),
      language: z.string().nullable(),
      preferences: z.record(z.string(), z.string()),
    })
    .nullable(),
  guest_count: z.number().int().nullable(),
  version: z.number().int().describe('Property ledger version of the last change to this stay.'),
});
export type StayView = z.infer<typeof stayView>;

export const decisionView = z.object({
  command_id: z.string(),
  outcome: z.enum(['applied', 'rejected', 'ignored', 'dead_lettered']),
  reason: z.string().nullable(),
  version: z.number().int().nullable(),
  stay: stayView.nullable().describe('The stay as the ledger holds it after the decision.'),
});

export const pendingView = z.object({
  command_id: z.string(),
  status: z.literal('pending'),
  status_url: z.string().describe('GET it for the decision.'),
});

export const commandStatusView = z.union([decisionView.extend({ status: z.literal('decided'), conflicting_stay: stayView.optional() }), pendingView]);

/** An instant PostgreSQL can compare: the years 2000 to 2099. */
const instant = z.iso.datetime({ offset: true }).refine((t) => Date.parse(t) >= Date.UTC(2000, 0, 1) && Date.parse(t) < Date.UTC(2100, 0, 1), 'an instant from 2000 to 2099');

export const auditQuery = z
  .object({
    property_id: reference.optional(),
    booking: reference.optional().describe("A booking's stay key, '<source>:<reference>' (AIRBNB:HM123): its rows and its guest's and price's."),
    conflict_type: z.string().regex(/^[A-Z_]{1,40}$/).optional(),
    entity_type: z.enum(['booking', 'guest', 'availability', 'price']).optional(),
    from: instant.optional().describe('Rows at or after this instant.'),
    to: instant.optional().describe('Rows before this instant.'),
    cursor: z.string().regex(/^\d{1,18}$/).optional().describe('next_cursor of the previous page.'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditEntryView = z.object({
  id: z.string(),
  at: z.string().describe('When the decision was recorded.'),
  property_id: z.string(),
  entity_type: z.string().describe('booking, guest, availability (a manual block) or price.'),
  entity_id: z.string().nullable(),
  action: z.string().describe('The ledger event, or conflict_resolved.'),
  rule: z.string().nullable().describe('The rule of docs/conflict-rules.md that decided it.'),
  conflict_type: z.string().nullable(),
  resolution: z.string().nullable(),
  decided_by: z.string().describe("'system', or the operator who acted."),
  operator: z.string().nullable().describe('The operator who acted, if one did.'),
  source: z.string(),
  command_id: z.string(),
  version: z.number().int(),
  correlation_id: z.string(),
  trace_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable().describe('What the rule saw: outcome and reason, or the conflict facts. References, never the guest personal data.'),
});
export type AuditEntryView = z.infer<typeof auditEntryView>;

export const auditView = z.object({ entries: z.array(auditEntryView), next_cursor: z.string().nullable().describe('Pass as cursor for the next, older page; null on the last.') });

export const calendarView = z.object({
  property_id: z.string(),
  from: localDate,
  to: localDate,
  nights: z.array(z.object({ date: localDate, available: z.boolean(), held_by: z.string().nullable().describe('Stay key holding the night.') })),
});

/** A revision id: a positive integer as a decimal string (18 digits at most: it is a PostgreSQL bigint). */
const revisionId = z.string().regex(/^[1-9]\d{0,17}$/).describe("A revision's `revision_id`.");

export const revisionsQuery = z
  .object({
    after: revisionId.optional().describe('Only revisions recorded after this one: `next_cursor` of the previous page. Absent: from the oldest.'),
    property_id: reference.optional(),
    include_acknowledged: z.enum(['true', 'false']).default('false').describe('`true` lists acknowledged revisions too (until they are purged); by default only those not yet acknowledged, as Channex\'s feed does.'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type RevisionsQuery = z.infer<typeof revisionsQuery>;

export const revisionParams = z.object({ revisionId });

export const acknowledgeRevisionsBody = z.object({ revision_ids: z.array(revisionId).min(1).max(500) }).strict();
export type AcknowledgeRevisionsBody = z.infer<typeof acknowledgeRevisionsBody>;

export const revisionView = z.object({
  revision_id: z.string().describe("Grows with every revision of this tenant, in the order they were recorded: pass as `after`, and as the id to acknowledge."),
  property_id: z.string(),
  event_id: z.string().describe('The `booking.events` record this revision is: the same change read from the topic has the same id.'),
  event_type: z.enum(BookingEventTypeSymbols).exclude(['COMMAND_IGNORED']).describe('What the ledger did (COMMAND_IGNORED changed nothing and is never a revision).'),
  stay_key: z.string().describe("'<booking_source>:<booking_ref>'"),
  booking_source: z.enum(SourceSymbols).describe('Where the booking or block comes from: read a booking with GET /v1/properties/{property_id}/bookings/{booking_ref}?source={booking_source}.'),
  booking_ref: z.string(),
  source: z.enum(SourceSymbols).describe('Who caused the change: PMS or a channel.'),
  command_id: z.string().describe('The command that caused it: a PMS write answers with its command id.'),
  version: z.number().int().describe("The property's ledger version after the change."),
  occurred_at: z.string().describe('When the ledger decided it.'),
  recorded_at: z.string().describe('When it entered the feed.'),
  acknowledged_at: z.string().nullable().describe('When the PMS first acknowledged it; null until then.'),
  changes: z
    .object({
      status: z.enum(BookingStatusSymbols).optional(),
      check_in: localDate.optional(),
      check_out: localDate.optional(),
      previous_check_in: localDate.optional().describe('BOOKING_DATES_CHANGED: the dates before.'),
      previous_check_out: localDate.optional(),
      total: money.optional(),
      rate_plan: z.string().optional(),
      reason: z.string().optional().describe('A rejection: the reason code (nights_unavailable, ...).'),
      conflicting_stay: z.string().optional().describe('A rejection: the stay key holding the nights.'),
    })
    .describe("The stay after the change, absent fields left out. No guest data: GUEST_UPDATED says the guest changed; read the booking for its details."),
});

export const revisionsView = z.object({
  revisions: z.array(revisionView).describe('Oldest first.'),
  next_cursor: z.string().nullable().describe('Pass as `after` for the next page: the last revision of this page (or the `after` given, when the page is empty).'),
  has_more: z.boolean().describe('More revisions follow this page.'),
  unacknowledged: z.number().int().describe("This tenant's revisions not yet acknowledged (of the property, when property_id is given)."),
});

export const acknowledgedView = z.object({
  acknowledged: z.array(revisionView).describe('The revisions named, in id order, each with the time it was first acknowledged.'),
  not_found: z.array(z.string()).describe('Ids that are not revisions of this tenant (or were purged).'),
});

/** Longest range of one update: two years of nights. */
export const MAX_RATE_RANGE_NIGHTS = 731;
/** Most nights one request may name, over all its updates: a season of 365 nights for ten rate plans, and some. */
export const MAX_RATE_REQUEST_NIGHTS = 10_000;

const stayRule = (max: number) => z.number().int().min(1).max(max).nullable();

const rateUpdate = z
  .object({
    rate_plan: identifier(200).describe("The PMS's rate plan id; each channel listing maps it to the channel's own."),
    from: localDate.describe('First night.'),
    to: localDate.describe(`End of the range, exclusive: at most ${MAX_RATE_RANGE_NIGHTS} nights after from.`),
    price: z.object({ amount_minor: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) }).strict().optional().describe("The nightly price in integer minor units of the property's currency."),
    min_stay_arrival: stayRule(365).optional().describe('Fewest nights of a stay arriving this night; null removes the rule.'),
    min_stay_through: stayRule(365).optional().describe('Fewest nights of any stay including this night; null removes the rule.'),
    max_stay: stayRule(730).optional().describe('Most nights of a stay arriving this night; null removes the rule.'),
    closed_to_arrival: z.boolean().optional(),
    closed_to_departure: z.boolean().optional().describe('No stay may leave on this day.'),
    stop_sell: z.boolean().optional().describe('Nothing including this night is sold.'),
  })
  .strict()
  .refine((u) => Object.keys(u).some((k) => !['rate_plan', 'from', 'to'].includes(k)), 'give at least one of price, min_stay_arrival, min_stay_through, max_stay, closed_to_arrival, closed_to_departure, stop_sell');

export const setRatesBody = z
  .object({
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe("The PMS's version of this change, growing with every change (its revision counter, or the time in ms). Per night and field, an older version never overwrites a newer one, whatever order requests arrive in; resending a request changes nothing."),
    updates: z.array(rateUpdate).min(1).max(2_000),
  })
  .strict();
export type SetRatesBody = z.infer<typeof setRatesBody>;

const nightTermsView = z.object({
  price: money.nullable(),
  min_stay_arrival: z.number().int().nullable(),
  min_stay_through: z.number().int().nullable(),
  max_stay: z.number().int().nullable(),
  closed_to_arrival: z.boolean(),
  closed_to_departure: z.boolean(),
  stop_sell: z.boolean(),
});

export const ratesAppliedView = z.object({
  property_id: z.string(),
  version: z.number().int(),
  nights_changed: z.number().int().describe('Nights whose terms this request changed (0 for a resent or outdated one).'),
  event_id: z.string().describe('The rate.changes record that carries the nights to every channel.'),
});

export const ratesQuery = z
  .object({ from: localDate, to: localDate.describe('Exclusive; at most 366 days after from.'), rate_plan: reference.optional() })
  .strict();

export const ratesView = z.object({
  property_id: z.string(),
  from: localDate,
  to: localDate,
  rate_plans: z.array(z.object({ rate_plan: z.string(), ranges: z.array(z.object({ from: localDate, to: localDate, terms: nightTermsView })) })).describe('Each plan as ranges of equal terms; nights never set are absent.'),
});
