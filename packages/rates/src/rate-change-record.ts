import { fromEpochDay, toEpochDay, type LocalDate, type NightTerms } from '@cm/domain';
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


/** The nights a rate.changes record names, per rate plan, as the fewest spans (its ranges' terms aside): what a consumer marks to push. */
export function spansOfRecord(record: RateChange): { ratePlan: string; from: LocalDate; to: LocalDate }[] {
  const byPlan = new Map<string, [number, number][]>();
  for (const r of record.ranges) {
    const spans = byPlan.get(r.rate_plan) ?? [];
    spans.push([r.from_date, r.to_date]);
    byPlan.set(r.rate_plan, spans);
  }
  const out: { ratePlan: string; from: LocalDate; to: LocalDate }[] = [];
  for (const [ratePlan, spans] of byPlan) {
    spans.sort((a, b) => a[0] - b[0]);
    let [from, to] = spans[0]!;
    for (const [start, end] of spans.slice(1)) {
      if (start <= to) to = Math.max(to, end);
      else {
        out.push({ ratePlan, from: fromEpochDay(from), to: fromEpochDay(to) });
        [from, to] = [start, end];
      }
    }
    out.push({ ratePlan, from: fromEpochDay(from), to: fromEpochDay(to) });
  }
  return out;
}
