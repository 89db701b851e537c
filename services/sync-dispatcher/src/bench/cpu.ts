import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** What a process group has used so far: CPU seconds, and wake-ups (voluntary context switches of every thread). */
export interface Usage {
  readonly cpuSeconds: number;
  readonly wakeups: number;
}

/** Every process counted at one moment, by pid, with its group. */
export type UsageSample = ReadonlyMap<number, Usage & { readonly group: string }>;

/** One process group's share between two samples, per booking. */
export interface GroupPerBooking {
  readonly group: string;
  readonly cpuMs: number;
  readonly wakeups: number;
}

/** CPU spent between two samples: per booking by process group, in all, and as a share of the machine. */
export interface CpuPerBooking {
  readonly lines: string[];
  readonly totalMs: number;
  readonly machinePercent: number;
  /** Every group that ran, most CPU first. */
  readonly groups: readonly GroupPerBooking[];
  readonly totalWakeups: number;
}

/**
 * CPU time and wake-ups of each process of the machine that takes part in a run, from /proc
 * (Linux): the ones the benchmark started, by name, and the stack's servers, found by command
 * line. Where the machine's two cores go is what bounds latency once a rate saturates them; a
 * wake-up (a thread that slept, waiting for a fetch, a timer or a socket) is what a record costs
 * at low rates when every hop handles it alone.
 */
export class CpuAccount {
  private readonly ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

  /**
   * `stack`: count Kafka, PostgreSQL, Redis and this process too (false: only the processes
   * named). `database`: of PostgreSQL's client backends, only those of this database (the
   * server is shared with other runs and tests); its own processes (WAL writer, checkpointer...) always.
   */
  constructor(private readonly started: ReadonlyMap<string, number>, private readonly stack = true, private readonly database?: string) {}

  /** Every counted process's usage so far, by pid. */
  sample(): UsageSample {
    const usage = new Map<number, Usage & { group: string }>();
    const add = (group: string, pid: number) => {
      const ticks = cpuTicksOf(pid);
      if (ticks !== undefined) usage.set(pid, { group, cpuSeconds: ticks / this.ticksPerSecond, wakeups: wakeupsOf(pid) });
    };
    for (const [name, pid] of this.started) add(name, pid);
    if (!this.stack) return usage;
    add('benchmark (load and floor)', process.pid);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const group = stackGroupOf(commandLineOf(Number(entry)), this.database);
      if (group) add(group, Number(entry));
    }
    return usage;
  }

  /** Usage per group between two samples, process by process: one that ended between them takes its counts with it, one that started counts from zero. */
  static spent(before: UsageSample, after: UsageSample): Map<string, Usage> {
    const groups = new Map<string, Usage>();
    for (const [pid, now] of after) {
      const was = before.get(pid);
      const from = was && was.group === now.group ? was : { cpuSeconds: 0, wakeups: 0 };
      const sum = groups.get(now.group) ?? { cpuSeconds: 0, wakeups: 0 };
      groups.set(now.group, { cpuSeconds: sum.cpuSeconds + Math.max(0, now.cpuSeconds - from.cpuSeconds), wakeups: sum.wakeups + Math.max(0, now.wakeups - from.wakeups) });
    }
    return groups;
  }

  /** Milliseconds of CPU and wake-ups per booking for each group between two samples, and in all, with the share of the machine. */
  static perBooking(before: UsageSample, after: UsageSample, bookings: number, wallSeconds: number): CpuPerBooking {
    const groups = [...CpuAccount.spent(before, after)]
      .map(([group, u]) => ({ group, seconds: u.cpuSeconds, wakeups: u.wakeups }))
      .filter((g) => g.seconds > 0 || g.wakeups > 0)
      .sort((a, b) => b.seconds - a.seconds);
    const total = groups.reduce((sum, g) => sum + g.seconds, 0);
    return {
      lines: groups.filter((g) => g.seconds > 0).map((g) => `${g.group} ${((g.seconds * 1000) / bookings).toFixed(2)} ms`),
      totalMs: (total * 1000) / bookings,
      machinePercent: (100 * total) / wallSeconds,
      groups: groups.map((g) => ({ group: g.group, cpuMs: (g.seconds * 1000) / bookings, wakeups: g.wakeups / bookings })),
      totalWakeups: groups.reduce((sum, g) => sum + g.wakeups, 0) / bookings,
    };
  }

  /** `N% of the machine's M%, X ms per booking (group Y ms, ...)`. */
  static describe(spent: CpuPerBooking): string {
    return `${spent.machinePercent.toFixed(0)}% of the machine's ${cpus().length * 100}%, ${spent.totalMs.toFixed(1)} ms per booking (${spent.lines.join(', ')})`;
  }
}

function cpuTicksOf(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th field, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Voluntary context switches of every thread of a process: /proc/PID/status counts only its main thread's. */
function wakeupsOf(pid: number): number {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let sum = 0;
  for (const tid of threads) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      sum += Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // The thread ended while we read.
    }
  }
  return sum;
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function stackGroupOf(commandLine: string, database: string | undefined): string | undefined {
  if (commandLine.includes('kafka.Kafka')) return 'kafka';
  if (/^postgres(:| )|\/postgres /.test(commandLine)) {
    // A client backend's title: `postgres: 15/main: USER DATABASE HOST(PORT) STATE`.
    const backend = /^postgres: [^:]+: \S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(commandLine);
    return !backend || database === undefined || backend[1] === database ? 'postgresql' : undefined;
  }
  if (commandLine.startsWith('redis-server')) return 'redis';
  return undefined;
}
