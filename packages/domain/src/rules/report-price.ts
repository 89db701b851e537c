import type { ReportPrice } from '../commands';
import type { RaisedConflict } from '../conflicts';
import type { Decision } from '../decision';
import type { RateLookup } from '../money';
import { channelOf, type Booking, type PropertyState } from '../property-state';
import { applied, ignored, rejected, seen } from './outcomes';
import { checkPrice } from './price-check';

/**
 * 5.1 price (existing) and 1.3 rate plan conflict. A direct booking's price is the PMS's: the
 * PMS may change it. Any other difference on an existing booking beyond the 1% tolerance is
 * flagged for review and the ledger keeps its price; so is a different rate plan, which changes
 * the terms (cancellation policy, inclusions) the guest booked under.
 */
export function decideReportPrice(state: PropertyState, command: ReportPrice, booking: Booking, rates: RateLookup): Decision {
  const reporterIsOwner = command.source === booking.source;
  if (!reporterIsOwner && command.source !== 'PMS') return rejected(state, command, booking.key, 'not_booking_source', [], [], null);
  const priceChanged = { type: 'booking_price_changed' as const, key: booking.key, price: command.price, ratePlan: command.ratePlan ?? booking.ratePlan, versions: seen(booking, command) };
  if (booking.source === 'PMS' || booking.price === null) return applied(state, command, priceChanged);
  // A person resolving the price review accepted this price from the PMS: the check was theirs.
  if (command.source === 'PMS' && command.actor !== undefined) return applied(state, command, priceChanged);

  const channel = channelOf(booking.source);
  const conflicts: RaisedConflict[] = [];
  const price = checkPrice({ reference: booking.price, incoming: command.price, rates, key: booking.key, channel, bookingStatus: booking.status, newBooking: false });
  conflicts.push(...price.conflicts);
  if (command.ratePlan !== null && booking.ratePlan !== null && command.ratePlan !== booking.ratePlan) {
    conflicts.push({
      facts: { type: 'RATE_PLAN', key: booking.key, ledgerPlan: booking.ratePlan, incomingPlan: command.ratePlan },
      resolution: 'FLAGGED_FOR_REVIEW',
      rule: '1.3 rate plan conflict',
      channel,
      summary: `${booking.key}: ${command.source} reports rate plan ${command.ratePlan}, the ledger has ${booking.ratePlan}`,
    });
  }
  const flagged = conflicts.some((c) => c.resolution === 'FLAGGED_FOR_REVIEW');
  if (flagged) return rejected(state, command, booking.key, 'price_flagged_for_review', [], conflicts, seen(booking, command));
  return ignored(state, command, booking.key, 'no_change', conflicts);
}
