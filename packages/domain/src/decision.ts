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
  | 'no_change';

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
  | { readonly type: 'booking_price_changed'; readonly key: StayKey; readonly price: Money; readonly ratePlan: string | null; readonly versions: SourceVersions }
  | { readonly type: 'guest_updated'; readonly key: StayKey; readonly guest: GuestRecord; readonly versions: SourceVersions }
  | { readonly type: 'nights_blocked'; readonly block: Block }
  /** A block refused because stays hold its nights; kept inactive so a replay stays refused. */
  | { readonly type: 'block_refused'; readonly block: Block; readonly heldBy: readonly StayKey[] }
  | { readonly type: 'nights_unblocked'; readonly key: StayKey; readonly versions: SourceVersions }
  | { readonly type: 'dispute_flagged'; readonly key: StayKey; readonly reason: string; readonly versions: SourceVersions }
  /** The command was refused; the booking's versions record that its source's change was seen. */
  | { readonly type: 'command_rejected'; readonly key: StayKey; readonly reason: RejectReason; readonly heldBy: readonly StayKey[]; readonly versions: SourceVersions | null }
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

/** A change the booking's own channel must be told about (a PMS edit of a channel booking). */
export interface ChannelNotice {
  readonly channel: Channel;
  readonly key: StayKey;
  readonly change: 'status' | 'dates' | 'price';
}

export interface Decision {
  readonly outcome: 'applied' | 'rejected' | 'ignored';
  readonly reason: IgnoreReason | RejectReason | null;
  /** The ledger version after this decision; ignored commands leave it as it was. */
  readonly version: number;
  readonly source: Source;
  readonly event: LedgerEvent;
  readonly pushes: readonly AvailabilityPush[];
  readonly notices: readonly ChannelNotice[];
  readonly conflicts: readonly RaisedConflict[];
}
