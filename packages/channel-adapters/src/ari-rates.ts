import { parseMoney, type Money, type NightTerms } from '@cm/domain';
import type { ChannelNightTerms, ChannelRatePlan, RateRange } from './types';

/**
 * Rates and restrictions on the wire of an ARI API in the simulator's (Channex-like) style:
 * `POST …/rates` updates name the plan and carry every term in snake case, prices as
 * `{ amount_minor, currency }`; `GET …/rates` answers every plan's nights the same way.
 */

interface WireMoney {
  readonly amount_minor: number;
  readonly currency: string;
}

/** One update of a rates push: every term of the range, so the channel ends up holding exactly it. */
export function rateUpdateBody(range: RateRange): Record<string, unknown> {
  return {
    from: range.from,
    to: range.to,
    rate_plan_id: range.ratePlanId,
    price: range.price && { amount_minor: range.price.amountMinor, currency: range.price.currency },
    min_stay_arrival: range.minStayArrival,
    min_stay_through: range.minStayThrough,
    max_stay: range.maxStay,
    closed_to_arrival: range.closedToArrival,
    closed_to_departure: range.closedToDeparture,
    stop_sell: range.stopSell,
  };
}

/** The plans of a rates read, or null if the answer is not one (a channel's bug: the caller reports it). */
export function parseRatePlans(body: unknown): ChannelRatePlan[] | null {
  const plans = (body as { rate_plans?: unknown } | null)?.rate_plans;
  if (!Array.isArray(plans)) return null;
  const parsed: ChannelRatePlan[] = [];
  for (const plan of plans as { rate_plan_id?: unknown; nights?: unknown }[]) {
    if (typeof plan?.rate_plan_id !== 'string' || !Array.isArray(plan.nights)) return null;
    const nights: ChannelNightTerms[] = [];
    for (const night of plan.nights as unknown[]) {
      const terms = parseNight(night);
      if (!terms) return null;
      nights.push(terms);
    }
    parsed.push({ ratePlanId: plan.rate_plan_id, nights });
  }
  return parsed;
}

interface WireNight {
  date?: unknown;
  price?: WireMoney | null;
  min_stay_arrival?: unknown;
  min_stay_through?: unknown;
  max_stay?: unknown;
  closed_to_arrival?: unknown;
  closed_to_departure?: unknown;
  stop_sell?: unknown;
}

function parseNight(value: unknown): ChannelNightTerms | null {
  if (typeof value !== 'object' || value === null) return null;
  const night = value as WireNight;
  const price = night.price === null ? null : parsePrice(night.price);
  if (typeof night.date !== 'string' || price === undefined) return null;
  const stays = [night.min_stay_arrival, night.min_stay_through, night.max_stay];
  const flags = [night.closed_to_arrival, night.closed_to_departure, night.stop_sell];
  if (!stays.every((n) => n === null || (typeof n === 'number' && Number.isInteger(n))) || !flags.every((f) => typeof f === 'boolean')) return null;
  const terms: NightTerms = {
    price,
    minStayArrival: night.min_stay_arrival as number | null,
    minStayThrough: night.min_stay_through as number | null,
    maxStay: night.max_stay as number | null,
    closedToArrival: night.closed_to_arrival as boolean,
    closedToDeparture: night.closed_to_departure as boolean,
    stopSell: night.stop_sell as boolean,
  };
  return { date: night.date, ...terms };
}

/** A price the domain accepts, or undefined. */
function parsePrice(value: unknown): Money | undefined {
  const wire = value as Partial<WireMoney> | undefined;
  if (typeof wire?.amount_minor !== 'number' || typeof wire.currency !== 'string') return undefined;
  const money = parseMoney(wire.amount_minor, wire.currency);
  return typeof money === 'string' ? undefined : money;
}
