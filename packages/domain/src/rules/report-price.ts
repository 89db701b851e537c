import type { ReportPrice } from '../commands';
import type { RaisedConflict } from '../conflicts';
import type { Decision } from '../decision';
import type { Money, RateLookup } from '../money';
import { channelOf, type Booking, type PropertyState } from '../property-state';
import { applied, ignored, priceSeen, rejected, seen } from './outcomes';
import { checkPrice } from './price-check';

/**
 * 5.1 price (existing) and 1.3 rate plan conflict. A direct booking's price is the PMS's: the
 * PMS may change it. Any other price is compared with the PMS's quote for the booking's nights
 * when the report carries one (a channel's modification: its new dates), else with the ledger's
 * price. Beyond the 1% tolerance it is flagged for review and the ledger keeps its price; within
 * it, a price that differs from the ledger's is taken when the quote vouches for it (the stay was
 * repriced with its new dates), and is no change otherwise. A different rate plan is flagged too:
 * it changes the terms (cancellation policy, inclusions) the guest booked under.
 */
export function decideReportPrice(state: PropertyState, command: ReportPrice, booking: Booking, rates: RateLookup): Decision {
  const reporterIsOwner = command.source === booking.source;
  if (!reporterIsOwner && command.source !== 'PMS') return rejected(state, command, booking.key, 'not_booking_source', [], [], null);
  const versions = seen(booking, command);
  const priceVersions = priceSeen(booking, command);
  const priceChanged = { type: 'booking_price_changed' as const, key: booking.key, price: command.price, ratePlan: command.ratePlan ?? booking.ratePlan, versions, priceVersions };
  if (booking.source === 'PMS') return applied(state, command, priceChanged);
  // A person resolving the price review accepted this price from the PMS: the check was theirs.
  if (command.source === 'PMS' && command.actor !== undefined) return applied(state, command, priceChanged);
  const reference = command.pmsQuote ?? booking.price;
  // Nothing to compare with: the booking takes the first price reported.
  if (reference === null) return applied(state, command, priceChanged);

  const channel = channelOf(booking.source);
  const conflicts: RaisedConflict[] = [];
  const referenceIs = command.pmsQuote ? 'pms_quote' : 'ledger_price';
  const price = checkPrice({ reference, referenceIs, incoming: command.price, rates, key: booking.key, channel, bookingStatus: booking.status, newBooking: false });
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
  if (flagged) return rejected(state, command, booking.key, 'price_flagged_for_review', [], conflicts, versions, priceVersions);
  if (referenceIs === 'pms_quote' && !samePrice(booking.price, command.price)) {
    // Taken: a currency compared at a rate is then logged as accepted, not as kept out.
    return applied(state, command, priceChanged, { conflicts: conflicts.map((c) => (c.resolution === 'KEPT_LEDGER' ? { ...c, resolution: 'ACCEPTED_INCOMING' } : c)) });
  }
  return ignored(state, command, booking.key, 'no_change', conflicts);
}

function samePrice(a: Money | null, b: Money): boolean {
  return a !== null && a.amountMinor === b.amountMinor && a.currency === b.currency;
}
