/**
 * What a reservation action is on its channel, and what an answer to it means. Pure: the runner
 * calls the channel, the clock and the random source; these decide.
 */

import type { ChannelReservationState, OperationConflict, OperationResult, ReservationCapability, ReservationOperations } from '@cm/channel-adapters';
import type { ReservationAction, ReservationActionKind } from '@cm/schemas';
import { nextDelayMs, shouldRetry, type RetryPolicy } from '../policy/backoff';

export type Action = ReservationAction['action'];

/** One operation on one reservation: the listing it is on, its id there, and the request id. */
export interface OperationTarget {
  readonly listingId: string;
  readonly reservationId: string;
  readonly requestId: string;
}

/**
 * How one action is carried out: the channel operation (the capability it needs, the call, and
 * which refusal of the reservation's state means it is done already), or why no platform can.
 */
export type ActionPlan =
  | {
      readonly kind: 'operation';
      readonly capability: ReservationCapability;
      /**
       * What a channel without the capability comes to: `unsupported` (the action cannot happen
       * there: a failure), or `not_needed` (there is nothing to do there: done).
       */
      readonly withoutCapability: 'unsupported' | 'not_needed';
      /** Words for a person: "cancel as host", in summaries and logs. */
      readonly describe: string;
      readonly call: (channel: ReservationOperations, target: OperationTarget) => Promise<OperationResult>;
      /** Whether a wrong-state refusal says the channel's reservation already is what the action wants. */
      readonly alreadyDone: (conflict: OperationConflict) => boolean;
    }
  | { readonly kind: 'unsupported'; readonly describe: string; readonly why: string };

/** A request that is no longer pending and never became a stay: declined, expired, or withdrawn by the guest. */
const REQUEST_CLOSED: readonly ChannelReservationState[] = ['declined', 'expired', 'cancelled'];
/** A reservation that holds no nights on its channel any more. */
const NOT_HELD: readonly ChannelReservationState[] = ['cancelled', 'declined', 'expired'];

/**
 * The one mapping from an action's kind to a channel operation. A new kind does not compile
 * until it is handled here.
 */
export function planAction(action: Action): ActionPlan {
  switch (action.kind) {
    case 'ACKNOWLEDGE':
      return {
        kind: 'operation',
        capability: 'acknowledge',
        // Airbnb and Vrbo push reservations and keep no acknowledgement queue (nor does an iCal
        // feed): there is nothing to acknowledge, and nothing left undone.
        withoutCapability: 'not_needed',
        describe: `acknowledge revision ${action.revision}`,
        call: (channel, t) => channel.acknowledge(t.listingId, t.reservationId, action.revision, t.requestId),
        // Acknowledged already, or superseded by a newer revision waiting in the queue (its own command acknowledges it).
        alreadyDone: (conflict) => conflict.code === 'revision_superseded' || (conflict.reservation?.acknowledgement?.acknowledgedRevision ?? 0) >= action.revision,
      };
    case 'DECLINE_REQUEST':
      return {
        kind: 'operation',
        capability: 'decide_request',
        withoutCapability: 'unsupported',
        describe: 'decline the request to book',
        call: (channel, t) => channel.decideRequest(t.listingId, t.reservationId, { accept: false, reason: action.reason }, t.requestId),
        alreadyDone: (conflict) => REQUEST_CLOSED.includes(conflict.state),
      };
    case 'HOST_CANCEL':
      return {
        kind: 'operation',
        capability: 'host_cancel',
        withoutCapability: 'unsupported',
        describe: 'cancel as host',
        call: (channel, t) => channel.hostCancel(t.listingId, t.reservationId, action.reason, t.requestId),
        alreadyDone: (conflict) => NOT_HELD.includes(conflict.state),
      };
    case 'ACCEPT_ALTERATION':
      return {
        kind: 'operation',
        capability: 'decide_alteration',
        withoutCapability: 'unsupported',
        describe: "accept the guest's alteration request",
        call: (channel, t) => channel.decideAlteration(t.listingId, t.reservationId, { accept: true }, t.requestId),
        // No alteration waiting may mean it was declined, withdrawn or expired: not the goal, so a person looks.
        alreadyDone: () => false,
      };
    case 'DECLINE_ALTERATION':
      return {
        kind: 'operation',
        capability: 'decide_alteration',
        withoutCapability: 'unsupported',
        describe: "decline the guest's alteration request",
        call: (channel, t) => channel.decideAlteration(t.listingId, t.reservationId, { accept: false, reason: action.reason }, t.requestId),
        // Nothing waiting any more (withdrawn or expired): the guest's stay keeps its dates, as the decline wanted.
        alreadyDone: (conflict) => conflict.code === 'no_pending_alteration' || NOT_HELD.includes(conflict.state),
      };
    case 'CHANGE_DATES':
      // Airbnb, Booking.com, Vrbo and Expedia let a host propose or accept date changes only in
      // their extranets: none offers a host-initiated change through its API.
      return { kind: 'unsupported', describe: 'change the dates', why: 'no platform offers a host-initiated date change through its API' };
    default:
      return assertNever(action);
  }
}

/** The kind as sync.results.v2 spells it: a kind missing from the SyncResult enum does not compile. */
export function resultKindOf(action: Action): ReservationActionKind {
  return action.kind;
}

/**
 * What an answer (or the lack of a way to ask) comes to, as counted in
 * cm_reservation_actions_total: `done` the channel did it, `already_done` the channel's state
 * already is the goal, `not_needed` the channel has nothing to do (acknowledging where nothing
 * waits for it); `retry` another call after `delayMs`; `retries_exhausted` the last attempt failed
 * (reported; tried again later), `unsupported` the channel has no such operation, `refused` any
 * other answer another call would get too (both final).
 */
export type Verdict =
  | { readonly kind: 'done'; readonly ack: string | null }
  | { readonly kind: 'already_done'; readonly state: ChannelReservationState }
  | { readonly kind: 'not_needed'; readonly why: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: string }
  | { readonly kind: 'retries_exhausted'; readonly error: string }
  | { readonly kind: 'unsupported'; readonly error: string }
  | { readonly kind: 'refused'; readonly error: string };

export type OutcomeLabel = Exclude<Verdict['kind'], 'retry'>;

/** The verdict, before any call, on a channel that lacks the plan's capability (or has no adapter). */
export function withoutCapability(plan: Extract<ActionPlan, { kind: 'operation' }>, channel: string): Extract<Verdict, { kind: 'unsupported' | 'not_needed' }> {
  const missing = `${channel} offers no ${plan.capability} through its API`;
  return plan.withoutCapability === 'not_needed' ? { kind: 'not_needed', why: missing } : { kind: 'unsupported', error: missing };
}

/** The verdict on the answer to call number `attempt` (1 = the first call). */
export function judge(plan: Extract<ActionPlan, { kind: 'operation' }>, result: OperationResult, attempt: number, policy: RetryPolicy, random: number): Verdict {
  if (result.ok) return { kind: 'done', ack: result.ack };
  switch (result.outcome) {
    case 'conflict':
      if (plan.alreadyDone(result)) return { kind: 'already_done', state: result.state };
      return { kind: 'refused', error: `the reservation is ${result.state}: ${result.error}` };
    case 'unsupported':
      return { kind: 'unsupported', error: result.error };
    case 'client_error':
      // The connection's credentials (401, 403: a rotation mends them) or the channel's patience
      // (408) are not a refusal of the action: reported, and tried again later until it lands.
      if (result.status === 401 || result.status === 403 || result.status === 408) return { kind: 'retries_exhausted', error: result.error };
      return { kind: 'refused', error: result.error };
    case 'rate_limited':
    case 'server_error':
    case 'timeout':
    case 'network_error':
      if (!shouldRetry(result.outcome, attempt, policy)) return { kind: 'retries_exhausted', error: result.error };
      return { kind: 'retry', error: result.error, delayMs: nextDelayMs({ attempt, baseMs: policy.baseMs, maxMs: policy.maxMs, random, retryAfterMs: result.retryAfterMs }) };
    default:
      return assertNever(result);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
