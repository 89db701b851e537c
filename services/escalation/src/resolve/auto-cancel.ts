import { ARI_RESERVATION_CAPABILITIES } from '@cm/channel-adapters';
import { isIcalStayRef } from '@cm/domain';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import type { TenantSettings } from '../store/settings-store';
import type { ResolveRequest } from './actions';

/** Who cancels an instant-book loser without review, in the task's history and the ledger's audit log. */
export const AUTO_CANCEL_ACTOR = 'system:auto-cancel';

/** What becomes of a newly opened review task when its tenant cancels instant-book losers without review. */
export type AutoCancel =
  | { readonly kind: 'cancel'; readonly request: Extract<ResolveRequest, { action: 'cancel_stay' }>; readonly channel: Channel }
  | { readonly kind: 'leave_open'; readonly reason: 'channel_cannot_host_cancel'; readonly channel: Channel; readonly note: string }
  | { readonly kind: 'not_applicable'; readonly reason: 'setting_off' | 'not_an_overbooking' | 'loser_not_a_channel_booking' };

/**
 * The per-tenant setting `auto_cancel_instant_book_losers` applied to a task: an OVERBOOKING
 * (a confirmed channel booking lost the nights) is resolved at once by the system with the
 * operator's `cancel_stay` of the losing booking, so the arbiter cancels it on its channel as the
 * host. A channel whose API offers no host cancellation (Booking.com, Expedia: the capability
 * table of packages/channel-adapters) leaves the task to a person, and says so.
 */
export function autoCancelOf(settings: TenantSettings, task: { readonly conflictType: string; readonly details: Readonly<Record<string, string>> }): AutoCancel {
  if (task.conflictType !== 'OVERBOOKING') return { kind: 'not_applicable', reason: 'not_an_overbooking' };
  if (!settings.auto_cancel_instant_book_losers) return { kind: 'not_applicable', reason: 'setting_off' };
  const losingKey = task.details.losingKey ?? '';
  const colon = losingKey.indexOf(':');
  const source = losingKey.slice(0, colon);
  if (colon < 1 || !(ChannelSymbols as readonly string[]).includes(source)) return { kind: 'not_applicable', reason: 'loser_not_a_channel_booking' };
  const channel = source as Channel;
  const ref = losingKey.slice(colon + 1);
  if (isIcalStayRef(ref)) {
    return {
      kind: 'leave_open',
      reason: 'channel_cannot_host_cancel',
      channel,
      note: `not cancelled automatically: ${losingKey} came from ${channel}'s iCal feed, which carries no reservation operation, so a person must cancel or relocate it on ${channel}`,
    };
  }
  if (!ARI_RESERVATION_CAPABILITIES[channel].includes('host_cancel')) {
    return {
      kind: 'leave_open',
      reason: 'channel_cannot_host_cancel',
      channel,
      note: `not cancelled automatically: ${channel} offers no host cancellation through its API, so a person must cancel or relocate ${losingKey}`,
    };
  }
  return {
    kind: 'cancel',
    channel,
    request: { action: 'cancel_stay', operator: AUTO_CANCEL_ACTOR, booking_ref: ref, booking_source: channel, note: 'the tenant cancels instant-book losers without review (auto_cancel_instant_book_losers)' },
  };
}
