import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { waitFor } from './wait';

/**
 * Instances of one service in one consumer group, as a failover benchmark or test runs them: each
 * slot keeps its KAFKA_GROUP_INSTANCE_ID across restarts (as a Kubernetes pod keeps its name),
 * while each incarnation gets an INSTANCE_ID of its own, so the data says which process decided.
 */
export interface FleetOptions {
  /** The service's compiled main. */
  readonly script: string;
  /** Names the slots: `<name>-<slot>` is the group instance id, `<name>-<slot>.<incarnation>` the INSTANCE_ID. */
  readonly name: string;
  readonly env: Record<string, string>;
  /** What differs between slots besides OPS_PORT (another listening port, say). */
  readonly envOf?: (slot: number) => Record<string, string>;
  /** The consumer group whose joins are kept (a service may run several). */
  readonly groupId: string;
  /** OPS_PORT of slot i is opsPortBase + i; a SIGKILLed process frees its port at once, so a restart reuses it. */
  readonly opsPortBase: number;
}

/** One 'joined consumer group' line of an instance (logged by the runtime's consumer): when, and the partitions it was given, by topic. */
export interface GroupJoin {
  readonly atMs: number;
  readonly groupId: string;
  readonly instanceId: string;
  readonly assignment: Readonly<Record<string, readonly number[]>>;
}

interface Incarnation {
  readonly instanceId: string;
  readonly child: ChildProcess;
  readonly startedAtMs: number;
  readonly exited: Promise<unknown>;
}

export class FailoverFleet {
  private readonly slots = new Map<number, Incarnation>();
  private readonly incarnations = new Map<number, number>();
  private readonly killed = new Set<string>();
  /** Every group join any instance logged, in the order read. */
  readonly joins: GroupJoin[] = [];

  constructor(private readonly options: FleetOptions) {}

  /** Starts (or restarts) a slot's process now; does not wait for it to be ready. */
  start(slot: number): string {
    if (this.isRunning(slot)) throw new Error(`${this.options.name} slot ${slot} is already running`);
    const incarnation = (this.incarnations.get(slot) ?? 0) + 1;
    this.incarnations.set(slot, incarnation);
    const instanceId = `${this.options.name}-${slot}.${incarnation}`;
    const child = spawn(process.execPath, [this.options.script], {
      env: {
        ...process.env,
        ...this.options.env,
        ...this.options.envOf?.(slot),
        // info: the runtime logs each group join, with its assignment, at info.
        LOG_LEVEL: 'info',
        OPS_PORT: String(this.options.opsPortBase + slot),
        INSTANCE_ID: instanceId,
        KAFKA_GROUP_INSTANCE_ID: `${this.options.name}-${slot}`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Only the join lines are kept (and, with BENCH_INSTANCE_LOG_DIR, every line, in a file per
    // incarnation, to see where a restart spends its time); the rest is read and dropped so the
    // child never blocks on a full pipe.
    const logFile = instanceLog(instanceId);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logFile?.write(`${line}\n`);
      if (!line.includes('joined consumer group')) return;
      const parsed = parseJoin(line, instanceId);
      if (parsed && parsed.groupId === this.options.groupId) this.joins.push(parsed);
    });
    // 'close', not 'exit': lines still in the pipe when the process exits are read after it.
    child.once('close', () => logFile?.end());
    this.slots.set(slot, { instanceId, child, startedAtMs: Date.now(), exited: once(child, 'exit') });
    return instanceId;
  }

  instanceIdOf(slot: number): string {
    const running = this.slots.get(slot);
    if (!running) throw new Error(`${this.options.name} slot ${slot} was never started`);
    return running.instanceId;
  }

  isRunning(slot: number): boolean {
    const running = this.slots.get(slot);
    return running !== undefined && running.child.exitCode === null && running.child.signalCode === null;
  }

  runningSlots(): number[] {
    return [...this.slots.keys()].filter((slot) => this.isRunning(slot));
  }

  /**
   * Starts again every slot whose process exited without being killed here (it failed to start, say
   * on a database out of connections); the instance ids that had exited.
   */
  restartExited(): string[] {
    const exited = [...this.slots].filter(([slot, r]) => !this.isRunning(slot) && !this.killed.has(r.instanceId)).map(([slot, r]) => ({ slot, instanceId: r.instanceId }));
    for (const { slot } of exited) this.start(slot);
    return exited.map((e) => e.instanceId);
  }

  /** SIGKILL: no shutdown, no LeaveGroup, no commit; the broker learns of it only by its silence. */
  async kill(slot: number): Promise<void> {
    const running = this.slots.get(slot);
    if (!running || !this.isRunning(slot)) return;
    this.killed.add(running.instanceId);
    running.child.kill('SIGKILL');
    await running.exited;
  }

  /** Waits until the slot answers ready (its consumers joined), or throws if it exits first. */
  async ready(slot: number, timeoutMs = 120_000): Promise<void> {
    const port = this.options.opsPortBase + slot;
    await waitFor(`${this.instanceIdOf(slot)} ready`, async () => {
      if (!this.isRunning(slot)) throw new Error(`${this.instanceIdOf(slot)} exited`);
      return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
    }, { timeoutMs, intervalMs: 100 });
  }

  /** Joins of instances other than `except`'s current incarnation, logged in [fromMs, toMs]. */
  joinsOfOthers(exceptInstanceId: string, fromMs: number, toMs: number): GroupJoin[] {
    return this.joins.filter((j) => j.instanceId !== exceptInstanceId && j.atMs >= fromMs && j.atMs <= toMs);
  }

  /** Per the instances' join lines: who was last given `partition` of `topic` at or before `atMs`. */
  holderAt(topic: string, partition: number, atMs: number): string | undefined {
    let holder: GroupJoin | undefined;
    for (const j of this.joins) if (j.atMs <= atMs && (j.assignment[topic] ?? []).includes(partition) && (!holder || j.atMs >= holder.atMs)) holder = j;
    return holder?.instanceId;
  }

  async stopAll(): Promise<void> {
    const running = this.runningSlots().map((slot) => this.slots.get(slot)!);
    for (const r of running) r.child.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
  }
}

/** With BENCH_INSTANCE_LOG_DIR, a file for an incarnation's log lines, its first line when it was spawned. */
function instanceLog(instanceId: string): WriteStream | undefined {
  const dir = process.env.BENCH_INSTANCE_LOG_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(join(dir, `${instanceId}.log`));
  // A log that cannot be written costs the log, not the run.
  file.on('error', (error) => process.stderr.write(`could not write ${instanceId}'s log in ${dir}: ${error.message}\n`));
  file.write(`${JSON.stringify({ time: Date.now(), msg: 'spawned' })}\n`);
  return file;
}

function parseJoin(line: string, instanceId: string): GroupJoin | undefined {
  try {
    const entry = JSON.parse(line) as { time?: number; groupId?: string; assignment?: Record<string, number[]> };
    return { atMs: entry.time ?? Date.now(), groupId: entry.groupId ?? '', instanceId, assignment: entry.assignment ?? {} };
  } catch {
    return undefined;
  }
}
