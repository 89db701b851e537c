import type { Knex, Logger, SessionLock } from '@cm/service-runtime';
import { enterReleasingPredecessor, gaveAnyBack, releaseDeadMembers, type Incarnation } from './store/member-leases';

/** How often the member's lock is tried again while another session holds it. */
const RETRY_MS = 1_000;

export interface MemberTakeoverDeps {
  readonly db: Knex;
  /** Opens a session for the member's lock; `lost` is told if it breaks while the lock is held. */
  readonly connectLock: (lost: (error: Error) => void) => Promise<SessionLock>;
  readonly log: Logger;
  readonly now: () => number;
  /** Told when a dead process's work was given back after the loops started: they claim it now. */
  readonly released: () => void;
}

/**
 * What a dead process had leased and not finished is taken over as soon as it is known dead,
 * not LEASE_MS (30 s) after: listings, reservation actions and rate pushes.
 *
 * - A process restarted in place (the same KAFKA_GROUP_INSTANCE_ID, as Kubernetes restarts a
 *   pod) gets its partitions back within a second or two (static membership), and at start it
 *   gives back its predecessor's leases: a restart measured at 30 s instead of 2 (issue 22.2).
 * - A process whose partitions move to this one (a member died and did not come back, and its
 *   session timed out) gives back the leases of every dead member's process.
 *
 * Both are safe only once that process is dead: its member's session lock says so, since
 * PostgreSQL drops the lock when its holder's process dies; and each process leases under a
 * name of its own, so a live process's leases are never taken for its predecessor's. While
 * another live session holds this process's own member lock (two processes given one member,
 * or a frozen one), it tries again each second and, after LEASE_MS, leaves its predecessor's
 * leases to lapse. Should the lock's session break (PostgreSQL restarted), it takes the lock
 * again as soon as it can: until then, this process looks dead to the others' next rebalance.
 */
export class MemberTakeover {
  private lock: SessionLock | undefined;
  private entered = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: MemberTakeoverDeps,
    private readonly me: Incarnation,
    private readonly giveUpAfterMs: number,
  ) {}

  /**
   * Takes the member's lock and gives back its predecessor's leases: settles after the first
   * try, so the loops start after it and claim what it gave back. While another session holds
   * the lock it tries again each second, and `deps.released` is told if a later try gave work back.
   */
  async start(): Promise<void> {
    const until = this.deps.now() + this.giveUpAfterMs;
    const attempt = async (): Promise<boolean> => {
      let heldElsewhere = false;
      try {
        if (this.stopped) return false;
        if (!this.lock) {
          const lock = await this.deps.connectLock((error) => this.lost(error));
          // Stopped while connecting: nothing may hold the lock past stop().
          if (this.stopped) return (await lock.close(), false);
          this.lock = lock;
        }
        if (await this.lock.tryTake()) return this.enter();
        heldElsewhere = true;
      } catch (error) {
        // PostgreSQL unreachable: tried again until it answers, however long.
        this.deps.log.warn({ err: error, member: this.me.member }, 'could not try the member lock; trying again');
        await this.dropLock();
      }
      if (this.stopped) return false;
      if (heldElsewhere && this.deps.now() >= until) {
        this.deps.log.warn({ member: this.me.member }, 'another live session holds this member\'s lock (two processes with one KAFKA_GROUP_INSTANCE_ID?): what its process leased lapses after LEASE_MS');
        return false;
      }
      this.timer = setTimeout(() => void attempt().then((gaveBack) => gaveBack && this.deps.released()), RETRY_MS);
      return false;
    };
    await attempt();
  }

  /** Partitions came to this process: gives back what dead members' processes leased. */
  async partitionsMoved(): Promise<void> {
    if (this.stopped) return;
    try {
      const back = await releaseDeadMembers(this.deps.db, this.me);
      if (back.deadOwners.length > 0) this.deps.log.info({ deadOwners: back.deadOwners, listings: back.listings, actions: back.actions, rates: back.rates }, 'dead members\' leases given back');
      if (gaveAnyBack(back)) this.deps.released();
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not give back dead members\' leases: they lapse after LEASE_MS');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.dropLock();
  }

  /** The lock's session broke: another process may now take this one for dead, so the lock is taken again. */
  private lost(error: Error): void {
    if (this.stopped) return;
    this.deps.log.warn({ err: error, member: this.me.member }, 'the member lock\'s session broke: taking it again');
    void this.dropLock().then(() => this.start());
  }

  private async dropLock(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.close().catch(() => undefined);
  }

  /** Records this process as the member's; whether its predecessor's work was given back. */
  private async enter(): Promise<boolean> {
    try {
      const back = await enterReleasingPredecessor(this.deps.db, this.me, this.deps.now());
      if (back.predecessor !== null) this.deps.log.info({ member: this.me.member, predecessor: back.predecessor, listings: back.listings, actions: back.actions, rates: back.rates }, 'took over from this member\'s previous process: its leases given back');
      else if (this.entered && !back.recorded) this.deps.log.warn({ member: this.me.member }, 'while its lock was lost, another process took this one for dead: it may have taken this process\'s leases too');
      this.entered = true;
      return gaveAnyBack(back);
    } catch (error) {
      // Its leases lapse as they would have without this.
      this.deps.log.warn({ err: error, member: this.me.member }, 'could not give back the previous process\'s leases: they lapse after LEASE_MS');
      return false;
    }
  }
}
