import { OPEN_NIGHT, sameTerms, stayRefusal, stayTotal, type LocalDate, type Money, type NightTerms, type StayDates, type StayRefusal } from '@cm/domain';
import { formatDay, parseDay, type NightRange } from './dates';

/**
 * A listing's rate plans on one platform and, per plan and night, the terms the host's software
 * pushed: price and stay rules (@cm/domain rates.ts names them and decides what a stay may do).
 * A listing starts with one plan, `default`; others exist once the admin API creates them, as
 * on Channex and Airbnb, where a rate plan is made on the platform before ARI updates may name it.
 */

export const DEFAULT_RATE_PLAN_ID = 'default';

/** Some terms of one plan for the nights of a range; fields not given stay as they are. */
export interface PlanTermsUpdate {
  readonly ratePlanId: string;
  readonly range: NightRange;
  readonly set: Partial<NightTerms>;
}

export interface PlanNight {
  readonly day: number;
  readonly terms: NightTerms;
}

export class RatePlans {
  /** Per plan, the nights whose terms differ from an open night (sparse). */
  private readonly plans = new Map<string, Map<number, NightTerms>>([[DEFAULT_RATE_PLAN_ID, new Map()]]);

  /** The plans' ids, the default first, then in the order they were created. */
  ids(): string[] {
    return [...this.plans.keys()];
  }

  has(ratePlanId: string): boolean {
    return this.plans.has(ratePlanId);
  }

  /** Creates an empty plan; false if it exists already (it is left as it is). */
  create(ratePlanId: string): boolean {
    if (this.plans.has(ratePlanId)) return false;
    this.plans.set(ratePlanId, new Map());
    return true;
  }

  /**
   * Applies the updates in order (every plan they name must exist) and returns how many
   * (plan, night) pairs end up with other terms; a dry run counts the same and changes nothing.
   */
  set(updates: readonly PlanTermsUpdate[], mode: 'apply' | 'dry_run'): number {
    const staged = new Map<string, Map<number, NightTerms>>();
    for (const update of updates) {
      let plan = staged.get(update.ratePlanId);
      if (!plan) staged.set(update.ratePlanId, (plan = new Map()));
      for (let day = update.range.from; day < update.range.to; day++) {
        plan.set(day, { ...(plan.get(day) ?? this.termsAt(update.ratePlanId, day)), ...update.set });
      }
    }
    let changed = 0;
    for (const [ratePlanId, nights] of staged) {
      const stored = this.planOf(ratePlanId);
      for (const [day, terms] of nights) {
        if (sameTerms(terms, this.termsAt(ratePlanId, day))) continue;
        changed++;
        if (mode === 'dry_run') continue;
        if (sameTerms(terms, OPEN_NIGHT)) stored.delete(day);
        else stored.set(day, terms);
      }
    }
    return changed;
  }

  /** A night's terms on a plan: open (no price, no rule) until something was pushed. */
  termsAt(ratePlanId: string, day: number): NightTerms {
    return this.planOf(ratePlanId).get(day) ?? OPEN_NIGHT;
  }

  read(ratePlanId: string, range: NightRange): PlanNight[] {
    const nights: PlanNight[] = [];
    for (let day = range.from; day < range.to; day++) nights.push({ day, terms: this.termsAt(ratePlanId, day) });
    return nights;
  }

  /** The first stay rule the plan's terms say a stay of these nights breaks, if any. */
  refusal(ratePlanId: string, range: NightRange): StayRefusal | null {
    return stayRefusal(stayOf(range), this.lookup(ratePlanId));
  }

  /** What a guest pays on the plan: its nights' pushed prices summed, or null if a night has none. */
  total(ratePlanId: string, range: NightRange): Money | null {
    return stayTotal(stayOf(range), this.lookup(ratePlanId));
  }

  hasPrices(): boolean {
    for (const plan of this.plans.values()) for (const terms of plan.values()) if (terms.price !== null) return true;
    return false;
  }

  private lookup(ratePlanId: string): (night: LocalDate) => NightTerms {
    return (night) => this.termsAt(ratePlanId, parseDay(night)!);
  }

  private planOf(ratePlanId: string): Map<number, NightTerms> {
    const plan = this.plans.get(ratePlanId);
    if (!plan) throw new Error(`no rate plan '${ratePlanId}' (callers check has() first)`);
    return plan;
  }
}

function stayOf(range: NightRange): StayDates {
  return { checkIn: formatDay(range.from) as LocalDate, checkOut: formatDay(range.to) as LocalDate };
}
