import type { BlockNights, UnblockNights } from '../commands';
import type { Decision } from '../decision';
import type { Block, PropertyState, Stay, StayKey } from '../property-state';
import { staysHolding } from '../property-state';
import { formatStay } from '../stay-dates';
import { applied, ignored, rejected } from './outcomes';

/**
 * 1.2 block overlap (the seed has no sketch). Blocks are the host's, from the PMS. A block never
 * takes nights a stay already holds: a guest's booking is not cancelled by a block, and a block
 * over another block adds nothing. The host is told at once which stays hold the nights, and can
 * cancel a booking explicitly if that is what they meant. The refused block is kept, inactive, so
 * a replay of the same request stays refused even after the nights free up.
 */
export function decideBlockNights(state: PropertyState, command: BlockNights, key: StayKey, existing: Stay | undefined): Decision {
  if (command.source !== 'PMS') return rejected(state, command, key, 'not_booking_source', [], [], null);
  if (existing && (existing.kind === 'booking' || existing.active)) return ignored(state, command, key, 'booking_already_exists');

  const block: Block = {
    kind: 'block',
    key,
    ref: command.ref,
    source: 'PMS',
    dates: command.dates,
    reason: command.reason,
    active: true,
    versions: { ...existing?.versions, PMS: command.sourceVersion },
  };
  const holders = staysHolding(state, command.dates, key);
  if (holders.length > 0) {
    const overlapsBooking = holders.some((h) => h.kind === 'booking');
    return {
      ...applied(state, command, { type: 'block_refused', block: { ...block, active: false }, heldBy: holders.map((h) => h.key) }, {
        conflicts: [
          {
            facts: { type: 'BLOCK_OVERLAP', blockKey: key, heldBy: holders.map((h) => h.key), overlapsBooking },
            resolution: 'REJECTED_INCOMING',
            rule: '1.2 block overlap',
            channel: null,
            summary: `block ${formatStay(command.dates)} refused: held by ${holders.map((h) => h.key).join(', ')}`,
          },
        ],
      }),
      outcome: 'rejected',
      reason: 'nights_unavailable',
    };
  }
  return applied(state, command, { type: 'nights_blocked', block }, {
    pushes: [{ dates: command.dates, available: false, reason: 'BLOCK', exceptChannel: null }],
  });
}

export function decideUnblockNights(state: PropertyState, command: UnblockNights, key: StayKey, existing: Stay | undefined): Decision {
  if (!existing || existing.kind !== 'block') return ignored(state, command, key, 'unknown_booking');
  if (command.source !== 'PMS') return rejected(state, command, key, 'not_booking_source', [], [], null);
  if (!existing.active) return ignored(state, command, key, 'no_change');
  return applied(state, command, { type: 'nights_unblocked', key, versions: { ...existing.versions, PMS: command.sourceVersion } }, {
    pushes: [{ dates: existing.dates, available: true, reason: 'UNBLOCK', exceptChannel: null }],
  });
}
