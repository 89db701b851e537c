import type { BookingStatus, Channel } from '@cm/schemas';
import type { RaisedConflict } from '../conflicts';
import { comparePrices, exceeds, formatMoney, type Money, type RateLookup } from '../money';
import type { StayKey } from '../property-state';

/** Differences up to 1% (100 basis points) are rounding and fees, not a discrepancy. */
export const PRICE_TOLERANCE_BP = 100;

export type PriceVerdict =
  | { readonly kind: 'within_tolerance'; readonly conflicts: RaisedConflict[] }
  | { readonly kind: 'different'; readonly conflicts: RaisedConflict[] }
  | { readonly kind: 'no_rate'; readonly conflicts: RaisedConflict[] };

/**
 * Compares a channel's price with the ledger's reference in the reference currency. A currency
 * difference is its own conflict: with a rate it is logged and the converted amounts compared;
 * without one nothing can be compared and a human must look.
 */
export function checkPrice(input: {
  readonly reference: Money;
  /** What the reference is: the PMS's quote for the nights, or the price the ledger holds. */
  readonly referenceIs: 'pms_quote' | 'ledger_price';
  readonly incoming: Money;
  readonly rates: RateLookup;
  readonly key: StayKey;
  readonly channel: Channel | null;
  readonly bookingStatus: BookingStatus;
  readonly newBooking: boolean;
}): PriceVerdict {
  const { reference, incoming, key, channel, newBooking } = input;
  const comparison = comparePrices(reference, incoming, input.rates);
  const rule = newBooking ? '5.1 price (new booking)' : '5.1 price (existing)';
  const referenceName = input.referenceIs === 'pms_quote' ? 'PMS quote' : 'ledger price';
  if (comparison.kind === 'no_rate') {
    return {
      kind: 'no_rate',
      conflicts: [
        {
          facts: { type: 'CURRENCY_MISMATCH', key, ledgerCurrency: reference.currency, incomingCurrency: incoming.currency, rateGiven: false },
          resolution: newBooking ? 'ACCEPTED_INCOMING' : 'FLAGGED_FOR_REVIEW',
          rule: '1.3 currency mismatch',
          channel,
          summary: `${key}: price in ${incoming.currency}, ${referenceName} in ${reference.currency}, and no ${incoming.currency}->${reference.currency} rate to compare them`,
        },
      ],
    };
  }
  const conflicts: RaisedConflict[] = [];
  if (comparison.kind === 'converted') {
    conflicts.push({
      facts: { type: 'CURRENCY_MISMATCH', key, ledgerCurrency: reference.currency, incomingCurrency: incoming.currency, rateGiven: true },
      resolution: newBooking ? 'ACCEPTED_INCOMING' : 'KEPT_LEDGER',
      rule: '1.3 currency mismatch',
      channel,
      summary: `${key}: ${formatMoney(incoming)} compared as ${formatMoney(comparison.other)} at ${comparison.rate!.numerator}/${comparison.rate!.denominator}`,
    });
  }
  if (!exceeds(comparison, PRICE_TOLERANCE_BP)) return { kind: 'within_tolerance', conflicts };
  conflicts.push({
    facts: { type: 'PRICE_DISCREPANCY', key, differenceBp: comparison.differenceBp, bookingStatus: input.bookingStatus, newBooking },
    resolution: newBooking ? 'ACCEPTED_INCOMING' : 'FLAGGED_FOR_REVIEW',
    rule,
    channel,
    summary: `${key}: ${newBooking ? 'channel' : 'reported'} price ${formatMoney(incoming)} vs ${referenceName} ${formatMoney(reference)} (${formatBp(comparison.differenceBp)})`,
  });
  return { kind: 'different', conflicts };
}

function formatBp(bp: number): string {
  return Number.isFinite(bp) ? `${(bp / 100).toFixed(2)}%` : 'reference is zero';
}
