import type { BookingCommand, BookingEvent } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { arbiterWorld, type ArbiterProcess, type ArbiterWorld } from './environment';
import { FENCE_GOING_BACKWARDS, OVERLAPPING_ACTIVE_STAYS } from './ledger-invariants';
import { contentionWorkload } from './workload';

/**
 * Issue 22.2: instances SIGKILLed and restarted at once with the same group instance id (as
 * Kubernetes restarts a pod), again and again, while conflicting bookings flow: every command is
 * decided once, nothing overlaps, and nothing is lost on the way to booking.events.
 */
const INSTANCES = 3;
const KILLS = 3;
/** A short session bounds how long a killed member's partitions wait should its restart be slow. */
const FAST_FAILOVER = { CONSUMER_SESSION_TIMEOUT_MS: '6000', IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000' };
const SLICE = 40;
const SLICE_EVERY_MS = 250;

describe('booking-arbiter failover under SIGKILL and restart', () => {
  let world: ArbiterWorld;
  beforeAll(async () => {
    world = await arbiterWorld();
  });
  afterEach(() => world?.killArbiters());
  afterAll(() => world?.close());

  const decided = async () => Number((await world.db('processed_commands').count({ n: '*' }))[0]!.n);

  it('three instances, one SIGKILLed and restarted with its group instance id three times while conflicting commands flow: each command decided once, no overlap, no zombie write, every decision published', async () => {
    // Overlapping stays on 20 properties from five channels, with cancellations, date changes, blocks and duplicates.
    const workload = contentionWorkload({ seed: 20261205, properties: 20, commands: 9000, prefix: 'f' });
    const incarnations = new Map<number, number>();
    const start = (slot: number): Promise<ArbiterProcess> => {
      const incarnation = (incarnations.get(slot) ?? 0) + 1;
      incarnations.set(slot, incarnation);
      return world.startArbiter(`arbiter-${slot}.${incarnation}`, { ...FAST_FAILOVER, KAFKA_GROUP_INSTANCE_ID: `arbiter-${slot}` });
    };
    const running = await Promise.all(Array.from({ length: INSTANCES }, (_, slot) => start(slot)));

    const flow = new Flow(workload, (commands) => world.send(commands));
    flow.start();
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const slot = kill % INSTANCES;
        // Mid-flow: the victim has decided something since it (or the last restart) joined.
        const before = await decided();
        await waitFor('decisions since the last restart', async () => (await decided()) > before + 100, { timeoutMs: 30_000, intervalMs: 50 });
        running[slot]!.child.kill('SIGKILL');
        await running[slot]!.exited();
        running[slot] = await start(slot);
      }
      // A little more flow after the last restart, so its instance works too (unless a slow
      // machine's restarts took so long that the workload is all sent already).
      const after = Math.min(flow.sentCount() + 5 * SLICE, workload.length);
      await waitFor('more commands sent after the last restart', () => flow.sentCount() >= after, { timeoutMs: 30_000, intervalMs: 50 });
    } finally {
      await flow.stop();
    }

    const sent = flow.sent();
    const distinct = new Set(sent.map((c) => c.command_id));
    await waitFor('every command sent decided', async () => (await decided()) >= distinct.size, { timeoutMs: 60_000, intervalMs: 100 });

    // Once each: processed_commands is keyed by command id, so no second row; none missing, none foreign.
    const rows: { command_id: string; decided_by: string; outcome: string }[] = await world.db('processed_commands').select('command_id', 'decided_by', 'outcome');
    expect(rows.length).toBe(distinct.size);
    expect(rows.filter((r) => !distinct.has(r.command_id))).toEqual([]);
    expect((await world.db.raw(OVERLAPPING_ACTIVE_STAYS)).rows).toEqual([]);
    expect((await world.db.raw(FENCE_GOING_BACKWARDS)).rows).toEqual([]);
    // The flow did conflict (some bookings refused), and the kills landed on working instances.
    expect(rows.some((r) => r.outcome === 'rejected')).toBe(true);
    const deciders = new Set(rows.map((r) => r.decided_by));
    for (let slot = 0; slot < KILLS; slot++) expect(deciders).toContain(`arbiter-${slot}.1`);

    // Nothing lost on the way out: one decision per command on booking.events (a record the relay
    // sent again after a kill carries the same decision), for every command.
    const events = await world.read<BookingEvent>(world.topics.bookingEvents, (r) => new Set(r.map((e) => e.command_id)).size >= distinct.size, 60_000);
    const byCommand = new Map<string, Set<string>>();
    for (const e of events) byCommand.set(e.command_id, (byCommand.get(e.command_id) ?? new Set()).add(`${e.event_type}/${e.version}/${e.reason}`));
    expect([...byCommand].filter(([, decisions]) => decisions.size > 1)).toEqual([]);
    expect(byCommand.size).toBe(distinct.size);
  });
});

/** Sends the workload a slice at a time on a steady beat, until stopped or sent whole. */
class Flow {
  private sentUpTo = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly workload: readonly BookingCommand[],
    private readonly send: (commands: readonly BookingCommand[]) => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.sentUpTo >= this.workload.length) return;
      const slice = this.workload.slice(this.sentUpTo, this.sentUpTo + SLICE);
      this.sentUpTo += slice.length;
      // One send after the other, so the commands reach the topic in the workload's order.
      this.inFlight = this.inFlight.then(() => this.send(slice));
    }, SLICE_EVERY_MS);
  }

  sentCount(): number {
    return this.sentUpTo;
  }

  /** Stops the beat and waits for what was handed to the producer; throws if a send failed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  sent(): readonly BookingCommand[] {
    return this.workload.slice(0, this.sentUpTo);
  }
}
