import type { FailoverFleet } from './failover-fleet';
import { waitFor } from './wait';

/**
 * What a failover benchmark measures, from the data a service writes as it works (not from its
 * logs): each decision's partition, its commit time and the instance that made it.
 */
export interface Decision {
  readonly partition: number;
  readonly atMs: number;
  readonly by: string;
  /**
   * When the work decided was produced, where an instance other than the partition's owner may
   * finish older work (the dispatcher's pushes of leased listings): only work produced after a
   * kill then proves the victim's partitions are consumed again.
   */
  readonly producedAtMs?: number;
}

/** Every decision committed at or after `fromMs`, in commit order. */
export type DecisionsSince = (fromMs: number) => Promise<readonly Decision[]>;

export interface KillOutcome {
  readonly victim: string;
  readonly restarted: boolean;
  readonly killAtMs: number;
  /** The partitions the victim was deciding just before it was killed. */
  readonly victimPartitions: readonly number[];
  /** Per victim partition: from the kill to its first decision after it. */
  readonly resumedAfterMs: ReadonlyMap<number, number>;
  /** The slowest of them: when the victim's work was all being done again. */
  readonly failoverMs: number;
  /** From the kill to the restarted incarnation's first group join (its process start included); null without a restart. */
  readonly rejoinedAfterMs: number | null;
  /** Who decided the victim's partitions first after the kill. */
  readonly takenBy: readonly string[];
  /** The other partitions' longest gap between decisions, in the 3 s before the kill: what a quiet moment looks like. */
  readonly survivorsGapBeforeMs: number;
  /** The same from 2 s before the kill to 3 s after the failover: a stop-the-world rebalance shows here. */
  readonly survivorsGapAroundMs: number;
  /** Group joins the other instances logged from the kill to 3 s after the failover (0 without a rebalance). */
  readonly survivorJoins: number;
}

const HOLDER_WINDOW_MS = 3_000;
const AFTER_FAILOVER_MS = 3_000;

/** The instance that made each partition's last decision in [fromMs, toMs]. */
export function holders(decisions: readonly Decision[], fromMs: number, toMs: number): Map<number, string> {
  const last = new Map<number, Decision>();
  for (const d of decisions) {
    if (d.atMs < fromMs || d.atMs > toMs) continue;
    const seen = last.get(d.partition);
    if (!seen || d.atMs >= seen.atMs) last.set(d.partition, d);
  }
  return new Map([...last].map(([partition, d]) => [partition, d.by]));
}

/**
 * The longest time any of `partitions` went without a decision in [fromMs, toMs], counting from
 * the window's start to its first decision and from its last to the window's end.
 */
export function longestGap(decisions: readonly Decision[], partitions: readonly number[], fromMs: number, toMs: number): number {
  let longest = 0;
  for (const partition of partitions) {
    const times = decisions.filter((d) => d.partition === partition && d.atMs >= fromMs && d.atMs <= toMs).map((d) => d.atMs).sort((a, b) => a - b);
    let previous = fromMs;
    for (const t of [...times, toMs]) {
      longest = Math.max(longest, t - previous);
      previous = t;
    }
  }
  return longest;
}

/**
 * The slot to kill next: `preferred`, or the next running one after it, whose instance decided
 * something lately. An instance the group left without partitions has nothing to fail over; the
 * slots passed over are returned, so a benchmark can say so.
 */
export async function pickVictim(fleet: FailoverFleet, decisionsSince: DecisionsSince, preferred: number, slots: number): Promise<{ slot: number; passedOver: string[] }> {
  const now = Date.now();
  const deciding = new Set(holders(await decisionsSince(now - HOLDER_WINDOW_MS), now - HOLDER_WINDOW_MS, now).values());
  const passedOver: string[] = [];
  for (let i = 0; i < slots; i++) {
    const slot = (preferred + i) % slots;
    if (!fleet.isRunning(slot)) continue;
    if (deciding.has(fleet.instanceIdOf(slot))) return { slot, passedOver };
    passedOver.push(fleet.instanceIdOf(slot));
  }
  throw new Error(`no running instance decided anything in the last ${HOLDER_WINDOW_MS} ms`);
}

/**
 * SIGKILLs one instance (and restarts it at once with the same group instance id when `restart`),
 * then waits until each partition it was deciding is decided again, and looks at the others.
 */
export async function measureKill(
  fleet: FailoverFleet,
  slot: number,
  decisionsSince: DecisionsSince,
  options: { restart: boolean; partitions: number; timeoutMs: number },
): Promise<KillOutcome> {
  const victim = fleet.instanceIdOf(slot);
  const lookedAt = Date.now();
  const before = await decisionsSince(lookedAt - HOLDER_WINDOW_MS);
  const held = holders(before, lookedAt - HOLDER_WINDOW_MS, lookedAt);
  const victimPartitions = [...held].filter(([, by]) => by === victim).map(([partition]) => partition).sort((a, b) => a - b);
  // A victim deciding nothing would 'fail over' in 0 ms: a figure that measures nothing.
  if (victimPartitions.length === 0) throw new Error(`${victim} decided nothing in the ${HOLDER_WINDOW_MS} ms before its kill; nothing to fail over`);
  const others = range(options.partitions).filter((p) => !victimPartitions.includes(p));

  const killAtMs = Date.now();
  await fleet.kill(slot);
  if (options.restart) fleet.start(slot);

  const resumedAfterMs = new Map<number, number>();
  const takenBy = new Set<string>();
  await waitFor(`the partitions of ${victim} (${victimPartitions.join(', ')}) decided again`, async () => {
    for (const d of await decisionsSince(killAtMs)) {
      if (!victimPartitions.includes(d.partition) || resumedAfterMs.has(d.partition) || d.atMs < killAtMs) continue;
      if (d.producedAtMs !== undefined && d.producedAtMs < killAtMs) continue;
      resumedAfterMs.set(d.partition, d.atMs - killAtMs);
      takenBy.add(d.by);
    }
    return resumedAfterMs.size === victimPartitions.length;
  }, { timeoutMs: options.timeoutMs, intervalMs: 100 });
  const failoverMs = Math.max(0, ...resumedAfterMs.values());

  const windowEnd = killAtMs + failoverMs + AFTER_FAILOVER_MS;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEnd - Date.now())));
  const around = await decisionsSince(killAtMs - 2_000);
  return {
    victim,
    restarted: options.restart,
    killAtMs,
    victimPartitions,
    resumedAfterMs,
    failoverMs,
    rejoinedAfterMs: options.restart ? firstJoinAfter(fleet, fleet.instanceIdOf(slot), killAtMs) : null,
    takenBy: [...takenBy],
    survivorsGapBeforeMs: longestGap(before, others, lookedAt - HOLDER_WINDOW_MS, lookedAt),
    survivorsGapAroundMs: longestGap(around, others, killAtMs - 2_000, windowEnd),
    // The restarted incarnation's own join is not the others' rejoining.
    survivorJoins: fleet.joinsOfOthers(fleet.instanceIdOf(slot), killAtMs, windowEnd).length,
  };
}

/**
 * Waits for a steady group before the next kill: every running instance ready, no join logged for
 * `quietMs`, and every partition decided in the last `windowMs` by a running instance.
 */
export async function untilSteady(fleet: FailoverFleet, decisionsSince: DecisionsSince, partitions: number, options: { quietMs?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const { quietMs = 3_000, windowMs = 1_000, timeoutMs = 180_000 } = options;
  for (const slot of fleet.runningSlots()) await fleet.ready(slot, timeoutMs);
  await waitFor('a steady group: no join lately, every partition decided by a running instance', async () => {
    const now = Date.now();
    if (fleet.joins.some((j) => j.atMs > now - quietMs)) return false;
    const running = new Set(fleet.runningSlots().map((slot) => fleet.instanceIdOf(slot)));
    const held = holders(await decisionsSince(now - windowMs), now - windowMs, now);
    return range(partitions).every((p) => running.has(held.get(p) ?? ''));
  }, { timeoutMs, intervalMs: 250 });
}

function firstJoinAfter(fleet: FailoverFleet, instanceId: string, fromMs: number): number | null {
  const joins = fleet.joins.filter((j) => j.instanceId === instanceId && j.atMs >= fromMs).map((j) => j.atMs - fromMs);
  return joins.length > 0 ? Math.min(...joins) : null;
}

/** Nearest-rank percentile of a non-empty list. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
