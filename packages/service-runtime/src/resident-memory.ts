import { readFileSync } from 'node:fs';

/** A process's resident memory now and at its peak (VmRSS, VmHWM from /proc), in MB: what the benchmarks report. */
export function residentMemoryMb(pid: number): { current: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { current: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}
