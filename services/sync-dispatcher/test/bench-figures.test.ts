import { countsOfExposition, recordsOfExposition } from '../src/bench/cost-counters';
import { CpuAccount } from '../src/bench/cpu';
import { listingsResumed } from '../src/bench/listings-resumed';
import { searchSustainedRate } from '../src/bench/sustain';

/** A machine that holds every rate up to `capacity`, as the benchmark would find it. */
const machineHolding = (capacity: number) => {
  const tried: number[] = [];
  const attempt = async (rate: number) => {
    tried.push(rate);
    return { rate, held: rate <= capacity, why: rate <= capacity ? 'held' : 'missed' };
  };
  return { tried, attempt };
};

describe('the sustained rate search (issue 22.5: up from 100/s by 50 until one fails, then once between)', () => {
  it('steps up until a rate fails, then tries once between the last held and the first failed', async () => {
    const machine = machineHolding(185);
    const found = await searchSustainedRate(machine.attempt, { start: 100, step: 50, max: 1000 });
    expect(machine.tried).toEqual([100, 150, 200, 170]);
    expect(found).toMatchObject({ rate: 170, capped: false });
  });

  it('keeps the last held rate when the one between fails too', async () => {
    const machine = machineHolding(160);
    expect((await searchSustainedRate(machine.attempt, { start: 100, step: 50, max: 1000 })).rate).toBe(150);
    expect(machine.tried).toEqual([100, 150, 200, 170]);
  });

  it('bisects towards zero when the first rate fails, and says 0 when nothing held', async () => {
    expect((await searchSustainedRate(machineHolding(60).attempt, { start: 100, step: 50, max: 1000 })).rate).toBe(50);
    expect((await searchSustainedRate(machineHolding(10).attempt, { start: 100, step: 50, max: 1000 })).rate).toBe(0);
  });

  it('stops at the maximum and says the search was capped', async () => {
    const machine = machineHolding(10_000);
    expect(await searchSustainedRate(machine.attempt, { start: 100, step: 50, max: 200 })).toMatchObject({ rate: 200, capped: true });
    expect(machine.tried).toEqual([100, 150, 200]);
  });

  it('ends capped at the last held rate when a rate cannot be tried', async () => {
    const attempt = async (rate: number) => ({ rate, held: true, why: rate > 150 ? 'no dates left' : 'held', untried: rate > 150 });
    expect(await searchSustainedRate(attempt, { start: 100, step: 50, max: 1000 })).toMatchObject({ rate: 150, capped: true });
  });

  it('refuses settings that make no search', async () => {
    await expect(searchSustainedRate(machineHolding(100).attempt, { start: 0, step: 50, max: 100 })).rejects.toThrow(RangeError);
  });
});

describe('counters read from a service’s /metrics', () => {
  it('sums statements over pools, and says fetches are not counted when the counter is absent', () => {
    const text = ['# HELP cm_db_statements_total x', 'cm_db_statements_total{pool="postgres",service="ingest"} 12', 'cm_db_statements_total{pool="postgres:seen-events",service="ingest"} 3', 'cm_db_statements_totally_else 99'].join('\n');
    expect(countsOfExposition(text)).toEqual({ statements: 15, fetches: undefined });
    expect(countsOfExposition(`${text}\ncm_kafka_fetch_requests_total{topic="a"} 4\ncm_kafka_fetch_requests_total{topic="b"} 1`)).toEqual({ statements: 15, fetches: 5 });
  });

  it('sums records consumed over topics and outcomes, and nothing else', () => {
    const text = ['cm_records_consumed_total{topic="a",outcome="processed",service="x"} 7', 'cm_records_consumed_total{topic="b",outcome="dead_lettered",service="x"} 2', 'cm_records_consumed_totals 50', 'cm_db_statements_total 3'].join('\n');
    expect(recordsOfExposition(text)).toBe(9);
  });
});

describe('CPU and wake-ups per process group between two samples', () => {
  it('counts process by process: an ended backend does not take the others’ work with it, a new one counts from zero', () => {
    const before = new Map([
      [10, { group: 'postgresql', cpuSeconds: 5, wakeups: 100 }],
      [11, { group: 'postgresql', cpuSeconds: 50, wakeups: 900 }],
      [20, { group: 'kafka', cpuSeconds: 7, wakeups: 70 }],
    ]);
    const after = new Map([
      [10, { group: 'postgresql', cpuSeconds: 6, wakeups: 130 }],
      [12, { group: 'postgresql', cpuSeconds: 0.5, wakeups: 8 }],
      [20, { group: 'kafka', cpuSeconds: 7, wakeups: 75 }],
    ]);
    expect(Object.fromEntries(CpuAccount.spent(before, after))).toEqual({ postgresql: { cpuSeconds: 1.5, wakeups: 38 }, kafka: { cpuSeconds: 0, wakeups: 5 } });
    const perBooking = CpuAccount.perBooking(before, after, 10, 1);
    expect(perBooking.totalMs).toBeCloseTo(150);
    expect(perBooking.totalWakeups).toBeCloseTo(4.3);
    expect(perBooking.groups.map((g) => g.group)).toEqual(['postgresql', 'kafka']);
  });
});

describe('listings pushed again after a kill (the failover benchmark)', () => {
  const ack = (listing: string, atMs: number) => ({ listing, atMs });

  it('is the time to the last listing\'s first acknowledgement after the kill, not the first of any', () => {
    const acks = [ack('p1/VRBO', 900), ack('p2/VRBO', 950), ack('p1/VRBO', 2_100), ack('p1/VRBO', 2_500), ack('p2/VRBO', 31_000)];
    expect(listingsResumed(acks, 1_000)).toEqual({ afterMs: 30_000, slowest: 'p2/VRBO', never: 0 });
  });

  it('counts a listing pushed before the kill and never after it apart; one first pushed after the kill is not waited for', () => {
    const acks = [ack('p1/VRBO', 900), ack('p2/VRBO', 950), ack('p1/VRBO', 1_400), ack('p3/VRBO', 1_200)];
    expect(listingsResumed(acks, 1_000)).toEqual({ afterMs: 400, slowest: 'p1/VRBO', never: 1 });
  });
});
