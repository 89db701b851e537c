import type { Knex } from '@cm/service-runtime';
import { CpuAccount, type CpuPerBooking, type UsageSample } from './cpu';
import { databaseTransactions, type ServiceCounts } from './cost-counters';

/** Everything counted at one moment: CPU and wake-ups per process group, each service's counters, the database's transactions. */
export interface CostSample {
  /** When the CPU was sampled (ms). */
  readonly at: number;
  readonly usage: UsageSample;
  readonly counts: Map<string, ServiceCounts>;
  readonly transactions: number;
  readonly own: number;
}

/** What one booking cost between two samples, by process group and in all. */
export interface CostPerBooking {
  readonly cpu: CpuPerBooking;
  /** PostgreSQL statements per booking, by the process group that sent them. */
  readonly statements: ReadonlyMap<string, number>;
  /** Kafka fetch requests per booking, by group; undefined where the process does not count them. */
  readonly fetches: ReadonlyMap<string, number | undefined>;
  /** Transactions of the scratch database per booking, the benchmark's own polling left out. */
  readonly transactions: number;
}

/**
 * Counts what a run costs the machine, sampled around a phase: fetches, statements, transactions,
 * wake-ups and CPU, in every process that takes part (issue 22: what happens per record at low
 * rates is what to remove).
 */
export class CostMeter {
  constructor(
    private readonly cpu: CpuAccount,
    /** Each counting process's counters, by its group in the CPU account. */
    private readonly counters: ReadonlyMap<string, () => Promise<ServiceCounts>>,
    private readonly db: Knex,
    /** Statements the benchmark itself sent to the scratch database so far (its polling). */
    private readonly ownStatements: () => number,
  ) {}

  /**
   * Everything counted, at the `start` or the `end` of a phase. The database's transactions are
   * read a second late (see databaseTransactions): before the CPU at a start, after it at an end,
   * so that idle second stays outside the phase.
   */
  async sample(edge: 'start' | 'end'): Promise<CostSample> {
    const database = edge === 'start' ? await databaseTransactions(this.db, this.ownStatements) : undefined;
    const at = Date.now();
    const usage = this.cpu.sample();
    const counts = new Map<string, ServiceCounts>();
    for (const [group, read] of this.counters) counts.set(group, await read());
    const { transactions, own } = database ?? (await databaseTransactions(this.db, this.ownStatements));
    return { at, usage, counts, transactions, own };
  }

  static perBooking(before: CostSample, after: CostSample, bookings: number): CostPerBooking {
    const statements = new Map<string, number>();
    const fetches = new Map<string, number | undefined>();
    for (const [group, now] of after.counts) {
      const was = before.counts.get(group);
      statements.set(group, (now.statements - (was?.statements ?? 0)) / bookings);
      fetches.set(group, now.fetches === undefined ? undefined : (now.fetches - (was?.fetches ?? 0)) / bookings);
    }
    return {
      cpu: CpuAccount.perBooking(before.usage, after.usage, bookings, (after.at - before.at) / 1000),
      statements,
      fetches,
      transactions: (after.transactions - before.transactions - (after.own - before.own)) / bookings,
    };
  }

  /** Statements per booking of every counting process together. */
  static totalStatements(cost: CostPerBooking): number {
    return [...cost.statements.values()].reduce((sum, n) => sum + n, 0);
  }

  /** Kafka fetches per booking of every counting process together; undefined if none counts them. */
  static totalFetches(cost: CostPerBooking): number | undefined {
    const counted = [...cost.fetches.values()].filter((n): n is number => n !== undefined);
    return counted.length === 0 ? undefined : counted.reduce((sum, n) => sum + n, 0);
  }

  /** A compact table: a line per process group, and one for all. */
  static table(title: string, cost: CostPerBooking): string[] {
    const cell = (x: number | undefined, width: number) => (x === undefined ? '-' : x.toFixed(2)).padStart(width);
    const fetchCell = (group: string) => (cost.fetches.has(group) ? (cost.fetches.get(group) === undefined ? 'n/a' : cost.fetches.get(group)!.toFixed(2)) : '-').padStart(14);
    const lines = [`${title.padEnd(30)}  ${'CPU ms'.padStart(8)}  ${'wake-ups'.padStart(8)}  ${'statements'.padStart(10)}  ${'transactions'.padStart(12)}  ${'Kafka fetches'.padStart(14)}`];
    for (const g of cost.cpu.groups) {
      lines.push(`  ${g.group.padEnd(28)}  ${cell(g.cpuMs, 8)}  ${cell(g.wakeups, 8)}  ${cell(cost.statements.get(g.group), 10)}  ${cell(g.group === 'postgresql' ? cost.transactions : undefined, 12)}  ${fetchCell(g.group)}`);
    }
    const fetches = CostMeter.totalFetches(cost);
    lines.push(`  ${'all'.padEnd(28)}  ${cell(cost.cpu.totalMs, 8)}  ${cell(cost.cpu.totalWakeups, 8)}  ${cell(CostMeter.totalStatements(cost), 10)}  ${cell(cost.transactions, 12)}  ${(fetches === undefined ? 'n/a' : fetches.toFixed(2)).padStart(14)}`);
    return lines;
  }
}
