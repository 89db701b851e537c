import { fromEpochDay, toEpochDay, type CurrencyCode, type NightTerms } from '@cm/domain';
import type { Channel, NightTerms as NightTermsRecord, RateChange } from '@cm/schemas';
import type { PlanRange } from './store';

/** A night's terms as rate.changes carries them. */
export function termsRecord(terms: NightTerms): NightTermsRecord {
  return {
    price: terms.price ? { amount_minor: terms.price.amountMinor, currency: terms.price.currency } : null,
    min_stay_arrival: terms.minStayArrival,
    min_stay_through: terms.minStayThrough,
    max_stay: terms.maxStay,
    closed_to_arrival: terms.closedToArrival,
    closed_to_departure: terms.closedToDeparture,
    stop_sell: terms.stopSell,
  };
}

/** A night's terms from rate.changes. */
export function termsOfRecord(record: NightTermsRecord): NightTerms {
  return {
    price: record.price ? { amountMinor: record.price.amount_minor, currency: record.price.currency as CurrencyCode } : null,
    minStayArrival: record.min_stay_arrival,
    minStayThrough: record.min_stay_through,
    maxStay: record.max_stay,
    closedToArrival: record.closed_to_arrival,
    closedToDeparture: record.closed_to_departure,
    stopSell: record.stop_sell,
  };
}

/** The rate.changes record of one applied request. */
export function rateChangeRecord(change: { eventId: string; propertyId: string; version: number; ranges: readonly PlanRange[]; occurredAt: number; correlationId: string; onlyChannel?: Channel }): RateChange {
  return {
    event_id: change.eventId,
    property_id: change.propertyId,
    version: change.version,
    source: 'PMS',
    ranges: change.ranges.map((r) => ({ rate_plan: r.ratePlan, from_date: toEpochDay(r.from), to_date: toEpochDay(r.to), terms: termsRecord(r.terms) })),
    only_channel: change.onlyChannel ?? null,
    occurred_at: change.occurredAt,
    correlation_id: change.correlationId,
  };
}

/** The ranges a rate.changes record carries. */
export function rangesOfRecord(record: RateChange): PlanRange[] {
  return record.ranges.map((r) => ({ ratePlan: r.rate_plan, from: fromEpochDay(r.from_date), to: fromEpochDay(r.to_date), terms: termsOfRecord(r.terms) }));
}
