import { SessionLock, type Knex, type Logger } from '@cm/service-runtime';
import { enterReleasingPredecessor, type Incarnation } from './store/predecessor-leases';

/** How often the member's lock is tried again while another session holds it. */
const RETRY_MS = 1_000;

export interface PredecessorDeps {
  readonly db: Knex;
  readonly lock: SessionLock;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * A process restarted in place (the same KAFKA_GROUP_INSTANCE_ID, as Kubernetes restarts a pod)
 * takes back at once what the process before it had leased and not finished. Static membership
 * gives it its partitions back within a second or two, but listings, reservation actions and
 * rate pushes its predecessor leased would wait LEASE_MS (30 s) to lapse: a restart measured at
 * 30 s instead of 2 (issue 22.2). It is safe only once the predecessor is dead: the member's
 * session lock says so, since PostgreSQL drops it when its holder's process dies. While another
 * live session holds it (two processes given one member, or a frozen one), this process tries
 * again each second and, after LEASE_MS, leaves those leases to lapse.
 */
export class PredecessorTakeover {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: PredecessorDeps,
    private readonly me: Incarnation,
    private readonly giveUpAfterMs: number,
  ) {}

  /** Tries now and, while the lock is held elsewhere, again; `released` is told when work was given back. */
  start(released: () => void): void {
    const until = this.deps.now() + this.giveUpAfterMs;
    const attempt = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        if (await this.deps.lock.tryTake()) return this.enter(released);
      } catch (error) {
        this.deps.log.warn({ err: error, member: this.me.member }, 'could not try the member lock; trying again');
      }
      if (this.stopped) return;
      if (this.deps.now() >= until) {
        this.deps.log.warn({ member: this.me.member }, 'another live session holds this member\'s lock (two processes with one KAFKA_GROUP_INSTANCE_ID?): what its process leased lapses after LEASE_MS');
        return;
      }
      this.timer = setTimeout(() => void attempt(), RETRY_MS);
    };
    void attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.deps.lock.close();
  }

  private async enter(released: () => void): Promise<void> {
    try {
      const back = await enterReleasingPredecessor(this.deps.db, this.me, this.deps.now());
      if (back.predecessor !== null) this.deps.log.info({ member: this.me.member, predecessor: back.predecessor, listings: back.listings, actions: back.actions, rates: back.rates }, 'took over from this member\'s previous process: its leases given back');
      if (back.listings + back.actions + back.rates > 0) released();
    } catch (error) {
      // Its leases lapse as they would have without this.
      this.deps.log.warn({ err: error, member: this.me.member }, 'could not give back the previous process\'s leases: they lapse after LEASE_MS');
    }
  }
}
