import type { Channel } from '@cm/schemas';
import { isIcalStayRef, type CreateBooking } from '../commands';
import type { RaisedConflict } from '../conflicts';
import type { Decision } from '../decision';
import { mergeGuest, NO_GUEST } from '../guest';
import { formatMoney, type RateLookup } from '../money';
import { channelOf, staysHolding, type Booking, type PropertyState, type StayKey } from '../property-state';
import { formatStay } from '../stay-dates';
import { applied, ignored } from './outcomes';
import { checkPrice } from './price-check';

/**
 * 5.1 double booking. The arbiter decides one property's commands one at a time in partition
 * order, so "first" is the order commands reach the ledger: a booking whose nights are free is
 * accepted; one that needs a night another active stay holds is rejected, and named after the
 * first holder (by first night, then key). A rejected channel booking is an overbooking: its
 * guest already holds the channel's confirmation.
 */
export function decideCreateBooking(state: PropertyState, command: CreateBooking, key: StayKey, rates: RateLookup): Decision {
  if (state.stays.has(key)) return ignored(state, command, key, 'booking_already_exists');
  const channel = channelOf(command.source);
  const booking: Booking = {
    kind: 'booking',
    key,
    ref: command.ref,
    source: command.source,
    status: command.status,
    dates: command.dates,
    versions: { [command.source]: command.sourceVersion },
    priceVersions: { [command.source]: command.sourceVersion },
    confirmedAt: command.occurredAt,
    price: command.price,
    ratePlan: command.ratePlan,
    guestCount: command.guestCount,
    guest: command.guest ? mergeGuest(NO_GUEST, command.guest, command.source).guest : NO_GUEST,
  };

  const holders = staysHolding(state, command.dates);
  const winner = holders[0];
  if (winner) {
    // A request to book nobody confirmed yet is declined on its channel: no guest is let down.
    const request = command.status === 'PENDING' ? channel : null;
    const conflict: RaisedConflict = request
      ? {
          facts: { type: 'DOUBLE_BOOKING', losingKey: key, winningKey: winner.key },
          resolution: 'REJECTED_INCOMING',
          rule: '5.1 double booking, request to book',
          channel: request,
          summary: `${request} request ${key} (${formatStay(command.dates)}) declined: ${winner.key} holds ${formatStay(winner.dates)}`,
        }
      : channel
      ? {
          facts: { type: 'OVERBOOKING', channel, losingKey: key, winningKey: winner.key, losingDates: command.dates },
          resolution: 'REJECTED_INCOMING',
          rule: '5.1 double booking',
          channel,
          summary: `${key} (${formatStay(command.dates)}) lost to ${winner.key} (${formatStay(winner.dates)}); the guest holds a ${channel} confirmation${isIcalStayRef(command.ref) ? `; it came from ${channel}'s iCal feed, which carries no reservation operation: a person must cancel it, or keep the guest, on ${channel}` : ''}`,
        }
      : {
          facts: { type: 'DOUBLE_BOOKING', losingKey: key, winningKey: winner.key },
          resolution: 'REJECTED_INCOMING',
          rule: '5.1 double booking',
          channel: null,
          summary: `direct booking ${key} (${formatStay(command.dates)}) refused: ${winner.key} holds ${formatStay(winner.dates)}`,
        };
    return {
      ...applied(state, command, { type: 'booking_rejected', booking: { ...booking, status: 'REJECTED' }, heldBy: winner.key }, {
        actions: request ? [{ kind: 'decline_request', channel: request, key, ref: command.ref, reason: `the nights are no longer available (held by ${winner.key})` }] : [],
        conflicts: [conflict],
      }),
      outcome: 'rejected',
      reason: 'nights_unavailable',
    };
  }

  // 5.1 price (new booking): the guest already paid the channel's price; accept it and log a difference.
  const conflicts =
    channel && command.price && command.pmsQuote
      ? checkPrice({ reference: command.pmsQuote, referenceIs: 'pms_quote', incoming: command.price, rates, key, channel, bookingStatus: command.status, newBooking: true }).conflicts
      : currencyMismatch(command, key, channel, rates);
  return applied(state, command, { type: 'booking_accepted', booking }, {
    pushes: [{ dates: command.dates, available: false, reason: 'BOOKING', exceptChannel: channel }],
    conflicts,
  });
}

/**
 * 1.3 currency mismatch with nothing to compare: a total in another currency than the property's
 * is still taken (the guest paid it), and the decision says so; whether a rate exists decides
 * whether a human must look.
 */
function currencyMismatch(command: CreateBooking, key: StayKey, channel: Channel | null, rates: RateLookup): RaisedConflict[] {
  const { price, propertyCurrency } = command;
  if (!price || !propertyCurrency || price.currency === propertyCurrency) return [];
  const rateGiven = rates(price.currency, propertyCurrency) !== undefined;
  return [
    {
      facts: { type: 'CURRENCY_MISMATCH', key, ledgerCurrency: propertyCurrency, incomingCurrency: price.currency, rateGiven },
      resolution: 'ACCEPTED_INCOMING',
      rule: '1.3 currency mismatch',
      channel,
      summary: `${key}: total ${formatMoney(price)} on a property priced in ${propertyCurrency}${rateGiven ? '' : `, and no ${price.currency}->${propertyCurrency} rate`}`,
    },
  ];
}
