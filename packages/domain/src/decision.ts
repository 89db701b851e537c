import type { AvailabilityReason, BookingStatus, Channel, Source } from '@cm/schemas';
import type { RaisedConflict } from './conflicts';
import type { GuestRecord } from './guest';
import type { Money } from './money';
import type { Block, Booking, SourceVersions, StayKey } from './property-state';
import type { StayDates } from './stay-dates';

/** Why a command changed nothing. */
export type IgnoreReason =
  | 'duplicate_command'
  | 'stale_version'
  | 'unknown_booking'
  | 'booking_already_exists'
  | 'cancellation_is_final'
  | 'booking_was_rejected'
  | 'no_change'
  /** Keeping a guest: the stay named to cancel no longer holds any of their nights. */
  | 'stays_do_not_overlap'
  /**
   * A guest's alteration request onto free nights: accepted on the channel, and the stay moves
   * when the channel applies it (its modification), not before: until then the guest holds the old
   * nights there, so the ledger keeps holding them.
   */
  | 'alteration_to_accept';

/** Why a command was refused. */
export type RejectReason =
  | 'nights_unavailable'
  | 'not_booking_source'
  | 'status_set_by_booking_source'
  | 'guest_data_kept'
  | 'price_flagged_for_review';

/** What a decision records in the ledger; `evolve` applies it. One event per command. */
export type LedgerEvent =
  | { readonly type: 'booking_accepted'; readonly booking: Booking }
  | { readonly type: 'booking_rejected'; readonly booking: Booking; readonly heldBy: StayKey }
  | { readonly type: 'booking_dates_changed'; readonly key: StayKey; readonly dates: StayDates; readonly previous: StayDates; readonly versions: SourceVersions }
  | { readonly type: 'booking_status_changed'; readonly key: StayKey; readonly status: BookingStatus; readonly previous: BookingStatus; readonly versions: SourceVersions }
  /** An operator kept the guest of a rejected channel booking: it holds its nights again, and the stay that held them is cancelled. */
  | { readonly type: 'booking_reinstated'; readonly key: StayKey; readonly cancelled: StayKey; readonly versions: SourceVersions }
  | { readonly type: 'booking_price_changed'; readonly key: StayKey; readonly price: Money; readonly ratePlan: string | null; readonly versions: SourceVersions; readonly priceVersions: SourceVersions }
  | { readonly type: 'guest_updated'; readonly key: StayKey; readonly guest: GuestRecord; readonly versions: SourceVersions }
  | { readonly type: 'nights_blocked'; readonly block: Block }
  /** A block refused because stays hold its nights; kept inactive so a replay stays refused. */
  | { readonly type: 'block_refused'; readonly block: Block; readonly heldBy: readonly StayKey[] }
  | { readonly type: 'nights_unblocked'; readonly key: StayKey; readonly versions: SourceVersions }
  | { readonly type: 'dispute_flagged'; readonly key: StayKey; readonly reason: string; readonly versions: SourceVersions }
  /** The command was refused; the booking's versions record that its source's change was seen (and a refused price report, that its price was decided). */
  | { readonly type: 'command_rejected'; readonly key: StayKey; readonly reason: RejectReason; readonly heldBy: readonly StayKey[]; readonly versions: SourceVersions | null; readonly priceVersions?: SourceVersions }
  | { readonly type: 'command_ignored'; readonly key: StayKey; readonly reason: IgnoreReason };

export type LedgerEventType = LedgerEvent['type'];

/** Nights to open or close on channels, off the decision path (the sync-dispatcher pushes them). */
export interface AvailabilityPush {
  readonly dates: StayDates;
  readonly available: boolean;
  readonly reason: AvailabilityReason;
  /** The channel the change came from: it already shows it. */
  readonly exceptChannel: Channel | null;
}

/**
 * What must be done to a reservation on its own channel, as the ledger decided: the channel's
 * guest holds its word there, so the ledger's decision is only carried out once it is there too.
 */
export type ReservationAction = ReservationActionBase &
  (
    | { readonly kind: 'acknowledge'; readonly revision: number }
    | { readonly kind: 'decline_request'; readonly reason: string }
    | { readonly kind: 'host_cancel'; readonly reason: string }
    | { readonly kind: 'change_dates'; readonly dates: StayDates }
    /** The guest's alteration request waiting on the channel: the ledger moved the stay (accept) or refused the dates (decline). */
    | { readonly kind: 'accept_alteration' }
    | { readonly kind: 'decline_alteration'; readonly reason: string }
  );

interface ReservationActionBase {
  readonly channel: Channel;
  readonly key: StayKey;
  /** The channel's reservation id. */
  readonly ref: string;
}

/**
 * Everything a decision asks the world to do, as one list: whoever carries it out switches over
 * `kind` exhaustively, so a new kind of effect does not compile until something carries it.
 */
export type Effect =
  | { readonly kind: 'push_availability'; readonly push: AvailabilityPush }
  | { readonly kind: 'act_on_reservation'; readonly action: ReservationAction }
  | { readonly kind: 'raise_conflict'; readonly conflict: RaisedConflict };

export interface Decision {
  readonly outcome: 'applied' | 'rejected' | 'ignored';
  readonly reason: IgnoreReason | RejectReason | null;
  /** The ledger version after this decision; ignored commands leave it as it was. */
  readonly version: number;
  readonly source: Source;
  readonly event: LedgerEvent;
  readonly effects: readonly Effect[];
}

/** The effects of one kind, in their order. */
export function pushesOf(decision: Decision): AvailabilityPush[] {
  return decision.effects.flatMap((e) => (e.kind === 'push_availability' ? [e.push] : []));
}

export function actionsOf(decision: Decision): ReservationAction[] {
  return decision.effects.flatMap((e) => (e.kind === 'act_on_reservation' ? [e.action] : []));
}

export function conflictsOf(decision: Decision): RaisedConflict[] {
  return decision.effects.flatMap((e) => (e.kind === 'raise_conflict' ? [e.conflict] : []));
}

/** Pushes first, then reservation actions, then conflicts: the order records are published in. */
export function effectsOf(parts: { pushes?: readonly AvailabilityPush[]; actions?: readonly ReservationAction[]; conflicts?: readonly RaisedConflict[] }): Effect[] {
  return [
    ...(parts.pushes ?? []).map((push) => ({ kind: 'push_availability' as const, push })),
    ...(parts.actions ?? []).map((action) => ({ kind: 'act_on_reservation' as const, action })),
    ...(parts.conflicts ?? []).map((conflict) => ({ kind: 'raise_conflict' as const, conflict })),
  ];
}
