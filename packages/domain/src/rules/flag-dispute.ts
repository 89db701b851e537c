import type { FlagDispute } from '../commands';
import type { RaisedConflict } from '../conflicts';
import type { Decision } from '../decision';
import { channelOf, type PropertyState, type Stay, type StayKey } from '../property-state';
import { applied, ignored, seen } from './outcomes';

/** 5.2 guest dispute: a channel's dispute flag always goes to a human, even for a booking we do not know. */
export function decideFlagDispute(state: PropertyState, command: FlagDispute, key: StayKey, existing: Stay | undefined): Decision {
  const channel = channelOf(command.source);
  const conflicts: RaisedConflict[] = channel
    ? [
        {
          facts: { type: 'GUEST_DISPUTE', channel, key, reason: command.reason },
          resolution: 'FLAGGED_FOR_REVIEW',
          rule: '5.2 guest dispute',
          channel,
          summary: `${key}: ${channel} flags a guest dispute: ${command.reason}`,
        },
      ]
    : [];
  if (!existing) return ignored(state, command, key, 'unknown_booking', conflicts);
  return applied(state, command, { type: 'dispute_flagged', key, reason: command.reason, versions: seen(existing, command) }, { conflicts });
}
