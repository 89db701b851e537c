import { seededRandom } from '@cm/service-runtime';

/**
 * A small seeded generator (mulberry32) for property loops: fast-check does not resolve from
 * this package, and a fixed seed makes any failing case reproducible from the seed it prints.
 */
export class SeededRandom {
  private readonly draw: () => number;

  constructor(readonly seed: number) {
    this.draw = seededRandom(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** An integer in [min, max]. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.integer(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}
