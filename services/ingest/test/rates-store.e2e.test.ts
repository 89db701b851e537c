import { termsOf, type CurrencyCode, type LocalDate } from '@cm/domain';
import { ratePlansValue, RatesStore } from '@cm/rates';
import { createDatabase, dropDatabase, ensureDatabaseExists, type Knex } from '@cm/service-runtime';
import { rowsReadFrom, stack, uniqueName } from '@cm/test-harness';
import { ingestMigrations } from '../src/directory/migrations';

/**
 * The rates store on the real PostgreSQL: the terms it reads are each field's newest value as the
 * domain's `termsOf` gives it from what is kept, field by field, whatever was set, unset or never named.
 */
let url: string;
let db: Knex;

beforeAll(async () => {
  const target = new URL(stack.DATABASE_URL);
  target.pathname = `/cm_${uniqueName('rates').toLowerCase()}`;
  url = target.toString();
  await ensureDatabaseExists(url);
  db = createDatabase(url, { pool: { min: 0, max: 2 } });
  await ingestMigrations.migrate(db);
});

afterAll(async () => {
  await db.destroy();
  await dropDatabase(url);
});

const EUR = 'EUR' as CurrencyCode;
const d = (date: string) => date as LocalDate;

it('reads each night as termsOf(kept): prices, rules set, rules set back to none, flags on and off, nights never named absent', async () => {
  const store = new RatesStore(db);
  await store.apply('villa-1', 1, [
    { ratePlan: 'standard', from: d('2027-03-01'), to: d('2027-03-05'), set: { price: { amountMinor: 12_345, currency: EUR }, minStayArrival: 3, closedToArrival: true } },
    { ratePlan: 'standard', from: d('2027-03-03'), to: d('2027-03-04'), set: { stopSell: true, maxStay: 7, minStayThrough: 2, closedToDeparture: true } },
    { ratePlan: 'nonref', from: d('2027-03-02'), to: d('2027-03-03'), set: { price: { amountMinor: 9_000_000_000, currency: EUR } } },
  ]);
  await store.apply('villa-1', 2, [{ ratePlan: 'standard', from: d('2027-03-04'), to: d('2027-03-05'), set: { price: null, minStayArrival: null, closedToArrival: false } }]);

  const read = await store.nights('villa-1', d('2027-02-28'), d('2027-03-06'));
  const kept: { rate_plan: string; night: string; kept: Parameters<typeof termsOf>[0] }[] = await db('rates.rate_nights').where({ property_id: 'villa-1' }).select('rate_plan', 'night', 'kept');
  expect(kept).toHaveLength(5);
  for (const row of kept) expect({ plan: row.rate_plan, night: row.night, terms: read.get(row.rate_plan)?.get(row.night as LocalDate) }).toEqual({ plan: row.rate_plan, night: row.night, terms: termsOf(row.kept) });
  expect(read.get('standard')?.get(d('2027-03-03'))).toEqual({ price: { amountMinor: 12_345, currency: 'EUR' }, minStayArrival: 3, minStayThrough: 2, maxStay: 7, closedToArrival: true, closedToDeparture: true, stopSell: true });
  expect(read.get('standard')?.get(d('2027-03-04'))).toEqual({ price: null, minStayArrival: null, minStayThrough: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false });
  expect(read.get('standard')?.has(d('2027-02-28'))).toBe(false);
  expect([...(await store.nights('villa-1', d('2027-03-01'), d('2027-03-06'), ['nonref'])).keys()]).toEqual(['nonref']);
});

/** The plans `ratePlansValue` gives, read on their own. */
async function ratePlans(propertyId: string): Promise<string[]> {
  const value = ratePlansValue(propertyId);
  return (await db.raw(`SELECT ${value.sql} AS plans`, value.bindings as string[])).rows[0].plans;
}

it('lists the plans a property has anything set for, in order, each looked up by the key rather than by reading every night', async () => {
  const store = new RatesStore(db);
  expect(await ratePlans('plans-1')).toEqual([]);
  await store.apply('plans-1', 1, [
    { ratePlan: 'weekly', from: d('2027-01-01'), to: d('2028-12-31'), set: { minStayArrival: 7 } },
    { ratePlan: 'flex', from: d('2027-01-01'), to: d('2028-12-31'), set: { price: { amountMinor: 10_000, currency: EUR } } },
    { ratePlan: 'nonref', from: d('2027-06-01'), to: d('2027-06-02'), set: { stopSell: true } },
  ]);
  await store.apply('plans-2', 1, [{ ratePlan: 'aaa', from: d('2027-01-01'), to: d('2027-01-02'), set: { stopSell: true } }]);
  expect(await ratePlans('plans-1')).toEqual(['flex', 'nonref', 'weekly']);
  expect(await ratePlans('plans-2')).toEqual(['aaa']);
  await db.raw('ANALYZE rates.rate_nights');
  // The property's nights: 1,460 rows; the plans' lookup reads one index entry per plan and one past the last.
  const plans = ratePlansValue('plans-1');
  expect(await rowsReadFrom(db, 'rate_nights', `SELECT ${plans.sql}`, plans.bindings)).toBeLessThanOrEqual(4);
});
