import { z } from 'zod';
import { webhookAddress, webhookAmount } from '@cm/channel-webhooks';
import { parseDay } from './dates';
import { LIMITS } from './limits';
import { MAX_AMOUNT_MINOR, type NightTerms } from '@cm/domain';
import { isKnownCurrency, domainMoneyOf } from './money';
import { SYNC_MODES } from './listing';
import { DEFAULT_RATE_PLAN_ID, type PlanTermsUpdate } from './rate-plans';

/**
 * What callers send, as zod schemas: the platform API's ARI pushes and calendar reads, and the
 * admin API's listings and guest bookings. Dates arrive as `YYYY-MM-DD` and leave parsing as day
 * numbers; ranges are half-open `[from, to)`.
 */

const id = z.string().min(1).max(LIMITS.idLength);

const calendarDate = z.string().transform((text, ctx) => {
  const day = parseDay(text);
  if (day === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got '${text.slice(0, 40)}'` });
    return z.NEVER;
  }
  return day;
});

function boundedRange<From extends string, To extends string>(maxNights: number, fromKey: From, toKey: To) {
  return (range: Record<From | To, number>, ctx: z.RefinementCtx) => {
    const from = range[fromKey];
    const to = range[toKey];
    if (to <= from) ctx.addIssue({ code: 'custom', path: [toKey], message: `must be after ${fromKey} (${toKey} is exclusive)` });
    else if (to - from > maxNights) ctx.addIssue({ code: 'custom', path: [toKey], message: `range covers ${to - from} nights, at most ${maxNights}` });
  };
}

const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like EUR')
  .refine(isKnownCurrency, 'not an ISO 4217 currency');

export const money = z
  .object({
    amount_minor: z.number().int().min(0).max(MAX_AMOUNT_MINOR),
    currency: currencyCode,
  })
  .strict();

export const minStay = z.number().int().min(1).max(365);

const availabilityUpdate = z
  .object({ from: calendarDate, to: calendarDate, available: z.boolean() })
  .strict()
  .superRefine(boundedRange(LIMITS.updateNights, 'from', 'to'));

/** The terms a rate update may set, as the wire names them; null clears a rule or the price. */
const TERM_FIELDS = ['price', 'min_stay_arrival', 'min_stay_through', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'] as const;

/**
 * Some terms of one rate plan for the nights [from, to); a field left out stays as it was.
 * `min_stay` is the older name of `min_stay_arrival`, still taken (not both in one update).
 */
const rateUpdate = z
  .object({
    from: calendarDate,
    to: calendarDate,
    rate_plan_id: id.optional().describe(`The plan's id on this platform; ${DEFAULT_RATE_PLAN_ID} when left out.`),
    price: money.nullable().optional(),
    min_stay: minStay.optional().describe('The older name of min_stay_arrival.'),
    min_stay_arrival: minStay.nullable().optional(),
    min_stay_through: minStay.nullable().optional(),
    max_stay: minStay.nullable().optional(),
    closed_to_arrival: z.boolean().optional(),
    closed_to_departure: z.boolean().optional(),
    stop_sell: z.boolean().optional(),
  })
  .strict()
  .superRefine(boundedRange(LIMITS.updateNights, 'from', 'to'))
  .superRefine((update, ctx) => {
    if (update.min_stay === undefined && TERM_FIELDS.every((field) => update[field] === undefined)) ctx.addIssue({ code: 'custom', message: `give at least one of ${TERM_FIELDS.join(', ')}` });
    if (update.min_stay !== undefined && update.min_stay_arrival !== undefined) ctx.addIssue({ code: 'custom', path: ['min_stay'], message: 'is the older name of min_stay_arrival: give one of them' });
  })
  .transform((update): PlanTermsUpdate => ({ ratePlanId: update.rate_plan_id ?? DEFAULT_RATE_PLAN_ID, range: { from: update.from, to: update.to }, set: termsSet(update) }));

function termsSet(update: {
  price?: { amount_minor: number; currency: string } | null | undefined;
  min_stay?: number | undefined;
  min_stay_arrival?: number | null | undefined;
  min_stay_through?: number | null | undefined;
  max_stay?: number | null | undefined;
  closed_to_arrival?: boolean | undefined;
  closed_to_departure?: boolean | undefined;
  stop_sell?: boolean | undefined;
}): Partial<NightTerms> {
  const set: { -readonly [F in keyof NightTerms]?: NightTerms[F] } = {};
  if (update.price !== undefined) set.price = update.price && domainMoneyOf(update.price);
  const arrival = update.min_stay_arrival !== undefined ? update.min_stay_arrival : update.min_stay;
  if (arrival !== undefined) set.minStayArrival = arrival;
  if (update.min_stay_through !== undefined) set.minStayThrough = update.min_stay_through;
  if (update.max_stay !== undefined) set.maxStay = update.max_stay;
  if (update.closed_to_arrival !== undefined) set.closedToArrival = update.closed_to_arrival;
  if (update.closed_to_departure !== undefined) set.closedToDeparture = update.closed_to_departure;
  if (update.stop_sell !== undefined) set.stopSell = update.stop_sell;
  return set;
}

export const availabilityRequest = z
  .object({ request_id: id, updates: z.array(availabilityUpdate).min(1).max(LIMITS.updatesPerRequest) })
  .strict();

export const ratesRequest = z
  .object({ request_id: id, updates: z.array(rateUpdate).min(1).max(LIMITS.updatesPerRequest) })
  .strict();

export const calendarQuery = z
  .object({ from: calendarDate, to: calendarDate })
  .strict()
  .superRefine(boundedRange(LIMITS.calendarNights, 'from', 'to'));

export const listingIdParam = id;

export const ratePlanIdParam = id;

export const listingRegistration = z
  .object({
    connection_id: id,
    secret: z.string().min(1).max(1_000),
    currency: currencyCode,
    time_zone: z
      .string()
      .max(100)
      .refine(isKnownTimeZone, 'not an IANA time zone')
      .default('UTC'),
    webhook_url: z.url({ protocol: /^https?$/ }).optional(),
    sync: z.enum(SYNC_MODES).default('api').describe("How the platform syncs with us: 'api' (API and webhooks) or 'ical' (feeds only)."),
    import_url: z.url({ protocol: /^https?$/ }).optional().describe('Our export feed of the listing, which the platform polls (ical only).'),
    ical_poll_seconds: z.number().int().min(0).max(86_400).optional().describe('How often the platform polls import_url; 0 only when asked.'),
    api_key: z
      .string()
      .min(1)
      .max(1_000)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces (it travels in an Authorization header)')
      .optional()
      .describe('When set, every platform API call for the listing must carry `Authorization: Bearer <api_key>` (api only).'),
  })
  .strict()
  .superRefine((listing, ctx) => {
    if (listing.sync === 'ical') {
      if (listing.webhook_url !== undefined) ctx.addIssue({ code: 'custom', path: ['webhook_url'], message: "an iCal listing sends no webhooks (sync: 'ical')" });
      if (listing.api_key !== undefined) ctx.addIssue({ code: 'custom', path: ['api_key'], message: "an iCal listing has no API to call (sync: 'ical')" });
      return;
    }
    for (const field of ['import_url', 'ical_poll_seconds'] as const) {
      if (listing[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: "only with sync: 'ical' (the platform polls no feed of an API-connected listing)" });
    }
  });

const guestText = z.string().max(2_000);

export const guestDetails = z
  .object({ name: guestText.nullish(), email: guestText.nullish(), phone: guestText.nullish(), address: webhookAddress.nullish(), language: z.string().min(2).max(35).nullish() })
  .strict();

export const bookingRequest = z
  .object({
    reservation_id: id.optional(),
    check_in: calendarDate,
    check_out: calendarDate,
    guest: guestDetails.optional(),
    guests: z.number().int().min(1).max(50).optional().describe('How many guests the reservation is for.'),
    rate_plan_id: id.optional().describe(`The rate plan booked; ${DEFAULT_RATE_PLAN_ID} when left out.`),
    total: webhookAmount.optional(),
    request: z.boolean().optional().describe('A request to book: pending until the host decides or it expires.'),
    request_window_ms: z.number().int().min(1).max(LIMITS.requestWindowMs).optional().describe("This request's window instead of the simulator's."),
  })
  .strict()
  .superRefine(boundedRange(LIMITS.stayNights, 'check_in', 'check_out'))
  .refine((booking) => booking.request_window_ms === undefined || booking.request === true, { path: ['request_window_ms'], message: 'only with request: true' });

export const bookingModification = z
  .object({ check_in: calendarDate.optional(), check_out: calendarDate.optional(), total: webhookAmount.optional() })
  .strict()
  .refine((change) => change.check_in !== undefined || change.check_out !== undefined || change.total !== undefined, 'give check_in, check_out or total');

export const guestUpdate = guestDetails.refine(
  (guest) => Object.values(guest).some((value) => value !== undefined),
  'give name, email, phone, address or language',
);

export const reservationIdParam = id;

/** A reason the host gives (shown to the guest, or kept by the platform). */
const reason = z.string().trim().min(1).max(LIMITS.reasonLength);

/** The platform API's reservation operations; request_id makes a retry act once. */
export const acknowledgeRequest = z
  .object({ request_id: id, revision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('Every revision up to this one is acknowledged.') })
  .strict();

export const bookingRequestDecision = z
  .object({ request_id: id, decision: z.enum(['accept', 'decline']), reason: reason.optional() })
  .strict()
  .refine((body) => body.decision === 'accept' || body.reason !== undefined, { path: ['reason'], message: 'required to decline a request to book' });

export const alterationDecision = z.object({ request_id: id, decision: z.enum(['accept', 'decline']), reason: reason.optional() }).strict();

export const hostCancellation = z.object({ request_id: id, reason }).strict();

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Request bodies as callers write them (dates as strings). */
export type AvailabilityRequest = z.input<typeof availabilityRequest>;
export type RatesRequest = z.input<typeof ratesRequest>;
export type ListingRegistration = z.input<typeof listingRegistration>;
export type BookingRequest = z.input<typeof bookingRequest>;
export type BookingModification = z.input<typeof bookingModification>;
export type GuestUpdate = z.input<typeof guestUpdate>;
export type AlterationRequest = z.input<typeof bookingModification>;
export type AcknowledgeRequest = z.input<typeof acknowledgeRequest>;
export type BookingRequestDecision = z.input<typeof bookingRequestDecision>;
export type AlterationDecision = z.input<typeof alterationDecision>;
export type HostCancellation = z.input<typeof hostCancellation>;
