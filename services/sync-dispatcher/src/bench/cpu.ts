import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** CPU spent between two samples: per booking by process group, in all, and as a share of the machine. */
export interface CpuPerBooking {
  readonly lines: string[];
  readonly totalMs: number;
  readonly machinePercent: number;
}

/**
 * CPU time spent by each process of the machine that takes part in a run, from /proc (Linux):
 * the ones the benchmark started, by name, and the stack's servers, found by command line. Where
 * the machine's two cores go is what bounds latency once a rate saturates them.
 */
export class CpuAccount {
  private readonly ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

  constructor(private readonly started: ReadonlyMap<string, number>) {}

  /** CPU seconds per process group so far. */
  sample(): Map<string, number> {
    const seconds = new Map<string, number>();
    const add = (group: string, pid: number) => {
      const ticks = cpuTicksOf(pid);
      if (ticks !== undefined) seconds.set(group, (seconds.get(group) ?? 0) + ticks / this.ticksPerSecond);
    };
    for (const [name, pid] of this.started) add(name, pid);
    add('benchmark (load and floor)', process.pid);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const group = stackGroupOf(commandLineOf(Number(entry)));
      if (group) add(group, Number(entry));
    }
    return seconds;
  }

  /** Milliseconds of CPU per booking for each group between two samples, and in all, with the share of the machine. */
  static perBooking(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, bookings: number, wallSeconds: number): CpuPerBooking {
    const spent = [...after].map(([group, s]) => [group, s - (before.get(group) ?? 0)] as const).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
    const total = spent.reduce((sum, [, s]) => sum + s, 0);
    return {
      lines: spent.map(([group, s]) => `${group} ${((s * 1000) / bookings).toFixed(2)} ms`),
      totalMs: (total * 1000) / bookings,
      machinePercent: (100 * total) / wallSeconds,
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

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function stackGroupOf(commandLine: string): string | undefined {
  if (commandLine.includes('kafka.Kafka')) return 'kafka';
  if (/^postgres(:| )|\/postgres /.test(commandLine)) return 'postgresql';
  if (commandLine.startsWith('redis-server')) return 'redis';
  return undefined;
}
