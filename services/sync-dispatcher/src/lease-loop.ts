import { Waker } from '@cm/service-runtime';
import type { Lease } from './store/sync-store';

/** How often work whose wait ended is looked for when nothing announced work, while work is about. */
const POLL_MS = 250;
/**
 * How often it is looked for once nothing was claimed, announced or carried out for ACTIVE_MS.
 * Issue 22.3: three loops polling every 250 ms were 12 of an idle dispatcher's statements a
 * second. Work announced (`wake`) is claimed at once whatever the interval; what may wait up to
 * IDLE_POLL_MS longer is work whose wait ended after ACTIVE_MS of quiet: a late retry (backoff
 * grows to RETRY_MAX_MS, 30 s; AFTER_FAILURE_MS, 30 s) or a lapsed lease, taken over within
 * LEASE_MS + IDLE_POLL_MS instead of LEASE_MS + POLL_MS.
 */
const IDLE_POLL_MS = 2_000;
/** Covers the first retries after work (250 ms doubling: the first five within 8 s) at POLL_MS. */
const ACTIVE_MS = 10_000;

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
  /** The polls' intervals (tests shorten them): POLL_MS while work was about within ACTIVE_MS, else IDLE_POLL_MS. */
  readonly polls?: { readonly pollMs: number; readonly idlePollMs: number; readonly activeMs: number };
}

/**
 * The lease-and-claim loop of a worker: claims due items up to its free slots, carries each out,
 * and claims again when work is announced (`wake`) or, for items whose wait ended (backoff, rate
 * limit, a lapsed lease), every poll interval; not after every item, which would query for nothing.
 * Items leased elsewhere can be `offer`ed: they go before any claim, as slots free up.
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
  /** When work was last announced, claimed or carried out: the poll is slow once this is ACTIVE_MS old. */
  private lastBusyAtMs: number;
  private readonly polls: { readonly pollMs: number; readonly idlePollMs: number; readonly activeMs: number };

  constructor(private readonly options: LeaseLoopOptions<Item>) {
    this.polls = options.polls ?? { pollMs: POLL_MS, idlePollMs: IDLE_POLL_MS, activeMs: ACTIVE_MS };
    this.lastBusyAtMs = options.now();
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New work was recorded: look now rather than at the next poll. */
  wake(): void {
    this.backlog = true;
    this.lastBusyAtMs = this.options.now();
    this.waker.wake();
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
      const pollMs = this.pollMs();
      if (free > 0 && (this.backlog || now() - this.lastClaimAtMs >= pollMs)) {
        this.backlog = false;
        this.lastClaimAtMs = now();
        const claimed = await this.claim(free);
        if (claimed.length === free) this.backlog = true;
        for (const item of claimed) this.launch(item);
      }
      if (!this.backlog || this.busySlots >= concurrency) await this.waker.sleep(this.pollMs());
    }
  }

  private pollMs(): number {
    const busy = this.busySlots > 0 || this.options.now() - this.lastBusyAtMs < this.polls.activeMs;
    return busy ? this.polls.pollMs : this.polls.idlePollMs;
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
    this.lastBusyAtMs = this.options.now();
    let held = true;
    const freeSlot = () => {
      if (!held) return;
      held = false;
      this.busySlots--;
      this.launchReady();
      if (this.backlog) this.waker.wake();
    };
    const job = this.options.work(item, freeSlot).catch((error: unknown) => this.options.workFailed(error, item));
    this.inFlight.add(job);
    void job.finally(() => {
      this.lastBusyAtMs = this.options.now();
      this.inFlight.delete(job);
      freeSlot();
    });
  }
}
