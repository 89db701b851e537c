import { createHash } from 'node:crypto';
import { isMoney, nightCount, parseLocalDate, parseMoney, termsRanges, type LocalDate, type NightTerms } from '@cm/domain';
import type { TenantEntry } from '@cm/directory';
import { rateChangeRecord, termsRecord, type PlanUpdate, type RatesStore } from '@cm/rates';
import { Problem } from '@cm/service-runtime';
import type { CommandWriter } from '../command-writer';
import type { HttpAnswer } from './decision-response';
import { propertyOfTenant, requireReadRange, type GuardDeps } from './guards';
import { MAX_RATE_RANGE_NIGHTS, MAX_RATE_REQUEST_NIGHTS, type SetRatesBody } from './pms-schemas';

export interface RatesDeps extends GuardDeps {
  readonly rates: RatesStore;
  readonly writer: CommandWriter;
  readonly now: () => number;
}

/**
 * The PMS sets rates and restrictions: applied per night and field by version, then published on
 * rate.changes for the dispatcher, every night named, whether or not this request changed it: a
 * resent request (after a failed publish) publishes again, under the same event id.
 */
export async function setRates(deps: RatesDeps, tenant: TenantEntry, propertyId: string, body: SetRatesBody, correlationId: string | undefined): Promise<HttpAnswer> {
  const property = await propertyOfTenant(deps, tenant, propertyId);
  const updates = body.updates.map((update, i) => planUpdateOf(update, `updates[${i}]`, property.currency));
  const nights = updates.reduce((sum, u) => sum + nightCount({ checkIn: u.from, checkOut: u.to }), 0);
  if (nights > MAX_RATE_REQUEST_NIGHTS) throw new Problem(400, 'too_many_nights', `a request names at most ${MAX_RATE_REQUEST_NIGHTS} nights over its updates; this one names ${nights}`, [{ path: 'updates', message: 'too many nights' }]);

  const applied = await deps.rates.apply(propertyId, body.version, updates);
  const eventId = `rates:${createHash('sha256').update(`${propertyId}\n${JSON.stringify(body)}`).digest('hex').slice(0, 40)}`;
  await deps.writer.writeRateChange(rateChangeRecord({ eventId, propertyId, version: body.version, ranges: applied.ranges, occurredAt: deps.now(), correlationId: correlationId ?? eventId }));
  return { status: 200, body: { property_id: propertyId, version: body.version, nights_changed: applied.nightsChanged, event_id: eventId } };
}

/** The rates and restrictions the PMS set for [from, to), per plan as ranges of equal terms. */
export async function readRates(deps: RatesDeps, tenant: TenantEntry, propertyId: string, query: { from: string; to: string; rate_plan?: string | undefined }): Promise<HttpAnswer> {
  await propertyOfTenant(deps, tenant, propertyId);
  requireReadRange(query.from, query.to);
  const plans = await deps.rates.nights(propertyId, query.from as LocalDate, query.to as LocalDate, query.rate_plan ? [query.rate_plan] : undefined);
  return {
    status: 200,
    body: {
      property_id: propertyId,
      from: query.from,
      to: query.to,
      rate_plans: [...plans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ratePlan, nights]) => ({ rate_plan: ratePlan, ranges: termsRanges(nights).map((r) => ({ from: r.from, to: r.to, terms: termsRecord(r.terms) })) })),
    },
  };
}

function planUpdateOf(update: SetRatesBody['updates'][number], path: string, propertyCurrency: string): PlanUpdate {
  const from = calendarDate(update.from, `${path}.from`);
  const to = calendarDate(update.to, `${path}.to`);
  if (from < '2000-01-01' || to > '2099-12-31') throw new Problem(400, 'invalid_range', `${path}: outside the years 2000 to 2099`, [{ path, message: 'out of range' }]);
  const length = nightCount({ checkIn: from, checkOut: to });
  if (length < 1 || length > MAX_RATE_RANGE_NIGHTS) throw new Problem(400, 'invalid_range', `${path}: to must be after from, at most ${MAX_RATE_RANGE_NIGHTS} nights`, [{ path: `${path}.to`, message: 'out of range' }]);
  const set: { -readonly [F in keyof NightTerms]?: NightTerms[F] } = {};
  if (update.price !== undefined) {
    const price = parseMoney(update.price.amount_minor, update.price.currency);
    if (!isMoney(price)) throw new Problem(400, price, `${path}.price: ${price.replace(/_/g, ' ')}`, [{ path: `${path}.price`, message: price }]);
    if (price.currency !== propertyCurrency)
      throw new Problem(422, 'currency_not_property_currency', `${path}.price: prices are set in the property's currency, ${propertyCurrency}; each channel's is converted from it`, [{ path: `${path}.price.currency`, message: `not ${propertyCurrency}` }]);
    set.price = price;
  }
  if (update.min_stay_arrival !== undefined) set.minStayArrival = update.min_stay_arrival;
  if (update.min_stay_through !== undefined) set.minStayThrough = update.min_stay_through;
  if (update.max_stay !== undefined) set.maxStay = update.max_stay;
  if (update.closed_to_arrival !== undefined) set.closedToArrival = update.closed_to_arrival;
  if (update.closed_to_departure !== undefined) set.closedToDeparture = update.closed_to_departure;
  if (update.stop_sell !== undefined) set.stopSell = update.stop_sell;
  return { ratePlan: update.rate_plan, from, to, set };
}

function calendarDate(text: string, path: string): LocalDate {
  const date = parseLocalDate(text);
  if (date === 'not_iso_date' || date === 'not_a_calendar_day') throw new Problem(400, 'invalid_date', `${path}: not a calendar date`, [{ path, message: date }]);
  return date;
}
