import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Every process the main job starts, so that every way out of it stops them all: a run that
 * fails (the arbiter not deciding in time), one that succeeds, and SIGINT or SIGTERM to the job
 * itself (issue 24.5: a failed run left the channel simulator running). Each is sent SIGTERM and
 * given `graceMs` to stop (our services stop within SHUTDOWN_TIMEOUT_MS), then SIGKILL.
 */
export class OwnedProcesses {
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly graceMs = 15_000) {}

  /** Takes a started process in; returns it, so a start reads `owned.add('x', spawn(...))`. */
  add<C extends ChildProcess>(name: string, child: C): C {
    this.children.push({ name, child });
    return child;
  }

  /** Stops every process still running, the last started first; the same promise however often it is called. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { child } of [...this.children].reverse()) await stopChild(child, this.graceMs);
    })();
    return this.stopping;
  }

  /** Runs the work and stops every process after it, whether it returned or threw. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      await this.stopAll();
    }
  }

  /**
   * On SIGINT or SIGTERM: stops them all, then exits 128 + the signal's number, as a shell reports
   * it. On an error nothing caught (a callback that threw, a promise nobody awaited), which would
   * end the process at once and leave its children running: says what it was, stops them, exits 1.
   */
  stopOnSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        void this.stopAll().finally(() => exit(code));
      });
    }
    const crashed = (error: unknown) => {
      process.stderr.write(`failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      void this.stopAll().finally(() => exit(1));
    };
    process.once('uncaughtException', crashed);
    process.once('unhandledRejection', crashed);
  }
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
