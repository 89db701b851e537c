import { formatDay, type NightRange } from './dates';
import type { Money } from './money';

/**
 * One listing's calendar on one platform. A night is bookable when the host left it open (the
 * ARI availability flag) and no reservation holds it: the two are kept apart, as platforms do, so
 * cancelling a stay reopens its nights unless the host closed them meanwhile.
 */

interface StoredNight {
  open: boolean;
  price: Money | null;
  minStay: number;
  reservationId: string | null;
}

/** A night as the platform API reports it. */
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

export interface RateUpdate {
  readonly range: NightRange;
  readonly price?: Money;
  readonly minStay?: number;
}

export const DEFAULT_MIN_STAY = 1;

/** How applying updates went: the nights whose stored state differs afterwards. */
export type ApplyMode = 'apply' | 'dry_run';

export class ListingCalendar {
  private readonly nights = new Map<number, StoredNight>();

  /** Sets the host's open/closed flag; returns how many nights changed (or would, on a dry run). */
  setAvailability(updates: readonly AvailabilityUpdate[], mode: ApplyMode): number {
    return this.stage(mode, (stage) => {
      for (const update of updates) {
        for (let day = update.range.from; day < update.range.to; day++) stage(day).open = update.available;
      }
    });
  }

  setRates(updates: readonly RateUpdate[], mode: ApplyMode): number {
    return this.stage(mode, (stage) => {
      for (const update of updates) {
        for (let day = update.range.from; day < update.range.to; day++) {
          const night = stage(day);
          if (update.price !== undefined) night.price = update.price;
          if (update.minStay !== undefined) night.minStay = update.minStay;
        }
      }
    });
  }

  read(range: NightRange): NightView[] {
    const nights: NightView[] = [];
    for (let day = range.from; day < range.to; day++) {
      const night = this.nightAt(day);
      nights.push({ date: formatDay(day), available: isBookable(night), price: night.price, min_stay: night.minStay });
    }
    return nights;
  }

  readTruth(range: NightRange): NightTruth[] {
    const nights: NightTruth[] = [];
    for (let day = range.from; day < range.to; day++) {
      const night = this.nightAt(day);
      nights.push({
        date: formatDay(day),
        available: isBookable(night),
        price: night.price,
        min_stay: night.minStay,
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

  /** The price of every night of the range in one currency, or undefined if one is unpriced or differs. */
  totalPrice(range: NightRange): Money | undefined {
    let total = 0;
    let currency: string | undefined;
    for (let day = range.from; day < range.to; day++) {
      const price = this.nightAt(day).price;
      if (price === null || (currency !== undefined && price.currency !== currency)) return undefined;
      currency = price.currency;
      total += price.amount_minor;
    }
    return currency === undefined ? undefined : { amount_minor: total, currency };
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

  hasPrices(): boolean {
    for (const night of this.nights.values()) if (night.price !== null) return true;
    return false;
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

const DEFAULT_NIGHT: Readonly<StoredNight> = Object.freeze({ open: true, price: null, minStay: DEFAULT_MIN_STAY, reservationId: null });

function isBookable(night: StoredNight): boolean {
  return night.open && night.reservationId === null;
}

function sameNight(a: StoredNight, b: StoredNight): boolean {
  return (
    a.open === b.open &&
    a.minStay === b.minStay &&
    a.reservationId === b.reservationId &&
    a.price?.amount_minor === b.price?.amount_minor &&
    a.price?.currency === b.price?.currency
  );
}
