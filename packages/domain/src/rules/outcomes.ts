import type { Command } from '../commands';
import type { RaisedConflict } from '../conflicts';
import { effectsOf, type AvailabilityPush, type Decision, type IgnoreReason, type LedgerEvent, type RejectReason, type ReservationAction } from '../decision';
import type { Booking, PropertyState, SourceVersions, Stay, StayKey } from '../property-state';

/**
 * The three ways a command ends. A decision that changes the ledger takes the next version; one
 * that changes nothing (ignored, or rejected without anything to record) keeps the current one,
 * so deciding the same command again can never change the ledger.
 */

export function applied(
  state: PropertyState,
  command: Command,
  event: LedgerEvent,
  effects: { pushes?: AvailabilityPush[]; actions?: ReservationAction[]; conflicts?: RaisedConflict[] } = {},
): Decision {
  return {
    outcome: 'applied',
    reason: null,
    version: state.version + 1,
    source: command.source,
    event,
    effects: effectsOf(effects),
  };
}

export function rejected(
  state: PropertyState,
  command: Command,
  key: StayKey,
  reason: RejectReason,
  heldBy: readonly StayKey[],
  conflicts: RaisedConflict[],
  versions: SourceVersions | null,
  priceVersions?: SourceVersions,
): Decision {
  return {
    outcome: 'rejected',
    reason,
    version: versions ? state.version + 1 : state.version,
    source: command.source,
    event: { type: 'command_rejected', key, reason, heldBy, versions, ...(versions && priceVersions ? { priceVersions } : {}) },
    effects: effectsOf({ conflicts }),
  };
}

export function ignored(state: PropertyState, command: Command, key: StayKey, reason: IgnoreReason, conflicts: RaisedConflict[] = []): Decision {
  return {
    outcome: 'ignored',
    reason,
    version: state.version,
    source: command.source,
    event: { type: 'command_ignored', key, reason },
    effects: effectsOf({ conflicts }),
  };
}

/** The stay's versions with this command's source version recorded. */
export function seen(stay: Stay, command: Command): SourceVersions {
  return { ...stay.versions, [command.source]: command.sourceVersion };
}

/** The booking's price versions with this command's source version recorded: its price is decided. */
export function priceSeen(booking: Booking, command: Command): SourceVersions {
  return { ...booking.priceVersions, [command.source]: command.sourceVersion };
}
