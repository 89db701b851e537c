import { z } from 'zod';
import { problemSchema } from '@cm/service-runtime';
import { channelWebhookPayload } from '@cm/channel-webhooks';
import {
  acknowledgedView,
  acknowledgeRevisionsBody,
  bookingParams,
  bookingQuery,
  auditQuery,
  auditView,
  calendarQuery,
  calendarView,
  cancelBookingBody,
  commandParams,
  commandStatusView,
  createBlockBody,
  createBookingBody,
  decisionView,
  modifyBookingBody,
  pendingView,
  propertyParams,
  revisionParams,
  revisionsQuery,
  revisionsView,
  ratesAppliedView,
  ratesQuery,
  ratesView,
  revisionView,
  setRatesBody,
  stayView,
  updateGuestBody,
} from './pms-schemas';
import { ledgerNightsQuery, ledgerNightsView, stayHistoryView, stayParams } from './console-schemas';
import { exchangeRatesLoadedView, exchangeRatesLoadQuery, exchangeRatesQuery, exchangeRatesView } from './exchange-rate-schemas';

/**
 * Every HTTP route as data: the handlers are registered from it and the OpenAPI document is
 * built from it, so the document cannot drift from what the service accepts.
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** OpenAPI path template: `/v1/properties/{propertyId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: 'webhooks' | 'bookings' | 'blocks' | 'reads' | 'console' | 'revisions' | 'rates' | 'exchange-rates';
  readonly auth: 'api_key' | 'webhook_signature' | 'operator_token';
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** A body that is an XML document (application/xml or text/xml), not JSON: what it must be. */
  readonly xmlBody?: string;
  readonly idempotent?: boolean;
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodType }>>;
}

const problem = (description: string) => ({ description, schema: problemSchema });
const common = {
  400: problem('Invalid request: `errors` names each field.'),
  401: problem('Missing or bad credentials.'),
  413: problem('Body larger than the limit.'),
  429: problem('Over the tenant rate; see Retry-After.'),
} as const;
const decided = (code: 200 | 201, what: string) => ({
  ...common,
  [code]: { description: `${what}: the arbiter applied it.`, schema: decisionView },
  202: { description: 'The decision did not come within the deadline: poll status_url.', schema: pendingView },
  404: problem('No such property (or not this tenant’s), or no such booking.'),
  409: problem('Refused by the ledger: `code` says why; `conflicting_stay` holds the nights when they are taken.'),
  422: problem("Idempotency-Key reused with another request, a command the arbiter could not take, or a change to a channel's reservation its platform's API cannot carry out (`not_possible_on_channel`)."),
});

export const webhookAccepted = z.object({
  status: z.enum(['accepted', 'duplicate']),
  outcome: z.enum(['command', 'calendar_report']).optional(),
  command_id: z.string().optional(),
  price_report_command_id: z.string().optional().describe("A reservation.modified carrying a total is also a price report: that command's id (decided after the date change)."),
});

export const ROUTES = {
  webhook: {
    method: 'POST',
    path: '/webhooks/{channel}',
    operationId: 'receiveChannelWebhook',
    summary: "A channel's event, signed with the connection's secret (HMAC-SHA256 over `<x-cm-timestamp>.<raw body>`).",
    tag: 'webhooks',
    auth: 'webhook_signature',
    params: z.object({ channel: z.enum(['airbnb', 'booking_com', 'vrbo', 'expedia']) }),
    body: channelWebhookPayload,
    responses: {
      200: { description: 'Already taken in (same channel and event_id): dropped.', schema: webhookAccepted },
      202: { description: 'Taken in: a booking command, or a calendar report for the reconciler.', schema: webhookAccepted },
      ...common,
      403: problem('The listing belongs to another connection.'),
      404: problem('Unknown channel.'),
      415: problem('Not application/json.'),
      422: problem('The listing is not mapped to any property.'),
    },
  },
  createBooking: {
    method: 'POST',
    path: '/v1/properties/{propertyId}/bookings',
    operationId: 'createDirectBooking',
    summary: "A direct booking: waits for the arbiter's decision up to the deadline.",
    tag: 'bookings',
    auth: 'api_key',
    params: propertyParams,
    body: createBookingBody,
    idempotent: true,
    responses: decided(201, 'Booked'),
  },
  modifyBooking: {
    method: 'PATCH',
    path: '/v1/properties/{propertyId}/bookings/{reference}',
    operationId: 'modifyBookingDates',
    summary: 'Moves a PMS booking to other dates.',
    tag: 'bookings',
    auth: 'api_key',
    params: bookingParams,
    body: modifyBookingBody,
    idempotent: true,
    responses: decided(200, 'Dates changed'),
  },
  cancelBooking: {
    method: 'POST',
    path: '/v1/properties/{propertyId}/bookings/{reference}/cancel',
    operationId: 'cancelBooking',
    summary: "Cancels a booking; its nights open on every channel, and a channel's reservation (source) is cancelled there as the host.",
    tag: 'bookings',
    auth: 'api_key',
    params: bookingParams,
    body: cancelBookingBody,
    idempotent: true,
    responses: decided(200, 'Cancelled'),
  },
  updateGuest: {
    method: 'PUT',
    path: '/v1/properties/{propertyId}/bookings/{reference}/guest',
    operationId: 'updateGuest',
    summary: "Updates a PMS booking's guest details.",
    tag: 'bookings',
    auth: 'api_key',
    params: bookingParams,
    body: updateGuestBody,
    idempotent: true,
    responses: decided(200, 'Guest updated'),
  },
  createBlock: {
    method: 'POST',
    path: '/v1/properties/{propertyId}/blocks',
    operationId: 'blockNights',
    summary: 'A manual block (owner stay, maintenance): refused if a stay holds any of its nights.',
    tag: 'blocks',
    auth: 'api_key',
    params: propertyParams,
    body: createBlockBody,
    idempotent: true,
    responses: decided(201, 'Blocked'),
  },
  removeBlock: {
    method: 'DELETE',
    path: '/v1/properties/{propertyId}/blocks/{reference}',
    operationId: 'unblockNights',
    summary: 'Removes a manual block.',
    tag: 'blocks',
    auth: 'api_key',
    params: bookingParams,
    idempotent: true,
    responses: decided(200, 'Unblocked'),
  },
  readBooking: {
    method: 'GET',
    path: '/v1/properties/{propertyId}/bookings/{reference}',
    operationId: 'readBooking',
    summary: 'A booking as the ledger holds it (PMS booking unless `source` names a channel).',
    tag: 'reads',
    auth: 'api_key',
    params: bookingParams,
    query: bookingQuery,
    responses: { 200: { description: 'The booking.', schema: stayView }, ...common, 404: problem('No such property or booking.') },
  },
  readCalendar: {
    method: 'GET',
    path: '/v1/properties/{propertyId}/calendar',
    operationId: 'readCalendar',
    summary: 'Each night of [from, to) and the stay holding it.',
    tag: 'reads',
    auth: 'api_key',
    params: propertyParams,
    query: calendarQuery,
    responses: { 200: { description: 'The nights.', schema: calendarView }, ...common, 404: problem('No such property.') },
  },
  readLedgerNights: {
    method: 'GET',
    path: '/v1/properties/{propertyId}/ledger-nights',
    operationId: 'readLedgerNights',
    summary: "The operator console's ledger row: each night of [from, to) (at most 62) and the stay holding it, with its source, status and guest's name.",
    tag: 'console',
    auth: 'api_key',
    params: propertyParams,
    query: ledgerNightsQuery,
    responses: { 200: { description: 'The nights.', schema: ledgerNightsView }, ...common, 404: problem('No such property (or not this tenant’s).') },
  },
  readStayHistory: {
    method: 'GET',
    path: '/v1/properties/{propertyId}/stays/{stayKey}/history',
    operationId: 'readStayHistory',
    summary: "A booking's (or block's) history for the operator console: the stay now, its revisions, the decisions of its commands, its audit trail with who did what and why, and its conflicts.",
    tag: 'console',
    auth: 'api_key',
    params: stayParams,
    responses: { 200: { description: 'The history.', schema: stayHistoryView }, ...common, 404: problem('No such property (or not this tenant’s), or no stay of that key there.') },
  },
  readAudit: {
    method: 'GET',
    path: '/v1/audit',
    operationId: 'readAuditTrail',
    summary: "The ledger's audit trail of this tenant's properties, newest first: who decided what, by which rule, with the operator named where one acted.",
    tag: 'reads',
    auth: 'api_key',
    query: auditQuery,
    responses: { 200: { description: 'A page of entries.', schema: auditView }, ...common, 404: problem('No such property (or not this tenant’s).') },
  },
  commandStatus: {
    method: 'GET',
    path: '/v1/commands/{commandId}',
    operationId: 'readCommandStatus',
    summary: 'The decision of a PMS write answered 202: pending until the arbiter decides.',
    tag: 'reads',
    auth: 'api_key',
    params: commandParams,
    responses: { 200: { description: 'Pending or decided.', schema: commandStatusView }, ...common, 404: problem('No such command of this tenant.') },
  },
  readRevisions: {
    method: 'GET',
    path: '/v1/revisions',
    operationId: 'readRevisionFeed',
    summary: "The revision feed: every change the ledger made to this tenant's properties (channel bookings above all), oldest first; by default only those not yet acknowledged. Acknowledge each once the PMS has taken it.",
    tag: 'revisions',
    auth: 'api_key',
    query: revisionsQuery,
    responses: { 200: { description: 'A page of revisions, oldest first.', schema: revisionsView }, ...common, 404: problem('No such property (or not this tenant’s).') },
  },
  acknowledgeRevision: {
    method: 'POST',
    path: '/v1/revisions/{revisionId}/ack',
    operationId: 'acknowledgeRevision',
    summary: 'The PMS took this revision: it leaves the unacknowledged feed. Acknowledging again answers the same.',
    tag: 'revisions',
    auth: 'api_key',
    params: revisionParams,
    responses: { 200: { description: 'The revision, with when it was first acknowledged.', schema: revisionView }, ...common, 404: problem('No such revision of this tenant (or purged).') },
  },
  acknowledgeRevisions: {
    method: 'POST',
    path: '/v1/revisions/ack',
    operationId: 'acknowledgeRevisions',
    summary: 'Acknowledges up to 500 revisions at once; ids that are not this tenant’s are listed as not found.',
    tag: 'revisions',
    auth: 'api_key',
    body: acknowledgeRevisionsBody,
    responses: { 200: { description: 'What was acknowledged, and what was not found.', schema: acknowledgedView }, ...common, 415: problem('Not application/json.') },
  },
  setRates: {
    method: 'PUT',
    path: '/v1/properties/{propertyId}/rates',
    operationId: 'setRatesAndRestrictions',
    summary: "Sets prices and stay rules per rate plan for ranges of nights (a whole season in one request): kept per night and field by `version`, and pushed to every channel with its currency, markup and rate plan ids. Resending a request is safe: it changes nothing and is published again.",
    tag: 'rates',
    auth: 'api_key',
    params: propertyParams,
    body: setRatesBody,
    responses: {
      200: { description: 'Kept, and on its way to the channels.', schema: ratesAppliedView },
      ...common,
      404: problem('No such property (or not this tenant’s).'),
      415: problem('Not application/json.'),
      422: problem("A price in another currency than the property's (`currency_not_property_currency`)."),
    },
  },
  readRates: {
    method: 'GET',
    path: '/v1/properties/{propertyId}/rates',
    operationId: 'readRatesAndRestrictions',
    summary: 'The prices and stay rules the PMS set for [from, to), per rate plan as ranges of equal terms.',
    tag: 'rates',
    auth: 'api_key',
    params: propertyParams,
    query: ratesQuery,
    responses: { 200: { description: 'The rate plans and their ranges.', schema: ratesView }, ...common, 404: problem('No such property (or not this tenant’s).') },
  },
  loadExchangeRates: {
    method: 'PUT',
    path: '/v1/exchange-rates',
    operationId: 'loadExchangeRates',
    summary: "Loads the ECB's euro reference rates (its daily, 90-day or history XML) that the arbiter converts prices with. Operator data, not a tenant's: the operator token. Loading the same file again changes nothing; older dates add rows beside newer ones.",
    tag: 'exchange-rates',
    auth: 'operator_token',
    query: exchangeRatesLoadQuery,
    xmlBody: "The ECB's reference-rate XML, UTF-8 (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml and its -hist-90d and -hist files).",
    responses: {
      200: { description: 'Loaded: how many rates were new, changed or already held.', schema: exchangeRatesLoadedView },
      400: problem('Not a reference-rate file: `code` says why (not_xml, not_ecb_format, bad_date, unknown_currency, bad_rate, duplicate_currency, duplicate_date, empty) and `detail` where (line, column).'),
      401: problem('Missing or wrong operator token.'),
      403: problem('OPERATOR_API_TOKEN is not set: the operator routes are off.'),
      413: problem('Body larger than EXCHANGE_RATES_BODY_LIMIT_BYTES.'),
      415: problem('Not application/xml or text/xml (UTF-8).'),
    },
  },
  readExchangeRates: {
    method: 'GET',
    path: '/v1/exchange-rates',
    operationId: 'readExchangeRates',
    summary: "The euro reference rates in force on a date: the newest publication on or before it (a weekend has Friday's). The arbiter also ignores a rate older than its EXCHANGE_RATE_MAX_AGE_DAYS.",
    tag: 'exchange-rates',
    auth: 'operator_token',
    query: exchangeRatesQuery,
    responses: {
      200: { description: 'The rates, by currency.', schema: exchangeRatesView },
      400: problem('Invalid request: `errors` names each field.'),
      401: problem('Missing or wrong operator token.'),
      403: problem('OPERATOR_API_TOKEN is not set: the operator routes are off.'),
      404: problem('No rates published on or before that date.'),
    },
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** `/v1/properties/{propertyId}` in fastify's form, `/v1/properties/:propertyId`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
