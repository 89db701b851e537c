import { noRates, type CurrencyCode, type LocalDate } from '@cm/domain';
import { addConnection, addProperty, createTenant, listingPricingKey, mapListing, pricingOfProperties, setListingPricing, termsByListing } from '@cm/directory';
import { RatesStore } from '@cm/rates';
import type { Knex } from '@cm/service-runtime';
import { rowsReadFrom, scratchDatabase, statementsOf, testKeyRing, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ingestMigrations } from '../src/directory/migrations';
import { readPropertyQuoting } from '../src/quotes/property-quoting';
import { StayQuotes } from '../src/quotes/stay-quotes';

/**
 * A stay's quote reads its property's listing pricings and the PMS's rate plans in one statement,
 * on the real PostgreSQL: the same as the directory's and the rates store's own reads give.
 */
let scratch: ScratchDatabase;
let db: Knex;
let n = 0;
const id = (what: string) => `${what}-${++n}`;
const EUR = 'EUR' as CurrencyCode;
const d = (date: string) => date as LocalDate;

beforeAll(async () => {
  scratch = await scratchDatabase(uniqueName('quoting').toLowerCase(), [ingestMigrations]);
  db = scratch.db;
});

afterAll(async () => scratch?.drop());

/** A property in EUR with an Airbnb listing priced in GBP with a markup, a Vrbo listing never priced, and `plans` set in the rates store. */
async function property(options: { listings?: boolean; plans?: readonly string[] } = {}) {
  const tenantId = id('tenant');
  await createTenant(db, { tenantId, name: tenantId });
  const propertyId = id('villa');
  await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
  const airbnb = { channel: 'AIRBNB' as const, listingId: id('airbnb') };
  const vrbo = { channel: 'VRBO' as const, listingId: id('vrbo') };
  if (options.listings ?? true) {
    for (const listing of [airbnb, vrbo]) {
      const { connectionId } = await addConnection(db, testKeyRing, { connectionId: id(`${listing.channel.toLowerCase()}-connection`), tenantId, channel: listing.channel });
      await mapListing(db, { ...listing, propertyId, connectionId });
    }
    await setListingPricing(db, airbnb, { currency: 'GBP', markup: { kind: 'fixed', amountMinor: 1_500 }, ratePlans: { standard: 'BAR' } });
  }
  const plans = options.plans ?? [];
  if (plans.length > 0) await new RatesStore(db).apply(propertyId, 1, plans.map((ratePlan) => ({ ratePlan, from: d('2027-03-01'), to: d('2027-03-05'), set: { price: { amountMinor: 10_000, currency: EUR } } })));
  return { propertyId, airbnb, vrbo };
}

it("gives every listing's pricing and the PMS's plans in order, as the directory's own read and a DISTINCT over the nights give them", async () => {
  const { propertyId, airbnb, vrbo } = await property({ plans: ['standard', 'nonref', 'weekly'] });
  const quoting = await readPropertyQuoting(db, propertyId);
  expect(quoting?.ratePlans).toEqual(['nonref', 'standard', 'weekly']);
  const distinct = await db.raw('SELECT DISTINCT rate_plan FROM rates.rate_nights WHERE property_id = ? ORDER BY 1', [propertyId]);
  expect(quoting?.ratePlans).toEqual(distinct.rows.map((row: { rate_plan: string }) => row.rate_plan));
  expect(quoting?.pricings).toEqual(termsByListing(await pricingOfProperties(db, [propertyId])));
  expect(quoting?.pricings.get(listingPricingKey(airbnb))).toEqual({ currency: 'GBP', markup: { kind: 'fixed', amountMinor: 1_500 }, ratePlans: { standard: 'BAR' } });
  expect(quoting?.pricings.get(listingPricingKey(vrbo))).toEqual({ currency: 'EUR', markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} });
});

it('a property without listings or plans has none of either; one the directory does not know has no quoting', async () => {
  const bare = await property({ listings: false });
  expect(await readPropertyQuoting(db, bare.propertyId)).toEqual({ pricings: new Map(), ratePlans: [] });
  const plansOnly = await property({ listings: false, plans: ['standard'] });
  expect(await readPropertyQuoting(db, plansOnly.propertyId)).toEqual({ pricings: new Map(), ratePlans: ['standard'] });
  expect(await readPropertyQuoting(db, id('nowhere'))).toBeUndefined();
});

it("a stay on a property not cached takes one statement before its nights; the property's next stay takes only its nights", async () => {
  const { propertyId, vrbo } = await property({ plans: ['standard'] });
  const quotes = new StayQuotes(db, new RatesStore(db), noRates, 60_000);
  const listing = { ...vrbo, propertyId, currency: 'EUR' };
  const stay = { checkIn: d('2027-03-01'), checkOut: d('2027-03-03') };
  let quote: unknown;
  const cold = await statementsOf(db, async () => (quote = await quotes.quote(listing, stay, 'standard')));
  expect(cold).toHaveLength(2);
  expect(cold[0]!.sql).toMatch(/ingest\.listing_pricing[\s\S]*rates\.rate_nights|rates\.rate_nights[\s\S]*ingest\.listing_pricing/);
  expect(quote).toMatchObject({ kind: 'quoted', total: { amountMinor: 20_000, currency: 'EUR' } });
  expect(await statementsOf(db, () => quotes.quote(listing, stay, 'standard'))).toHaveLength(1);
});

it("a listing mapped after its property's quoting was cached is quoted in the property's currency, with no markup, until the cache lapses", async () => {
  const { propertyId, airbnb } = await property({ plans: ['standard'] });
  const quotes = new StayQuotes(db, new RatesStore(db), noRates, 60_000);
  const stay = { checkIn: d('2027-03-01'), checkOut: d('2027-03-03') };
  expect(await quotes.quote({ ...airbnb, propertyId, currency: 'EUR' }, stay, 'BAR')).toMatchObject({ kind: 'no_quote' });
  const booking = { channel: 'BOOKING_COM' as const, listingId: id('booking') };
  const tenantId = (await db('ingest.properties').where({ property_id: propertyId }).first('tenant_id')).tenant_id as string;
  const { connectionId } = await addConnection(db, testKeyRing, { connectionId: id('booking-connection'), tenantId, channel: 'BOOKING_COM' });
  await mapListing(db, { ...booking, propertyId, connectionId });
  await setListingPricing(db, booking, { currency: null, markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: {} });
  expect(await quotes.quote({ ...booking, propertyId, currency: 'EUR' }, stay, 'standard')).toMatchObject({ kind: 'quoted', total: { amountMinor: 20_000, currency: 'EUR' } });
  expect(await new StayQuotes(db, new RatesStore(db), noRates, 60_000).quote({ ...booking, propertyId, currency: 'EUR' }, stay, 'standard')).toMatchObject({ kind: 'quoted', total: { amountMinor: 23_000, currency: 'EUR' } });
});

it("reads the plans one index entry a plan, not the property's every night", async () => {
  const { propertyId } = await property();
  const rates = new RatesStore(db);
  await rates.apply(propertyId, 1, ['flex', 'nonref', 'weekly'].map((ratePlan) => ({ ratePlan, from: d('2027-01-01'), to: d('2028-12-31'), set: { minStayArrival: 2 } })));
  await db.raw('ANALYZE rates.rate_nights');
  const [read] = await statementsOf(db, async () => expect((await readPropertyQuoting(db, propertyId))?.ratePlans).toEqual(['flex', 'nonref', 'weekly']));
  // 2,190 nights; one entry a plan and one past the last.
  expect(await rowsReadFrom(db, 'rate_nights', read!.sql, read!.bindings)).toBeLessThanOrEqual(4);
});
