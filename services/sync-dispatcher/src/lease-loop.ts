import { Waker } from '@cm/service-runtime';
import type { Lease } from './store/sync-store';

/**
 * How often due work is looked for when nothing announced it and no wait this loop knows of
 * ends sooner: work released by another instance that stopped, or whose lease lapsed, is taken
 * within LEASE_MS + POLL_MS. Work this loop released with a wait (a retry's backoff, a rate
 * limit, the wait after a reported failure) is claimed when its wait ends (`dueAt`), not found by
 * polling: issue 22.3 counted three loops polling every 250 ms while work was about as half a
 * statement per booking at 25 bookings/s. Idle, the three loops' polls are most of an idle
 * dispatcher's statements: 5 s rather than 2 s took them from 1.5 to 0.6 a second, and a lapsed
 * lease already waits LEASE_MS (30 s by default).
 */
const POLL_MS = 5_000;

/** Waits this loop remembers at most; past that, the later ones are found by the poll. */
const MAX_DUE_TIMES = 10_000;

export interface LeaseLoopOptions<Item> {
  readonly owner: string;
  readonly leaseMs: number;
  /** Items carried out at once. */
  readonly concurrency: number;
  readonly now: () => number;
  /** Leases up to `limit` items due at `nowMs` under `lease`. */
  readonly claim: (lease: Lease, nowMs: number, limit: number) => Promise<Item[]>;
  /** A claim failed: nothing was leased, and the next poll tries again. */
  readonly claimFailed: (error: unknown) => void;
  /**
   * Carries one item out. It holds a slot until it calls `freeSlot` (at the latest, until it
   * settles): work that no longer needs the slot (recording an outcome) can let the next item go.
   */
  readonly work: (item: Item, freeSlot: () => void) => Promise<void>;
  /** The work failed unexpectedly: its lease lapses and it is tried again. */
  readonly workFailed: (error: unknown, item: Item) => void;
  /** Gives back an item `offer`ed and not started when the loop stopped; without it, its lease lapses. */
  readonly releaseUnstarted?: (item: Item) => Promise<void>;
  /** How often due work is looked for when no known wait ends sooner (tests shorten it; default POLL_MS). */
  readonly pollMs?: number;
}

/**
 * The lease-and-claim loop of a worker: claims due items up to its free slots, carries each out,
 * and claims again when work is announced (`wake`), when a wait it was told of ends (`dueAt`:
 * backoff, rate limit), and every poll interval (a lapsed lease, another instance's work); not
 * after every item, which would query for nothing. Items leased elsewhere can be `offer`ed: they
 * go before any claim, as slots free up.
 */
export class LeaseLoop<Item> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  /** Every item not finished, outcome recording included (stop waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Items holding a slot. */
  private busySlots = 0;
  /** Items leased elsewhere, waiting for a slot: started before any claim. */
  private readonly ready: Item[] = [];
  private lastLeaseUntilMs = 0;
  /** Items may be due that no lease covers: claim at once instead of at the next poll. */
  private backlog = true;
  private lastClaimAtMs = 0;
  /** When waits this loop was told of end, earliest first. */
  private readonly dueTimes: number[] = [];
  private readonly pollMs: number;

  constructor(private readonly options: LeaseLoopOptions<Item>) {
    this.pollMs = options.pollMs ?? POLL_MS;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New work was recorded: look now rather than at the next poll. */
  wake(): void {
    this.backlog = true;
    this.waker.wake();
  }

  /** Work this loop gave back falls due at `atMs` (a retry's backoff, a rate limit's wait): claim then. */
  dueAt(atMs: number): void {
    if (this.dueTimes.length >= MAX_DUE_TIMES) return;
    let i = this.dueTimes.length;
    while (i > 0 && this.dueTimes[i - 1]! > atMs) i--;
    this.dueTimes.splice(i, 0, atMs);
    if (i === 0) this.waker.wake();
  }

  /**
   * A lease for this owner whose end no other lease of it shares, so the statement that takes
   * it can tell the rows it leased from rows this owner already held.
   */
  nextLease(): Lease {
    this.lastLeaseUntilMs = Math.max(this.options.now() + this.options.leaseMs, this.lastLeaseUntilMs + 1);
    return { owner: this.options.owner, untilMs: this.lastLeaseUntilMs };
  }

  /** Carries out items already leased as soon as slots are free. */
  offer(items: readonly Item[]): void {
    this.ready.push(...items);
    this.launchReady();
  }

  /** Stops claiming, waits for the items in flight, and gives back those offered and not started. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.inFlight);
    // Leased but not started: given back due now, rather than left to lapse with the lease.
    const unstarted = this.ready.splice(0);
    const release = this.options.releaseUnstarted;
    if (release) await Promise.all(unstarted.map((item) => release(item).catch(() => undefined)));
  }

  private launchReady(): void {
    while (this.running && this.ready.length > 0 && this.busySlots < this.options.concurrency) this.launch(this.ready.shift()!);
  }

  private async run(): Promise<void> {
    const { concurrency, now } = this.options;
    while (this.running) {
      this.launchReady();
      const free = concurrency - this.busySlots;
      if (this.takeEndedWaits(now())) this.backlog = true;
      if (free > 0 && (this.backlog || now() - this.lastClaimAtMs >= this.pollMs)) {
        this.backlog = false;
        this.lastClaimAtMs = now();
        const claimed = await this.claim(free);
        if (claimed.length === free) this.backlog = true;
        for (const item of claimed) this.launch(item);
      }
      // With every slot taken, a slot freed wakes the loop when there is work to claim.
      if (this.busySlots >= concurrency) await this.waker.sleep(this.pollMs);
      else if (!this.backlog) await this.waker.sleep(this.sleepMs(now()));
    }
  }

  /** Forgets the waits that ended by `nowMs`; whether there were any. */
  private takeEndedWaits(nowMs: number): boolean {
    let ended = 0;
    while (ended < this.dueTimes.length && this.dueTimes[ended]! <= nowMs) ended++;
    this.dueTimes.splice(0, ended);
    return ended > 0;
  }

  /** Until the next poll, or the end of the first wait this loop knows of if sooner. */
  private sleepMs(nowMs: number): number {
    const untilPoll = this.pollMs - (nowMs - this.lastClaimAtMs);
    const next = this.dueTimes[0];
    return Math.max(1, Math.min(untilPoll, next === undefined ? Infinity : next - nowMs));
  }

  private async claim(limit: number): Promise<Item[]> {
    try {
      return await this.options.claim(this.nextLease(), this.options.now(), limit);
    } catch (error) {
      this.options.claimFailed(error);
      return [];
    }
  }

  private launch(item: Item): void {
    this.busySlots++;
    let held = true;
    const freeSlot = () => {
      if (!held) return;
      held = false;
      this.busySlots--;
      this.launchReady();
      if (this.backlog || (this.dueTimes[0] ?? Infinity) <= this.options.now()) this.waker.wake();
    };
    const job = this.options.work(item, freeSlot).catch((error: unknown) => this.options.workFailed(error, item));
    this.inFlight.add(job);
    void job.finally(() => {
      this.inFlight.delete(job);
      freeSlot();
    });
  }
}
