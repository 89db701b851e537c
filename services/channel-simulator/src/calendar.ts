import { formatDay, type NightRange } from './dates';
import { toWireMoney, type Money } from './money';
import { DEFAULT_RATE_PLAN_ID, RatePlans } from './rate-plans';

/**
 * One listing's calendar on one platform. A night is bookable when the host left it open (the
 * ARI availability flag) and no reservation holds it: the two are kept apart, as platforms do, so
 * cancelling a stay reopens its nights unless the host closed them meanwhile. Prices and stay
 * rules are kept per rate plan in `rates` (rate-plans.ts).
 */

interface StoredNight {
  open: boolean;
  reservationId: string | null;
}

/**
 * A night as the platform API's calendar reports it. `price` and `min_stay` are the default rate
 * plan's (its price, and its minimum stay on arrival, 1 when none is set): the calendar's shape
 * from before rate plans; every plan's full terms are read from `/rates`.
 */
export interface NightView {
  readonly date: string;
  readonly available: boolean;
  readonly price: Money | null;
  readonly min_stay: number;
}

/** A night as the admin API reports it: also why it is closed. */
export interface NightTruth extends NightView {
  readonly closed_by_host: boolean;
  readonly reservation_id: string | null;
}

export interface AvailabilityUpdate {
  readonly range: NightRange;
  readonly available: boolean;
}

export const DEFAULT_MIN_STAY = 1;

/** How applying updates went: the nights whose stored state differs afterwards. */
export type ApplyMode = 'apply' | 'dry_run';

export class ListingCalendar {
  private readonly nights = new Map<number, StoredNight>();
  readonly rates = new RatePlans();

  /** Sets the host's open/closed flag; returns how many nights changed (or would, on a dry run). */
  setAvailability(updates: readonly AvailabilityUpdate[], mode: ApplyMode): number {
    return this.stage(mode, (stage) => {
      for (const update of updates) {
        for (let day = update.range.from; day < update.range.to; day++) stage(day).open = update.available;
      }
    });
  }

  read(range: NightRange): NightView[] {
    const nights: NightView[] = [];
    for (let day = range.from; day < range.to; day++) {
      const terms = this.rates.termsAt(DEFAULT_RATE_PLAN_ID, day);
      nights.push({ date: formatDay(day), available: isBookable(this.nightAt(day)), price: terms.price && toWireMoney(terms.price), min_stay: terms.minStayArrival ?? DEFAULT_MIN_STAY });
    }
    return nights;
  }

  readTruth(range: NightRange): NightTruth[] {
    const nights: NightTruth[] = [];
    for (let day = range.from; day < range.to; day++) {
      const night = this.nightAt(day);
      const terms = this.rates.termsAt(DEFAULT_RATE_PLAN_ID, day);
      nights.push({
        date: formatDay(day),
        available: isBookable(night),
        price: terms.price && toWireMoney(terms.price),
        min_stay: terms.minStayArrival ?? DEFAULT_MIN_STAY,
        closed_by_host: !night.open,
        reservation_id: night.reservationId,
      });
    }
    return nights;
  }

  /** The first night of the range a guest could not book, ignoring nights `ownReservation` holds. */
  firstUnbookable(range: NightRange, ownReservation?: string): number | undefined {
    for (let day = range.from; day < range.to; day++) {
      const night = this.nightAt(day);
      const heldByOther = night.reservationId !== null && night.reservationId !== ownReservation;
      if (!night.open || heldByOther) return day;
    }
    return undefined;
  }

  /** Marks the nights as held; the caller checked firstUnbookable first. */
  hold(range: NightRange, reservationId: string): void {
    for (let day = range.from; day < range.to; day++) this.stored(day).reservationId = reservationId;
  }

  /** Frees the nights a reservation held (leaves nights another reservation holds alone). */
  release(range: NightRange, reservationId: string): void {
    for (let day = range.from; day < range.to; day++) {
      const night = this.nights.get(day);
      if (night?.reservationId === reservationId) night.reservationId = null;
    }
  }

  /** Ranges the host closed (not held by a stay), merged, in date order. */
  hostClosedRanges(): NightRange[] {
    const closed = [...this.nights.entries()].filter(([, night]) => !night.open).map(([day]) => day).sort((a, b) => a - b);
    const ranges: NightRange[] = [];
    for (const day of closed) {
      const last = ranges[ranges.length - 1];
      if (last && last.to === day) ranges[ranges.length - 1] = { from: last.from, to: day + 1 };
      else ranges.push({ from: day, to: day + 1 });
    }
    return ranges;
  }

  private nightAt(day: number): StoredNight {
    return this.nights.get(day) ?? DEFAULT_NIGHT;
  }

  private stored(day: number): StoredNight {
    let night = this.nights.get(day);
    if (!night) {
      night = { ...DEFAULT_NIGHT };
      this.nights.set(day, night);
    }
    return night;
  }

  /**
   * Runs updates on copies of the nights they touch, then counts the nights that end up different
   * and, unless it is a dry run, stores them. A dry run lets a lost update answer with the same
   * ack it would have had.
   */
  private stage(mode: ApplyMode, run: (stage: (day: number) => StoredNight) => void): number {
    const staged = new Map<number, StoredNight>();
    run((day) => {
      let night = staged.get(day);
      if (!night) {
        night = { ...this.nightAt(day) };
        staged.set(day, night);
      }
      return night;
    });
    let changed = 0;
    for (const [day, night] of staged) {
      if (sameNight(night, this.nightAt(day))) continue;
      changed++;
      if (mode === 'apply') this.nights.set(day, night);
    }
    return changed;
  }
}

const DEFAULT_NIGHT: Readonly<StoredNight> = Object.freeze({ open: true, reservationId: null });

function isBookable(night: StoredNight): boolean {
  return night.open && night.reservationId === null;
}

function sameNight(a: StoredNight, b: StoredNight): boolean {
  return a.open === b.open && a.reservationId === b.reservationId;
}
