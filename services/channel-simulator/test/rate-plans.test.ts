import fc from 'fast-check';
import { OPEN_NIGHT, type CurrencyCode, type NightTerms } from '@cm/domain';
import { parseDay } from '../src/dates';
import { DEFAULT_RATE_PLAN_ID, RatePlans, type PlanTermsUpdate } from '../src/rate-plans';

const JULY_1 = parseDay('2026-07-01')!;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as CurrencyCode });

describe('rate plans of a listing', () => {
  it('a listing starts with the default plan only; creating one twice leaves it as it is', () => {
    const plans = new RatePlans();
    expect(plans.ids()).toEqual([DEFAULT_RATE_PLAN_ID]);
    expect(plans.create('nonref')).toBe(true);
    plans.set([{ ratePlanId: 'nonref', range: { from: JULY_1, to: JULY_1 + 1 }, set: { stopSell: true } }], 'apply');
    expect(plans.create('nonref')).toBe(false);
    expect(plans.ids()).toEqual([DEFAULT_RATE_PLAN_ID, 'nonref']);
    expect(plans.termsAt('nonref', JULY_1).stopSell).toBe(true);
  });

  it("each plan keeps its own terms: a push to one leaves the other's nights open", () => {
    const plans = new RatePlans();
    plans.create('nonref');
    plans.set([{ ratePlanId: 'nonref', range: { from: JULY_1, to: JULY_1 + 2 }, set: { price: eur(9_000), closedToArrival: true } }], 'apply');
    expect(plans.read(DEFAULT_RATE_PLAN_ID, { from: JULY_1, to: JULY_1 + 2 }).map((n) => n.terms)).toEqual([OPEN_NIGHT, OPEN_NIGHT]);
    expect(plans.termsAt('nonref', JULY_1)).toEqual({ ...OPEN_NIGHT, price: eur(9_000), closedToArrival: true });
    expect(plans.refusal(DEFAULT_RATE_PLAN_ID, { from: JULY_1, to: JULY_1 + 1 })).toBeNull();
    expect(plans.refusal('nonref', { from: JULY_1, to: JULY_1 + 1 })).toEqual({ rule: 'closed_to_arrival', night: '2026-07-01' });
  });

  it("a stay's total is its nights' prices on the plan, or null when a night has none", () => {
    const plans = new RatePlans();
    plans.set([{ ratePlanId: DEFAULT_RATE_PLAN_ID, range: { from: JULY_1, to: JULY_1 + 2 }, set: { price: eur(10_000) } }], 'apply');
    plans.set([{ ratePlanId: DEFAULT_RATE_PLAN_ID, range: { from: JULY_1 + 1, to: JULY_1 + 2 }, set: { price: eur(12_550) } }], 'apply');
    expect(plans.total(DEFAULT_RATE_PLAN_ID, { from: JULY_1, to: JULY_1 + 2 })).toEqual(eur(22_550));
    expect(plans.total(DEFAULT_RATE_PLAN_ID, { from: JULY_1, to: JULY_1 + 3 })).toBeNull();
    expect(plans.hasPrices()).toBe(true);
    plans.set([{ ratePlanId: DEFAULT_RATE_PLAN_ID, range: { from: JULY_1, to: JULY_1 + 2 }, set: { price: null } }], 'apply');
    expect(plans.hasPrices()).toBe(false);
  });

  // A model: per plan and night, the terms as every update in order left them.
  const PLANS = [DEFAULT_RATE_PLAN_ID, 'nonref', 'weekly'] as const;
  const DAYS = 30;
  const nullableStay = fc.option(fc.integer({ min: 1, max: 4 }), { nil: null });
  const update = fc.record({
    ratePlanId: fc.constantFrom(...PLANS),
    range: fc.tuple(fc.integer({ min: 0, max: DAYS - 1 }), fc.integer({ min: 1, max: 8 })).map(([start, length]) => ({ from: JULY_1 + start, to: JULY_1 + Math.min(DAYS, start + length) })),
    set: fc.record(
      {
        price: fc.option(fc.integer({ min: 0, max: 2 }).map(eur), { nil: null }),
        minStayArrival: nullableStay,
        minStayThrough: nullableStay,
        maxStay: nullableStay,
        closedToArrival: fc.boolean(),
        closedToDeparture: fc.boolean(),
        stopSell: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  });

  it('after any sequence of pushes every plan reads as the model; each push counts the (plan, night) pairs it changed, and a dry run counts the same and changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.array(update, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }), (requests) => {
        const plans = new RatePlans();
        for (const id of PLANS) plans.create(id);
        const model = new Map(PLANS.map((id) => [id, Array.from({ length: DAYS }, (): NightTerms => OPEN_NIGHT)]));
        const read = () => new Map(PLANS.map((id) => [id, plans.read(id, { from: JULY_1, to: JULY_1 + DAYS }).map((n) => n.terms)]));
        for (const updates of requests as PlanTermsUpdate[][]) {
          const before = new Map([...model].map(([id, nights]) => [id, nights.map((n) => JSON.stringify(n))]));
          for (const u of updates) {
            const nights = model.get(u.ratePlanId as (typeof PLANS)[number])!;
            for (let day = u.range.from; day < u.range.to; day++) nights[day - JULY_1] = { ...nights[day - JULY_1]!, ...u.set };
          }
          const changed = [...model].reduce((sum, [id, nights]) => sum + nights.filter((n, i) => JSON.stringify(n) !== before.get(id)![i]).length, 0);
          const unchanged = read();
          expect(plans.set(updates, 'dry_run')).toBe(changed);
          expect(read()).toEqual(unchanged);
          expect(plans.set(updates, 'apply')).toBe(changed);
        }
        expect(read()).toEqual(model);
      }),
    );
  });
});
