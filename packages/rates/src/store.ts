import { addDays, applyTermsUpdates, fromEpochDay, nightsOf, termsOf, termsRanges, toEpochDay, type CurrencyCode, type KeptNight, type LocalDate, type NightTerms, type StayDates, type TermsUpdate } from '@cm/domain';
import type { Knex, SqlValue } from '@cm/service-runtime';

/** One range of one rate plan in a PMS request: these fields, for nights [from, to). */
export interface PlanUpdate {
  readonly ratePlan: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly set: Partial<NightTerms>;
}

/** Nights [from, to) of one rate plan holding equal terms. */
export interface PlanRange {
  readonly ratePlan: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly terms: NightTerms;
}

export interface AppliedRates {
  /** Every night the request named, as ranges of equal terms as kept now. */
  readonly ranges: PlanRange[];
  /** Nights whose terms changed (a field took a newer value). */
  readonly nightsChanged: number;
}

/** A night of a rate plan, with its terms as kept. */
export type PlanNights = Map<string, Map<LocalDate, NightTerms>>;

interface NightRow {
  readonly rate_plan: string;
  readonly night: LocalDate;
  readonly kept: KeptNight;
}

/**
 * The rate plans the PMS has set anything for on a property, in order: one index lookup per plan,
 * each the next plan after the last on the primary key, not a DISTINCT over every night of the
 * property (3.2 ms against 0.1 ms for two years of three plans): ingest asks for them on every
 * webhook whose property it has not cached. Its bindings are the property id, twice; others read
 * it through `ratePlansValue`.
 */
const RATE_PLANS_SQL = `WITH RECURSIVE plans AS (
  (SELECT rate_plan FROM rates.rate_nights WHERE property_id = ? ORDER BY rate_plan LIMIT 1)
  UNION ALL
  SELECT (SELECT n.rate_plan FROM rates.rate_nights n WHERE n.property_id = ? AND n.rate_plan > plans.rate_plan ORDER BY n.rate_plan LIMIT 1)
    FROM plans WHERE plans.rate_plan IS NOT NULL)
SELECT rate_plan FROM plans WHERE rate_plan IS NOT NULL ORDER BY rate_plan`;

const RATE_PLANS_ARRAY = `ARRAY(${RATE_PLANS_SQL})`;

/**
 * The property's rate plans as one SQL value, a text array in order, with its bindings: for a
 * statement of another package's that reads them with rows of its own in one round trip
 * (ingest's quotes, with the directory's pricings).
 */
export function ratePlansValue(propertyId: string): SqlValue {
  return { sql: RATE_PLANS_ARRAY, bindings: [propertyId, propertyId] };
}

/**
 * Notified with a property's id when a request gives it a rate plan it did not have, at commit:
 * the services that cache a property's plans (ingest's quotes) forget them.
 */
export const NEW_RATE_PLANS_CHANNEL = 'cm_new_rate_plans';

/**
 * Of these plans, those with no night of the property yet: if any, NEW_RATE_PLANS_CHANNEL is
 * told. Each plan is one index lookup; run before the request's nights are written.
 */
const NOTIFY_NEW_PLANS_SQL = `SELECT pg_notify('${NEW_RATE_PLANS_CHANNEL}', ?)
  WHERE EXISTS (SELECT 1 FROM unnest(?::text[]) AS p(plan)
                WHERE NOT EXISTS (SELECT 1 FROM rates.rate_nights n WHERE n.property_id = ? AND n.rate_plan = p.plan))`;

/**
 * The PMS's rates and restrictions, per property, rate plan and night. Each request is applied
 * night by night and field by field by the domain's `applyTermsUpdates` under the property's
 * lock, so two requests for one property are applied one after the other, and an older version
 * never overwrites a newer one whatever order they arrive in.
 */
export class RatesStore {
  constructor(private readonly db: Knex) {}

  /** Applies one request's updates, in order, at `version`. */
  async apply(propertyId: string, version: number, updates: readonly PlanUpdate[]): Promise<AppliedRates> {
    return this.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 20))', [`rates:${propertyId}`]);
      const plans = [...new Set(updates.map((u) => u.ratePlan))];
      // Only the nights the request names: its earliest to its latest date may span a century of
      // a plan's nights when it names a few (a review's 2,000 one-night updates read 36,500).
      const rows: NightRow[] = (
        await trx.raw(
          // One range scan of the key per update (OFFSET 0 keeps the planner from flattening it into a
          // join that tests every night of the plan against every update: 6.6 s for 2,000 updates
          // over a century's nights, against 25 ms); a night two updates name comes twice, the same row.
          `SELECT n.rate_plan, to_char(n.night, 'YYYY-MM-DD') AS night, n.kept
             FROM unnest(?::text[], ?::date[], ?::date[]) AS r(plan, night_from, night_to)
             CROSS JOIN LATERAL (SELECT m.rate_plan, m.night, m.kept FROM rates.rate_nights m
                                  WHERE m.property_id = ? AND m.rate_plan = r.plan AND m.night >= r.night_from AND m.night < r.night_to OFFSET 0) n`,
          [updates.map((u) => u.ratePlan), updates.map((u) => u.from), updates.map((u) => u.to), propertyId],
        )
      ).rows;
      const kept = new Map<string, Map<LocalDate, KeptNight>>(plans.map((plan) => [plan, new Map()]));
      for (const row of rows) kept.get(row.rate_plan)!.set(row.night, row.kept);
      const before = new Map([...kept].map(([plan, nights]) => [plan, new Map(nights)]));

      let nightsChanged = 0;
      for (const plan of plans) {
        const applied = applyTermsUpdates(kept.get(plan)!, requestUpdates(updates.filter((u) => u.ratePlan === plan), version));
        kept.set(plan, applied.nights);
        nightsChanged += applied.changed.length;
      }

      // Every night whose kept fields moved is written, not only those whose terms changed: a
      // newer version of the same value must be kept, or an older update arriving next would win.
      const written: { plan: string; night: LocalDate; kept: KeptNight }[] = [];
      for (const [plan, nights] of kept) {
        const old = before.get(plan)!;
        for (const [night, nightKept] of nights) if (JSON.stringify(old.get(night)) !== JSON.stringify(nightKept)) written.push({ plan, night, kept: nightKept });
      }
      if (written.length > 0) {
        // A plan with no night in the request's span may be new to the property (rare: most
        // requests move nights a plan already has), and only then is it asked.
        const writtenPlans = new Set(written.map((w) => w.plan));
        const maybeNew = plans.filter((plan) => before.get(plan)!.size === 0 && writtenPlans.has(plan));
        if (maybeNew.length > 0) await trx.raw(NOTIFY_NEW_PLANS_SQL, [propertyId, maybeNew, propertyId]);
        await trx.raw(
          `INSERT INTO rates.rate_nights (property_id, rate_plan, night, kept)
           SELECT ?, plan, night, kept FROM unnest(?::text[], ?::date[], ?::jsonb[]) AS w(plan, night, kept)
           ON CONFLICT (property_id, rate_plan, night) DO UPDATE SET kept = excluded.kept, updated_at = now()`,
          [propertyId, written.map((w) => w.plan), written.map((w) => w.night), written.map((w) => JSON.stringify(w.kept))],
        );
      }

      const ranges: PlanRange[] = [];
      for (const plan of plans) {
        const named = new Map<LocalDate, NightTerms>();
        for (const update of updates.filter((u) => u.ratePlan === plan)) {
          for (const night of nightsOf({ checkIn: update.from, checkOut: update.to })) named.set(night, termsOf(kept.get(plan)!.get(night)));
        }
        for (const range of termsRanges(named)) ranges.push({ ratePlan: plan, ...range });
      }
      return { ranges, nightsChanged };
    });
  }

  /**
   * The terms of nights [from, to) of the property's rate plans (every plan it has, if none is
   * named). A night the PMS never named is absent.
   */
  async nights(propertyId: string, from: LocalDate, to: LocalDate, ratePlans?: readonly string[]): Promise<PlanNights> {
    // Each field's value is taken out in SQL: a season's read is thousands of nights, and parsing
    // every field's version in JS only to drop it made most of a rate push's garbage.
    const query = this.db('rates.rate_nights')
      .select('rate_plan', 'night', this.db.raw(EFFECTIVE_TERMS_COLUMNS))
      .where('property_id', propertyId)
      .where('night', '>=', from)
      .where('night', '<', to);
    if (ratePlans) query.whereIn('rate_plan', ratePlans);
    const rows: EffectiveTermsRow[] = await query;
    const plans: PlanNights = new Map();
    for (const row of rows) {
      const nights = plans.get(row.rate_plan) ?? new Map<LocalDate, NightTerms>();
      nights.set(row.night, termsOfRow(row));
      plans.set(row.rate_plan, nights);
    }
    return plans;
  }

  /** One stay's nights of one rate plan (a night the PMS never named is open, with no price). */
  async stayTerms(propertyId: string, ratePlan: string, stay: StayDates): Promise<(night: LocalDate) => NightTerms> {
    const nights = (await this.nights(propertyId, stay.checkIn, addDays(stay.checkOut, 1), [ratePlan])).get(ratePlan) ?? new Map();
    return (night) => nights.get(night) ?? termsOf(undefined);
  }
}

/** A night's effective terms as SQL reads them out of `kept` (each field's value, or null when never set). */
interface EffectiveTermsRow {
  readonly rate_plan: string;
  readonly night: LocalDate;
  readonly price_minor: string | null;
  readonly price_currency: string | null;
  readonly min_stay_arrival: number | null;
  readonly min_stay_through: number | null;
  readonly max_stay: number | null;
  readonly closed_to_arrival: boolean | null;
  readonly closed_to_departure: boolean | null;
  readonly stop_sell: boolean | null;
}

const EFFECTIVE_TERMS_COLUMNS = [
  `kept->'price'->'value'->>'amountMinor' AS price_minor`,
  `kept->'price'->'value'->>'currency' AS price_currency`,
  `(kept->'minStayArrival'->>'value')::int AS min_stay_arrival`,
  `(kept->'minStayThrough'->>'value')::int AS min_stay_through`,
  `(kept->'maxStay'->>'value')::int AS max_stay`,
  `(kept->'closedToArrival'->>'value')::boolean AS closed_to_arrival`,
  `(kept->'closedToDeparture'->>'value')::boolean AS closed_to_departure`,
  `(kept->'stopSell'->>'value')::boolean AS stop_sell`,
].join(', ');

/** The same terms `termsOf(kept)` gives, from the columns SQL read out. */
function termsOfRow(row: EffectiveTermsRow): NightTerms {
  return {
    price: row.price_minor === null || row.price_currency === null ? null : { amountMinor: Number(row.price_minor), currency: row.price_currency as CurrencyCode },
    minStayArrival: row.min_stay_arrival,
    minStayThrough: row.min_stay_through,
    maxStay: row.max_stay,
    closedToArrival: row.closed_to_arrival === true,
    closedToDeparture: row.closed_to_departure === true,
    stopSell: row.stop_sell === true,
  };
}

/**
 * One request's updates of one plan as updates at its version: within a request, a later entry
 * sets a field over an earlier one for the nights both name (a season, then its high weeks).
 * Consecutive nights left with the same fields become one update.
 */
function requestUpdates(updates: readonly PlanUpdate[], version: number): TermsUpdate[] {
  const byNight = new Map<number, Partial<NightTerms>>();
  for (const update of updates) {
    for (let day = toEpochDay(update.from); day < toEpochDay(update.to); day++) byNight.set(day, { ...byNight.get(day), ...update.set });
  }
  const merged: { from: number; to: number; set: Partial<NightTerms>; key: string }[] = [];
  for (const day of [...byNight.keys()].sort((a, b) => a - b)) {
    const set = byNight.get(day)!;
    const key = JSON.stringify(set);
    const last = merged.at(-1);
    if (last && last.to === day && last.key === key) last.to = day + 1;
    else merged.push({ from: day, to: day + 1, set, key });
  }
  return merged.map((m) => ({ from: fromEpochDay(m.from), to: fromEpochDay(m.to), version, set: m.set }));
}
