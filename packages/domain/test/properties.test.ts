import { pushesOf } from '../src/decision';
import fc from 'fast-check';
import type { BookingStatus, Source } from '@cm/schemas';
import type { Command } from '../src/commands';
import { decide } from '../src/decide';
import { evolve } from '../src/evolve';
import type { ConversionRate, CurrencyCode } from '../src/money';
import { emptyProperty, holdsNights, type PropertyState } from '../src/property-state';
import { addDays, sharesANight, type LocalDate } from '../src/stay-dates';
import { block, create, dispute, guest, modify, money, price, PROPERTY, status, unblock } from './builders';

/**
 * Invariants over any sequence of commands: random overlapping ranges, channels, statuses,
 * duplicates, replays and reorderings.
 */

const SOURCES: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
const STATUSES: BookingStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED', 'REJECTED'];
const START = '2026-12-01' as LocalDate;
const usdToEur: ConversionRate = { from: 'USD' as CurrencyCode, to: 'EUR' as CurrencyCode, numerator: 9, denominator: 10 };
const context = { rates: (from: CurrencyCode, to: CurrencyCode) => (from === 'USD' && to === 'EUR' ? usdToEur : undefined) };

const source = fc.constantFrom(...SOURCES);
const ref = fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6');
const version = fc.integer({ min: 1, max: 6 });
const dates = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 7 })).map(([offset, length]) => `${addDays(START, offset)}..${addDays(START, offset + length)}`);
const amount = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500_000 }));
const anyMoney = fc.tuple(amount, fc.constantFrom('EUR', 'EUR', 'USD')).map(([a, c]) => money(a, c));
const at = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) });
const field = fc.option(fc.record({ value: fc.constantFrom('a', 'b'), updatedAt: at }), { nil: null });
/** A change to a booking: mostly by its own source, sometimes by the PMS, rarely by another channel. */
const target = fc.oneof(
  { weight: 3, arbitrary: fc.record({ source, ref, version }).map((t) => ({ ...t, bookingSource: t.source })) },
  { weight: 2, arbitrary: fc.record({ bookingSource: source, ref, version }).map((t) => ({ ...t, source: 'PMS' as Source })) },
  { weight: 1, arbitrary: fc.record({ source, bookingSource: source, ref, version }) },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ source, ref, version, dates, status: fc.constantFrom('PENDING' as const, 'CONFIRMED' as const), price: fc.option(anyMoney, { nil: null }), pmsQuote: fc.option(anyMoney, { nil: null }), ratePlan: fc.option(fc.constantFrom('flex', 'nonref'), { nil: null }) }).map(create),
  fc.record({ source, ref, version, dates }).map((o) => create({ ...o, guest: { name: null, email: { value: 'x@y.z', updatedAt: 1 }, phone: null } })),
  fc.tuple(target, dates).map(([t, d]) => modify({ ...t, dates: d })),
  fc.tuple(target, fc.constantFrom(...STATUSES)).map(([t, s]) => status({ ...t, status: s })),
  fc.record({ ref, version, dates }).map((o) => block({ ...o, ref: `b-${o.ref}` })),
  fc.record({ ref, version }).map((o) => unblock({ ...o, ref: `b-${o.ref}` })),
  fc.tuple(target, field, field, field).map(([t, name, email, phone]) => guest({ ...t, guest: { name, email, phone } })),
  fc.tuple(target, anyMoney, fc.option(fc.constantFrom('flex', 'nonref'), { nil: null })).map(([t, p, ratePlan]) => price({ ...t, price: p, ratePlan })),
  target.map((t) => dispute(t)),
);

/**
 * A sequence of 15 to 60 commands with duplicates and replays of earlier commands inserted at
 * random later points, and some neighbours swapped (reorderings).
 */
const history = fc
  .tuple(
    fc.array(command, { minLength: 15, maxLength: 60 }),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 15 }),
    fc.array(fc.nat(), { maxLength: 10 }),
  )
  .map(([commands, repeats, swaps]) => {
    const sequence = [...commands];
    for (const [which, where] of repeats) {
      const i = which % commands.length;
      sequence.splice(i + 1 + (where % (sequence.length - i)), 0, commands[i]!);
    }
    for (const at of swaps) {
      const i = at % (sequence.length - 1);
      [sequence[i], sequence[i + 1]] = [sequence[i + 1]!, sequence[i]!];
    }
    return sequence;
  });

function overlappingActiveStays(state: PropertyState): string[] {
  const active = [...state.stays.values()].filter(holdsNights);
  const found: string[] = [];
  for (let i = 0; i < active.length; i++) {
    for (let j = i + 1; j < active.length; j++) {
      if (sharesANight(active[i]!.dates, active[j]!.dates)) found.push(`${active[i]!.key} / ${active[j]!.key}`);
    }
  }
  return found;
}

function replay(commands: readonly Command[]): PropertyState {
  return commands.reduce((state, c) => evolve(state, decide(state, c, context)), emptyProperty(PROPERTY));
}

const runs = { numRuns: 200 };

describe('the generated histories', () => {
  it('reach every kind of outcome and hold several stays at once (else the properties prove little)', () => {
    const outcomes = new Map<string, number>();
    let maxActive = 0;
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          const decision = decide(state, c, context);
          const label = `${decision.outcome}:${decision.reason ?? decision.event.type}`;
          outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
          state = evolve(state, decision);
        }
        maxActive = Math.max(maxActive, [...state.stays.values()].filter(holdsNights).length);
      }),
      runs,
    );
    const reasons = [...outcomes.keys()];
    for (const expected of ['applied:booking_accepted', 'rejected:nights_unavailable', 'ignored:duplicate_command', 'ignored:stale_version', 'ignored:unknown_booking', 'applied:booking_status_changed', 'applied:booking_dates_changed', 'applied:nights_blocked', 'rejected:price_flagged_for_review']) {
      expect(reasons).toContain(expected);
    }
    expect(maxActive).toBeGreaterThanOrEqual(4);
  });
});

describe('properties of deciding any sequence of commands', () => {
  it('the ledger never holds two active stays on one night', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          state = evolve(state, decide(state, c, context));
          expect(overlappingActiveStays(state)).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('deciding is deterministic: the same sequence gives the same decisions and the same ledger', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          const first = decide(state, c, context);
          expect(decide(state, c, context)).toEqual(first);
          state = evolve(state, first);
        }
        expect(replay(commands)).toEqual(state);
      }),
      runs,
    );
  });

  it('a duplicate command changes nothing', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          state = evolve(state, decide(state, c, context));
          const again = decide(state, c, context);
          expect(evolve(state, again)).toBe(state);
          expect(pushesOf(again)).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('a command that changed the ledger, replayed any time later, changes nothing', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        const changedIt: Command[] = [];
        for (const c of commands) {
          const next = evolve(state, decide(state, c, context));
          if (next !== state) changedIt.push(c);
          state = next;
        }
        for (const c of changedIt) expect(evolve(state, decide(state, c, context))).toBe(state);
      }),
      runs,
    );
  });

  it('the ledger version counts changes: it grows by one exactly when the ledger changes', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          const decision = decide(state, c, context);
          const next = evolve(state, decision);
          expect(next.version).toBe(next === state ? state.version : state.version + 1);
          if (decision.outcome === 'ignored') expect(next).toBe(state);
          state = next;
        }
      }),
      runs,
    );
  });

  it('nights are closed for every accepted stay and opened only for nights no active stay holds', () => {
    fc.assert(
      fc.property(history, (commands) => {
        let state = emptyProperty(PROPERTY);
        for (const c of commands) {
          const decision = decide(state, c, context);
          state = evolve(state, decision);
          for (const push of pushesOf(decision).filter((p) => p.available)) {
            const stillHeld = [...state.stays.values()].filter((s) => holdsNights(s) && sharesANight(s.dates, push.dates));
            expect(stillHeld).toEqual([]);
          }
        }
      }),
      runs,
    );
  });
});
