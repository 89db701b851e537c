import fc from 'fast-check';
import { MAX_AMOUNT_MINOR, noRates, type ConversionRate, type CurrencyCode, type Money, type RateLookup } from '../src/money';
import { pmsRatePlanOf, quoteStay, type ListingQuoteTerms } from '../src/quote';
import { OPEN_NIGHT, stayTotal, type NightTerms } from '../src/rates';
import { addDays, type LocalDate, type StayDates } from '../src/stay-dates';

/** Issue 20.4: the PMS quote of a channel stay, from the stored rates and the listing's pricing. */

const c = (s: string) => s as CurrencyCode;
const d = (s: string) => s as LocalDate;
const eur = (amountMinor: number): Money => ({ amountMinor, currency: c('EUR') });
const usd = (amountMinor: number): Money => ({ amountMinor, currency: c('USD') });
const stay = (checkIn: string, checkOut: string): StayDates => ({ checkIn: d(checkIn), checkOut: d(checkOut) });
/** Nights priced as given (by date); any other night has no price. */
const priced = (prices: Record<string, Money>) => (night: LocalDate): NightTerms => ({ ...OPEN_NIGHT, price: prices[night] ?? null });
const every = (price: Money) => (): NightTerms => ({ ...OPEN_NIGHT, price });
const listing = (o: Partial<ListingQuoteTerms> = {}): ListingQuoteTerms => ({ currency: c('EUR'), markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {}, ...o });
const eurToUsd: ConversionRate = { from: c('EUR'), to: c('USD'), numerator: 11, denominator: 10 };
const rates: RateLookup = (from, to) => (from === 'EUR' && to === 'USD' ? eurToUsd : undefined);

describe("which PMS rate plan a channel booking is quoted from: its plan mapped back through the listing's", () => {
  it.each<[string, string | null, Record<string, string>, string[], ReturnType<typeof pmsRatePlanOf>]>([
    ['a named plan, the listing mapping none: the same id', 'standard', {}, ['standard', 'nonref'], 'standard'],
    ['a named plan mapped from one PMS plan: that plan', 'RP-77', { standard: 'RP-77', nonref: 'RP-78' }, ['standard', 'nonref'], 'standard'],
    ['a named plan the listing maps from no PMS plan', 'RP-99', { standard: 'RP-77' }, ['standard'], { kind: 'no_quote', reason: 'rate_plan_not_mapped', channelRatePlan: 'RP-99' }],
    ['a named plan the listing maps from two PMS plans', 'RP-77', { standard: 'RP-77', flex: 'RP-77' }, ['standard', 'flex'], { kind: 'no_quote', reason: 'rate_plan_not_mapped', channelRatePlan: 'RP-77' }],
    ['a PMS id the listing renamed is not its id on the channel', 'standard', { standard: 'RP-77' }, ['standard'], { kind: 'no_quote', reason: 'rate_plan_not_mapped', channelRatePlan: 'standard' }],
    ['no plan named, the listing mapping none, the PMS selling one: that one', null, {}, ['standard'], 'standard'],
    ['no plan named, the listing mapping none, the PMS selling two', null, {}, ['standard', 'nonref'], { kind: 'no_quote', reason: 'rate_plan_not_named' }],
    ['no plan named, the PMS selling none', null, {}, [], { kind: 'no_quote', reason: 'rate_plan_not_named' }],
    ['no plan named, the listing selling one of the PMS plans: that one', null, { nonref: 'RP-78' }, ['standard', 'nonref'], 'nonref'],
    ['no plan named, the listing selling two', null, { standard: 'RP-77', nonref: 'RP-78' }, ['standard', 'nonref'], { kind: 'no_quote', reason: 'rate_plan_not_named' }],
    ['a named plan the PMS has no rates for', 'weekly', {}, ['standard'], { kind: 'no_quote', reason: 'rate_plan_without_rates', ratePlan: 'weekly' }],
    ['a mapped plan the PMS has no rates for', 'RP-79', { weekly: 'RP-79' }, ['standard'], { kind: 'no_quote', reason: 'rate_plan_without_rates', ratePlan: 'weekly' }],
    ['the only plan the listing sells, without rates', null, { weekly: 'RP-79' }, ['standard'], { kind: 'no_quote', reason: 'rate_plan_without_rates', ratePlan: 'weekly' }],
  ])('%s', (_, channelPlan, ratePlans, pmsPlans, expected) => {
    expect(pmsRatePlanOf(channelPlan, { ratePlans }, pmsPlans)).toEqual(expected);
  });
});

describe("the quote of a stay: each night's PMS price converted and marked up for the listing, summed", () => {
  it('in the PMS currency without a markup: the sum of the nights', () => {
    const terms = priced({ '2027-03-10': eur(12_000), '2027-03-11': eur(12_000), '2027-03-12': eur(18_000) });
    expect(quoteStay(stay('2027-03-10', '2027-03-13'), 'standard', terms, listing(), noRates)).toEqual({ kind: 'quoted', ratePlan: 'standard', total: eur(42_000), pricedIn: 'listing_currency' });
  });

  it('a percentage markup is applied to each night and rounded there, as the channel is sent the nights', () => {
    // 10,003 * 1.15 = 11,503.45 a night: 11,503 three times is 34,509 (the total marked up would be 34,510).
    const quote = quoteStay(stay('2027-03-10', '2027-03-13'), 'standard', every(eur(10_003)), listing({ markup: { kind: 'percent', basisPoints: 1_500 } }), noRates);
    expect(quote).toMatchObject({ kind: 'quoted', total: eur(34_509) });
  });

  it('a fixed markup is added to each night; a negative one never takes a night below zero', () => {
    expect(quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ markup: { kind: 'fixed', amountMinor: 500 } }), noRates)).toMatchObject({ total: eur(21_000) });
    expect(quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ markup: { kind: 'fixed', amountMinor: -20_000 } }), noRates)).toMatchObject({ total: eur(0) });
  });

  it("in the listing's currency with a rate: each night converted, then marked up", () => {
    // 10,000 EUR cents at 1.1 = 11,000 USD cents, +10% = 12,100 a night.
    const quote = quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ currency: c('USD'), markup: { kind: 'percent', basisPoints: 1_000 } }), rates);
    expect(quote).toEqual({ kind: 'quoted', ratePlan: 'standard', total: usd(24_200), pricedIn: 'listing_currency' });
    const fixed = quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ currency: c('USD'), markup: { kind: 'fixed', amountMinor: 1_000 } }), rates);
    expect(fixed).toMatchObject({ total: usd(24_000), pricedIn: 'listing_currency' });
  });

  it("without a rate, a percentage markup is quoted in the PMS's currency, and says so: the arbiter's currency rule compares it", () => {
    const quote = quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ currency: c('GBP'), markup: { kind: 'percent', basisPoints: 1_500 } }), rates);
    expect(quote).toEqual({ kind: 'quoted', ratePlan: 'standard', total: eur(23_000), pricedIn: 'pms_currency' });
  });

  it('without a rate, a fixed markup (an amount in the listing currency) cannot be applied: no quote', () => {
    const quote = quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(10_000)), listing({ currency: c('GBP'), markup: { kind: 'fixed', amountMinor: 500 } }), rates);
    expect(quote).toEqual({ kind: 'no_quote', reason: 'no_exchange_rate', from: 'EUR', to: 'GBP' });
  });

  it('without a rate for nights priced in two currencies: no quote', () => {
    const terms = priced({ '2027-03-10': eur(10_000), '2027-03-11': usd(10_000) });
    expect(quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', terms, listing(), noRates)).toEqual({ kind: 'no_quote', reason: 'no_exchange_rate', from: 'USD', to: 'EUR' });
  });

  it('a night without a price: no quote, naming the first such night', () => {
    const terms = priced({ '2027-03-10': eur(10_000), '2027-03-12': eur(10_000) });
    expect(quoteStay(stay('2027-03-10', '2027-03-14'), 'standard', terms, listing(), noRates)).toEqual({ kind: 'no_quote', reason: 'night_without_price', ratePlan: 'standard', night: '2027-03-11' });
  });

  it('a sum beyond any amount a command may carry is a unit error in the rates: no quote rather than a refused booking', () => {
    const quote = quoteStay(stay('2027-03-10', '2027-03-12'), 'standard', every(eur(MAX_AMOUNT_MINOR)), listing(), noRates);
    expect(quote).toEqual({ kind: 'no_quote', reason: 'total_too_large', ratePlan: 'standard' });
  });

  it("in the PMS's currency without a markup it is the stay's total under its nights' prices (property)", () => {
    const price = fc.integer({ min: 0, max: 10_000_000 }).map(eur);
    fc.assert(
      fc.property(fc.array(price, { minLength: 1, maxLength: 30 }), (prices) => {
        const from = d('2027-01-01');
        const nights = Object.fromEntries(prices.map((p, i) => [addDays(from, i), p]));
        const dates = { checkIn: from, checkOut: addDays(from, prices.length) };
        const quote = quoteStay(dates, 'standard', priced(nights), listing(), noRates);
        expect(quote).toMatchObject({ kind: 'quoted', total: stayTotal(dates, priced(nights)) });
      }),
    );
  });
});
