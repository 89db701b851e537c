import type { UpdateGuest } from '../commands';
import type { RaisedConflict } from '../conflicts';
import type { Decision } from '../decision';
import { mergeGuest, type GuestField } from '../guest';
import { channelOf, type Booking, type PropertyState } from '../property-state';
import { applied, ignored, rejected, seen } from './outcomes';

/**
 * 5.1 guest rows and seed 3.3: the PMS keeps email, name and address; a channel keeps language
 * and preferences; the newest non-null phone wins by the values'
 * own update times; a null never erases a value. A differing value the rule did not take is a
 * guest-data conflict, logged with the fields it kept.
 */
export function decideUpdateGuest(state: PropertyState, command: UpdateGuest, booking: Booking): Decision {
  if (command.source !== 'PMS' && command.source !== booking.source) {
    return rejected(state, command, booking.key, 'not_booking_source', [], [], null);
  }
  const merge = mergeGuest(booking.guest, command.guest, command.source);
  const channel = channelOf(command.source);
  const resolution = merge.changed.length > 0 ? 'MERGED' : 'KEPT_LEDGER';
  const kept = (fields: GuestField[], rule: RaisedConflict['rule'], summary: string): RaisedConflict[] =>
    fields.length > 0 ? [{ facts: { type: 'GUEST_DATA', key: booking.key, keptFields: fields }, resolution, rule, channel, summary: `${booking.key}: ${summary}` }] : [];
  // Name, email and address: the PMS's value was kept. Language and preferences: a channel's was.
  const keptIdentity = merge.kept.filter((f) => f === 'name' || f === 'email' || f === 'address');
  const keptChannelFirst = merge.kept.filter((f) => f === 'language' || f === 'preferences');
  const conflicts = [
    ...kept(keptIdentity, '5.1 guest email/name', `kept the PMS's ${keptIdentity.join(' and ')} over ${command.source}'s`),
    ...kept(keptChannelFirst, '3.3 guest language/preferences', `kept the channel's ${keptChannelFirst.join(' and ')} over ${command.source}'s`),
    ...kept(merge.kept.filter((f) => f === 'phone'), '5.1 guest phone', `kept the newer phone over ${command.source}'s older one`),
  ];
  if (merge.changed.length > 0) {
    return applied(state, command, { type: 'guest_updated', key: booking.key, guest: merge.guest, versions: seen(booking, command) }, { conflicts });
  }
  if (conflicts.length > 0) return rejected(state, command, booking.key, 'guest_data_kept', [], conflicts, seen(booking, command));
  return ignored(state, command, booking.key, 'no_change');
}
