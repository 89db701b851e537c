import { holders, longestGap, percentileOf, type Decision } from '../src/failover-measure';

const at = (partition: number, atMs: number, by = 'a'): Decision => ({ partition, atMs, by });

describe('failover figures', () => {
  it("a partition's holder is the instance of its last decision in the window, not of one before or after it", () => {
    const decisions = [at(0, 100, 'a'), at(0, 200, 'b'), at(1, 150, 'a'), at(0, 900, 'c'), at(2, 50, 'c')];
    expect(holders(decisions, 100, 500)).toEqual(new Map([[0, 'b'], [1, 'a']]));
  });

  it("a partition's longest gap counts from the window's start to its first decision and from its last to the window's end", () => {
    const decisions = [at(0, 1_100), at(0, 1_300), at(0, 4_000), at(1, 1_050), at(1, 1_900)];
    expect(longestGap(decisions, [0], 1_000, 4_500)).toBe(2_700);
    expect(longestGap(decisions, [1], 1_000, 4_500)).toBe(2_600);
    expect(longestGap(decisions, [0, 1], 1_000, 4_500)).toBe(2_700);
  });

  it('a partition with no decision in the window went the whole window without one', () => {
    expect(longestGap([at(0, 10)], [3], 1_000, 2_000)).toBe(1_000);
  });

  it('percentiles are nearest-rank: p99 of ten kills is the slowest, p50 the fifth', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentileOf(values, 99)).toBe(10);
    expect(percentileOf(values, 50)).toBe(5);
    expect(percentileOf([42], 50)).toBe(42);
  });
});
