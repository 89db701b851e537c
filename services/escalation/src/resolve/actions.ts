import { ARI_RESERVATION_CAPABILITIES } from '@cm/channel-adapters';
import { isInvalid, parseCommand, toEpochDay, type LocalDate } from '@cm/domain';
import { SourceSymbols, type BookingCommand, type Channel, type Source } from '@cm/schemas';
import { refuseNonIdentifier } from '@cm/service-runtime';
import { z } from 'zod';

/** Who resolves: a name people read in the audit log and task history, so no control or bidirectional characters. */
const operatorName = z.string().trim().min(1).max(200).superRefine(refuseNonIdentifier);

/**
 * What an operator writes for people to read: free text with its line breaks and tabs, but no
 * other control character (PostgreSQL stores no NUL, and the rest only garble the history).
 */
const NOTE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const NO_CONTROL = [(text: string) => !NOTE_CONTROL.test(text), 'a note holds no control character other than tab and line breaks'] as const;
const noteText = z.string().max(2_000).refine(...NO_CONTROL);

/** A channel's booking reference: an identifier, as every id of ours. */
const bookingRef = z.string().min(1).max(200).superRefine(refuseNonIdentifier);

/** What an operator may do to resolve a task. */
export const resolveRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('cancel_stay'),
    operator: operatorName,
    booking_ref: bookingRef,
    /** The source of the booking (PMS, AIRBNB...); taken from the task when it names the stay. */
    booking_source: z.enum(SourceSymbols).optional(),
    note: noteText.optional(),
  }),
  z.strictObject({
    action: z.literal('accept_channel_price'),
    operator: operatorName,
    booking_ref: bookingRef,
    price: z.strictObject({ amount_minor: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) }),
    note: noteText.optional(),
  }),
  z.strictObject({
    /** An overbooking: keep the channel's guest; the stay that won is cancelled in the same decision, so the nights never open. */
    action: z.literal('keep_channel_guest'),
    operator: operatorName,
    note: noteText.optional(),
  }),
  z.strictObject({
    /**
     * An overbooking: book the losing guest on another property of the tenant (a PMS CREATE_BOOKING
     * for the losing dates), and once the ledger accepted it, cancel the losing reservation on its
     * channel. Two steps: see resolve/relocate.ts.
     */
    action: z.literal('relocate'),
    operator: operatorName,
    property_id: z.string().min(1).max(200).superRefine(refuseNonIdentifier),
    /** How many guests, when the operator knows: the conflict does not carry it. */
    guest_count: z.number().int().min(1).max(50).optional(),
    note: noteText.optional(),
  }),
  z.strictObject({
    /** A relocation still waiting for the ledger (or never decided): withdrawn, its booking cancelled; the task stays open for another resolution. See resolve/relocate.ts. */
    action: z.literal('withdraw_relocation'),
    operator: operatorName,
    note: noteText.optional(),
  }),
  z.strictObject({ action: z.literal('repush_availability'), operator: operatorName, note: noteText.optional() }),
  z.strictObject({ action: z.literal('dismiss'), operator: operatorName, note: z.string().trim().min(1).max(2_000).refine(...NO_CONTROL) }),
]);
export type ResolveRequest = z.infer<typeof resolveRequestSchema>;
export type ResolveAction = ResolveRequest['action'];
/** The actions that close a task (withdraw_relocation leaves it open). */
export type ClosingRequest = Exclude<ResolveRequest, { action: 'withdraw_relocation' }>;

/** The task as the resolution rules read it. */
export interface TaskForResolution {
  readonly taskId: string;
  readonly tenantId: string;
  readonly propertyId: string;
  readonly bookingRef: string | null;
  readonly details: Readonly<Record<string, string>>;
}

/** A resolution: what the ledger is told (if anything), or why the action is refused (422). */
export type Resolution =
  | { readonly kind: 'command'; readonly command: BookingCommand }
  | { readonly kind: 'record_only' }
  | { readonly kind: 'refused'; readonly code: string; readonly detail: string };

/**
 * Turns an operator's action into what must happen. Commands come from the PMS (the source of
 * truth) and carry the task and the operator in their ids and reason, so the arbiter's audit row
 * (command_id, correlation_id) leads back to the task and its history. Deterministic from the
 * task, the action and `nowMs`: the caller keeps the first one so a repeat resolves the same way.
 */
export function resolutionOf(task: TaskForResolution, request: ClosingRequest, nowMs: number): Resolution {
  switch (request.action) {
    case 'dismiss':
      return { kind: 'record_only' };
    case 'repush_availability':
      // No ledger command re-sends availability: the sync-dispatcher pushes what the ledger holds
      // on every change, and the reconciler corrects drift. Recorded; nothing is produced.
      return { kind: 'record_only' };
    case 'accept_channel_price': {
      // From the PMS with the operator as actor: the ledger takes a reviewed price without
      // checking it against its own again (a plain PMS report would be flagged once more).
      const source = sourceOfStay(task, request.booking_ref);
      if (!source) return { kind: 'refused', code: 'booking_not_in_task', detail: `booking '${request.booking_ref.slice(0, 200)}' is not one this task names` };
      const command: BookingCommand = {
        ...pmsCommand(task, request.operator, nowMs, 'accept_channel_price'),
        booking_ref: request.booking_ref,
        booking_source: source,
        command: { kind: 'REPORT_PRICE', price: request.price, rate_plan: null, pms_quote: null },
      };
      const parsed = parseCommand(command);
      if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
      return { kind: 'command', command };
    }
    case 'cancel_stay': {
      const source = request.booking_source ?? sourceOfStay(task, request.booking_ref);
      if (!source) return { kind: 'refused', code: 'booking_not_in_task', detail: `booking '${request.booking_ref.slice(0, 200)}' is not one this task names; give booking_source to cancel it anyway` };
      // The task's own losing booking is REJECTED in the ledger: cancelling it opens no nights. A
      // channel that cannot cancel it as the host fails its HOST_CANCEL, raised as SYNC_FAILED for a person.
      const stuck = `${source}:${request.booking_ref}` === task.details.losingKey ? null : cannotHostCancel(source, request.booking_ref);
      if (stuck) return stuck;
      const command: BookingCommand = {
        ...pmsCommand(task, request.operator, nowMs, 'cancel_stay'),
        booking_ref: request.booking_ref,
        booking_source: source,
        command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: resolvedBy(task, request.operator) },
      };
      const parsed = parseCommand(command);
      if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
      return { kind: 'command', command };
    }
    case 'keep_channel_guest': {
      const { losingKey, winningKey, losingDates } = task.details;
      const dates = losingDates ? parseDates(losingDates) : null;
      if (!losingKey || !winningKey || !dates) return { kind: 'refused', code: 'not_an_overbooking', detail: 'only an overbooking task names a channel guest to keep and the stay to cancel' };
      // The stay that won is cancelled in the ledger: its guest must lose it on its channel too.
      const winnerColon = winningKey.indexOf(':');
      const stuck = cannotHostCancel(winningKey.slice(0, winnerColon), winningKey.slice(winnerColon + 1));
      if (stuck) return stuck;
      const colon = losingKey.indexOf(':');
      const command: BookingCommand = {
        ...pmsCommand(task, request.operator, nowMs, 'keep_channel_guest'),
        booking_ref: losingKey.slice(colon + 1),
        booking_source: losingKey.slice(0, colon) as Source,
        command: { kind: 'CHANGE_STATUS', status: 'CONFIRMED', keeps: { cancels_stay: winningKey, check_in: toEpochDay(dates.checkIn), check_out: toEpochDay(dates.checkOut) }, reason: resolvedBy(task, request.operator) },
      };
      const parsed = parseCommand(command);
      if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
      return { kind: 'command', command };
    }
    case 'relocate': {
      // What closes a relocation, once the ledger accepted the booking on the other property
      // (resolve/relocate.ts issues that first): the losing booking is cancelled as cancel_stay does,
      // so the arbiter cancels it on its channel as the host.
      const loser = losingStayOf(task);
      if (!loser) return { kind: 'refused', code: 'not_an_overbooking', detail: 'only an overbooking task names a losing guest to relocate' };
      const command: BookingCommand = {
        ...pmsCommand(task, request.operator, nowMs, 'relocate'),
        booking_ref: loser.ref,
        booking_source: loser.source,
        command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: `guest relocated to ${request.property_id} (review task ${task.taskId}, by ${request.operator})`.slice(0, 2_000) },
      };
      const parsed = parseCommand(command);
      if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
      return { kind: 'command', command };
    }
    /* istanbul ignore next -- unreachable */
    default:
      return request satisfies never;
  }
}

/** The losing booking of an overbooking task and its dates, as the conflict's facts name them; null for any other task. */
export function losingStayOf(task: TaskForResolution): { source: Source; ref: string; key: string; checkIn: LocalDate; checkOut: LocalDate } | null {
  const { losingKey, losingDates } = task.details;
  const dates = losingDates ? parseDates(losingDates) : null;
  const colon = losingKey?.indexOf(':') ?? -1;
  if (!losingKey || colon < 1 || !dates) return null;
  const source = losingKey.slice(0, colon);
  if (!(SourceSymbols as readonly string[]).includes(source)) return null;
  return { source: source as Source, ref: losingKey.slice(colon + 1), key: losingKey, ...dates };
}

/**
 * A stay that holds nights on a channel whose API offers no host cancellation (Booking.com,
 * Expedia): cancelling it in the ledger would open nights its guest still holds on the platform.
 * It is cancelled in the channel's extranet, and that cancellation reaches the ledger from there.
 */
function cannotHostCancel(source: string, ref: string): Extract<Resolution, { kind: 'refused' }> | null {
  if (source === 'PMS' || !(SourceSymbols as readonly string[]).includes(source)) return null;
  if (ARI_RESERVATION_CAPABILITIES[source as Channel].includes('host_cancel')) return null;
  return {
    kind: 'refused',
    code: 'not_possible_on_channel',
    detail: `${source}:${ref.slice(0, 200)} holds its nights on ${source}, whose API offers no cancellation by the host: cancel it in ${source}'s extranet; the cancellation reaches the ledger from there`,
  };
}

/** Why a status change of a resolution is made, in its command's words. */
function resolvedBy(task: TaskForResolution, operator: string): string {
  return `review task ${task.taskId} resolved by ${operator}`.slice(0, 2_000);
}

/** What every command of a resolution carries: the PMS as source, the task in its ids, the operator as actor. */
export function pmsCommand(task: TaskForResolution, operator: string, nowMs: number, action: string): Omit<BookingCommand, 'command' | 'booking_ref' | 'booking_source'> {
  return {
    command_id: `review:${task.taskId}:${action}`,
    property_id: task.propertyId,
    tenant_id: task.tenantId,
    source: 'PMS',
    source_version: nowMs,
    occurred_at: nowMs,
    issued_at: nowMs,
    reply_requested: false,
    correlation_id: `review:${task.taskId}`,
    actor: operator,
  };
}

/** The source of a stay the task names by ref: in its facts' stay keys (SOURCE:ref) or as its booking_ref. */
export function sourceOfStay(task: TaskForResolution, ref: string): Source | null {
  for (const value of Object.values(task.details)) {
    for (const key of stayKeysIn(value)) {
      const colon = key.indexOf(':');
      const source = key.slice(0, colon);
      if (key.slice(colon + 1) === ref && (SourceSymbols as readonly string[]).includes(source)) return source as Source;
    }
  }
  return null;
}

/** Every stay (SOURCE:ref) the task's facts name, once each, in the order they are named: what an operator may pick to act on. */
export function stayKeysOf(task: Pick<TaskForResolution, 'details'>): string[] {
  const keys = Object.values(task.details).flatMap(stayKeysIn);
  return [...new Set(keys)].filter((key) => (SourceSymbols as readonly string[]).includes(key.slice(0, key.indexOf(':'))));
}

function stayKeysIn(value: string): string[] {
  if (value.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(value);
      return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string' && k.includes(':')) : [];
    } catch {
      return [];
    }
  }
  return value.includes(':') ? [value] : [];
}

/** The losing stay's dates as the conflict's details carry them (JSON of {checkIn, checkOut}). */
function parseDates(text: string): { checkIn: LocalDate; checkOut: LocalDate } | null {
  try {
    const value = JSON.parse(text) as { checkIn?: unknown; checkOut?: unknown };
    return typeof value.checkIn === 'string' && typeof value.checkOut === 'string' ? { checkIn: value.checkIn as LocalDate, checkOut: value.checkOut as LocalDate } : null;
  } catch {
    return null;
  }
}
