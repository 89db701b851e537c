import { randomBytes, randomUUID } from 'node:crypto';
import { invalid, parseStrictJson, Problem } from '@cm/service-runtime';
import { channelWebhookPayload, verifyWebhookSignature, WEBHOOK_HEADERS, type ChannelWebhookPayload, type SignatureProblem } from '@cm/channel-webhooks';
import type { Channel } from '@cm/schemas';
import type { Logger } from '@cm/service-runtime';
import type { CommandWriter } from '../command-writer';
import type { EventClaims } from '../directory/event-claims';
import type { EventRef, SeenEvents } from '../directory/seen-events';
import { channelEventToCommand, commandsOf } from '../normalise/channel-event-command';
import type { StayQuotes } from '../quotes/stay-quotes';
import { asFieldProblem, type FieldProblem } from '../normalise/field-problems';
import { identifierProblem } from '@cm/service-runtime';
import { webhookToChannelEvent } from '../normalise/webhook-event';
import { withinRate, type GuardDeps } from './guards';
import type { HttpAnswer } from './decision-response';

export interface WebhookDeps extends GuardDeps {
  readonly log: Logger;
  readonly seen: SeenEvents;
  readonly claims: EventClaims;
  readonly writer: CommandWriter;
  readonly quotes: StayQuotes;
  readonly replayWindowSeconds: number;
  readonly now: () => number;
}

export interface WebhookRequest {
  readonly channelParam: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: Buffer;
}

const header = (headers: WebhookRequest['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * One channel webhook delivery: who sent it (connection and signature, before anything is
 * parsed), whether its tenant is within its rate, whether it is well-formed and about a listing
 * of that connection, and then exactly one outcome: a command, a calendar report, or a dropped
 * duplicate. Every refusal is a Problem with its own code.
 */
export async function receiveWebhook(deps: WebhookDeps, request: WebhookRequest, onOutcome: (channel: Channel, outcome: 'command' | 'calendar_report' | 'duplicate') => void): Promise<HttpAnswer> {
  const channel = request.channelParam.toUpperCase() as Channel;
  const connectionId = header(request.headers, WEBHOOK_HEADERS.connection);
  if (!connectionId) throw new Problem(401, 'connection_missing', `send the connection id in ${WEBHOOK_HEADERS.connection}`);
  const known = connectionId.length <= 200 ? await deps.directory.connection(connectionId) : undefined;
  const connection = known && known.channel === channel ? known : undefined;
  // An unknown connection is checked against a secret nobody holds, so it is answered exactly
  // as a known one with a wrong signature: the answer does not tell which connection ids exist.
  const problem = verifyWebhookSignature({
    secret: connection?.secret ?? NOBODYS_SECRET,
    rawBody: request.rawBody,
    timestamp: header(request.headers, WEBHOOK_HEADERS.timestamp),
    signature: header(request.headers, WEBHOOK_HEADERS.signature),
    nowMs: deps.now(),
    windowSeconds: deps.replayWindowSeconds,
  });
  if (problem || !connection) {
    const code = problem ?? 'signature_mismatch';
    throw new Problem(401, code, SIGNATURE_DETAIL[code]);
  }
  await withinRate(deps, { tenantId: connection.tenantId, ratePerSecond: (await deps.directory.tenant(connection.tenantId))?.ratePerSecond ?? null });

  const parsed = channelWebhookPayload.safeParse(parseStrictJson(request.rawBody));
  if (!parsed.success) throw invalid(parsed.error, 'webhook body');
  const payload = parsed.data;
  const idProblems = webhookIdentifierProblems(payload);
  if (idProblems.length > 0) throw new Problem(400, 'invalid_identifier', 'an id holds characters an id cannot have', idProblems);
  const listing = await deps.directory.listing(channel, payload.listing_id);
  // Another connection's listing is answered as an unknown one: a connection holder learns nothing of other tenants' listings.
  if (!listing || listing.connectionId !== connection.connectionId) throw new Problem(422, 'unknown_listing', `no ${channel} listing '${payload.listing_id}' on this connection`);

  const event = webhookToChannelEvent(payload, channel, listing, (header(request.headers, 'x-correlation-id') ?? '').slice(0, 200) || randomUUID(), deps.now());
  if (!event.ok) throw new Problem(400, 'invalid_request', 'the webhook body has values we cannot take', event.problems);
  const outcome = channelEventToCommand(event.value, listing, deps.now(), await deps.quotes.ofEvent(event.value, listing));
  if (outcome.kind === 'invalid') throw new Problem(400, 'invalid_request', 'the event cannot become a booking command', outcome.problems.map(asFieldProblem));

  const ref: EventRef = { channel, connectionId: connection.connectionId, externalEventId: payload.event_id };
  const claim = await deps.claims.claim(ref);
  if (claim === 'duplicate') {
    onOutcome(channel, 'duplicate');
    return { status: 200, body: { status: 'duplicate' } };
  }
  if (claim === 'in_progress') throw new Problem(409, 'event_in_progress', 'this event is being taken in by an earlier delivery; retry shortly', undefined, { 'retry-after': '1' });
  const commandId = outcome.kind === 'command' ? outcome.command.command_id : null;
  try {
    if (outcome.kind === 'command') await deps.writer.write(commandsOf(outcome));
    else await deps.writer.writeCalendarReport(event.value);
  } catch (error) {
    await deps.claims.release(ref).catch(() => undefined);
    throw error;
  }
  remember(deps, ref, commandId);
  onOutcome(channel, outcome.kind);
  return outcome.kind === 'command'
    ? { status: 202, body: { status: 'accepted', outcome: 'command', command_id: commandId, ...(outcome.priceReport ? { price_report_command_id: outcome.priceReport.command_id } : {}) } }
    : { status: 202, body: { status: 'accepted', outcome: 'calendar_report' } };
}

/** Verified against when the connection is unknown: random per process, never stored or sent. */
const NOBODYS_SECRET = randomBytes(32).toString('base64url');

/** The ids of a webhook that become keys and references: each must be an identifier, not just text. */
function webhookIdentifierProblems(payload: ChannelWebhookPayload): FieldProblem[] {
  const ids: [string, string | null | undefined][] = [
    ['event_id', payload.event_id],
    ['listing_id', payload.listing_id],
    ['reservation.id', payload.reservation?.id],
    ['reservation.rate_plan', payload.reservation?.rate_plan],
  ];
  return ids.flatMap(([path, value]) => {
    const problem = value === null || value === undefined ? undefined : identifierProblem(value);
    return problem ? [{ path, message: problem }] : [];
  });
}

/**
 * Marked done and recorded in PostgreSQL after the answer, not before it: both only spare the
 * arbiter a duplicate it would drop anyway (the command id is derived from the event's ref).
 */
function remember(deps: WebhookDeps, ref: EventRef, commandId: string | null): void {
  const warn = (error: unknown) => deps.log.warn({ err: error, ...ref }, 'could not record a taken-in event; a retry will reach the arbiter, which drops it');
  deps.claims.done(ref);
  deps.seen.rememberOne({ ...ref, commandId }).catch(warn);
}

const SIGNATURE_DETAIL: Readonly<Record<SignatureProblem, string>> = {
  signature_missing: `send ${WEBHOOK_HEADERS.timestamp} and ${WEBHOOK_HEADERS.signature}`,
  signature_malformed: `${WEBHOOK_HEADERS.signature} must be v1= and 64 hex digits`,
  timestamp_invalid: `${WEBHOOK_HEADERS.timestamp} must be Unix seconds`,
  timestamp_outside_window: 'the delivery is older (or newer) than the replay window: sign it again',
  signature_mismatch: 'the signature does not match the body and the connection secret',
};
