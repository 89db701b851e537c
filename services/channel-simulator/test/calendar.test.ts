import fc from 'fast-check';
import type { CurrencyCode } from '@cm/domain';
import { ListingCalendar, type AvailabilityUpdate } from '../src/calendar';
import { formatDay, parseDay } from '../src/dates';
import { DEFAULT_RATE_PLAN_ID, type PlanTermsUpdate } from '../src/rate-plans';

const JULY_1 = parseDay('2026-07-01')!;

describe('listing calendar', () => {
  it('parses real dates only and formats them back', () => {
    expect(parseDay('2024-02-29')).toBe(19_782);
    expect(formatDay(19_782)).toBe('2024-02-29');
    expect([parseDay('2026-02-29'), parseDay('2026-13-01'), parseDay('2026-7-1'), parseDay('2026-07-01T00:00:00Z')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('formats every day as Date does, and parses it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: parseDay('1970-01-01')!, max: parseDay('2999-12-31')! }), (day) => {
        const text = formatDay(day);
        expect(text).toBe(new Date(day * 86_400_000).toISOString().slice(0, 10));
        expect(parseDay(text)).toBe(day);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a dry run counts the nights an update would change and changes none', () => {
    const calendar = new ListingCalendar();
    const close: AvailabilityUpdate[] = [{ range: { from: JULY_1, to: JULY_1 + 3 }, available: false }];
    expect(calendar.setAvailability(close, 'dry_run')).toBe(3);
    expect(calendar.read({ from: JULY_1, to: JULY_1 + 3 }).every((n) => n.available)).toBe(true);
    expect(calendar.setAvailability(close, 'apply')).toBe(3);
    expect(calendar.setAvailability(close, 'apply')).toBe(0);
  });

  it('a held night is unavailable even when the host opens it, and released nights keep the host flag', () => {
    const calendar = new ListingCalendar();
    calendar.hold({ from: JULY_1, to: JULY_1 + 2 }, 'R1');
    calendar.setAvailability([{ range: { from: JULY_1, to: JULY_1 + 2 }, available: true }], 'apply');
    expect(calendar.read({ from: JULY_1, to: JULY_1 + 2 }).map((n) => n.available)).toEqual([false, false]);
    expect(calendar.firstUnbookable({ from: JULY_1 - 1, to: JULY_1 + 2 })).toBe(JULY_1);
    expect(calendar.firstUnbookable({ from: JULY_1, to: JULY_1 + 2 }, 'R1')).toBeUndefined();
    calendar.setAvailability([{ range: { from: JULY_1 + 1, to: JULY_1 + 2 }, available: false }], 'apply');
    calendar.release({ from: JULY_1, to: JULY_1 + 2 }, 'R1');
    expect(calendar.read({ from: JULY_1, to: JULY_1 + 2 }).map((n) => n.available)).toEqual([true, false]);
  });

  /** A night-by-night model: what the calendar (with its default plan's price and minimum stay) must agree with after any sequence of pushes. */
  interface ModelNight {
    open: boolean;
    price: number | null;
    /** The default plan's minimum stay on arrival (null: none; the calendar then shows 1). */
    minStay: number | null;
  }

  const DAYS = 41;
  const range = fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 10 }))
    .map(([start, length]) => ({ from: JULY_1 + start, to: JULY_1 + start + length }));
  // One request is all availability or all rates (of the default plan), as on the platform API.
  const request = fc.oneof(
    fc.record({ kind: fc.constant('availability' as const), updates: fc.array(fc.record({ range, available: fc.boolean() }), { minLength: 1, maxLength: 4 }) }),
    fc.record({
      kind: fc.constant('rates' as const),
      updates: fc.array(fc.record({ range, price: fc.option(fc.integer({ min: 0, max: 3 })), minStay: fc.option(fc.integer({ min: 1, max: 3 })) }), { minLength: 1, maxLength: 4 }),
    }),
  );
  type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

  function applyToModel(model: ModelNight[], pushed: Request): number {
    const before = model.map((night) => JSON.stringify(night));
    for (const update of pushed.updates) {
      for (let day = update.range.from; day < update.range.to; day++) {
        const night = model[day - JULY_1]!;
        if ('available' in update) night.open = update.available;
        else {
          if (update.price !== null) night.price = update.price;
          if (update.minStay !== null) night.minStay = update.minStay;
        }
      }
    }
    return model.filter((night, i) => JSON.stringify(night) !== before[i]).length;
  }

  function applyToCalendar(calendar: ListingCalendar, pushed: Request, mode: 'apply' | 'dry_run'): number {
    if (pushed.kind === 'availability') return calendar.setAvailability(pushed.updates, mode);
    const updates = pushed.updates.map(
      (u): PlanTermsUpdate => ({
        ratePlanId: DEFAULT_RATE_PLAN_ID,
        range: u.range,
        set: {
          ...(u.price !== null ? { price: { amountMinor: u.price, currency: 'EUR' as CurrencyCode } } : {}),
          ...(u.minStay !== null ? { minStayArrival: u.minStay } : {}),
        },
      }),
    );
    return calendar.rates.set(updates, mode);
  }

  const readAsModel = (calendar: ListingCalendar) =>
    calendar.read({ from: JULY_1, to: JULY_1 + DAYS }).map((n, i): ModelNight => {
      const minStay = calendar.rates.termsAt(DEFAULT_RATE_PLAN_ID, JULY_1 + i).minStayArrival;
      if (n.min_stay !== (minStay ?? 1)) throw new Error(`${n.date} shows min_stay ${n.min_stay}, the default plan has ${minStay}`);
      return { open: n.available, price: n.price?.amount_minor ?? null, minStay };
    });

  it('after any sequence of pushes it reads as the model; each push counts the nights it changed, and a dry run counts the same and changes nothing', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) => {
        const calendar = new ListingCalendar();
        const model = Array.from({ length: DAYS }, (): ModelNight => ({ open: true, price: null, minStay: null }));
        for (const pushed of requests) {
          const unchanged = readAsModel(calendar);
          const changed = applyToModel(model, pushed);
          expect(applyToCalendar(calendar, pushed, 'dry_run')).toBe(changed);
          expect(readAsModel(calendar)).toEqual(unchanged);
          expect(applyToCalendar(calendar, pushed, 'apply')).toBe(changed);
        }
        expect(readAsModel(calendar)).toEqual(model);
      }),
    );
  });
});
