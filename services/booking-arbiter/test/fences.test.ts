import { Registry } from '@cm/service-runtime';
import { emptyProperty, noRates } from '@cm/domain';
import { epochDay } from '@cm/schemas';
import { DeadLetterWriter, type IncomingRecord } from '@cm/service-runtime';
import { sumMetric, testKafka, testLogger } from '@cm/test-harness';
import { Arbiter } from '../src/arbiter';
import { FencedError, Outbox, PartitionFences } from '@cm/service-runtime';
import { loadStates } from '../src/ledger/store';
import { createArbiterMetrics } from '../src/metrics';
import { arbiterWorld, command, type ArbiterWorld } from './environment';

/** Fencing and the exclusion constraint, decided in-process against the real database. */
describe('the ledger refuses what the partition owner did not decide', () => {
  let world: ArbiterWorld;
  const kafka = testKafka('fence-tests');
  beforeAll(async () => {
    world = await arbiterWorld();
  });
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await world?.close();
  });

  async function arbiter(instanceId: string, fences: PartitionFences, overrides: Partial<ConstructorParameters<typeof Arbiter>[0]> = {}) {
    const registry = new Registry();
    const producer = await kafka.producer();
    const arb = new Arbiter({
      db: world.db,
      fences,
      metrics: createArbiterMetrics(registry, async () => 0),
      deadLetters: new DeadLetterWriter(producer, world.serde, world.topics.channelDlq),
      log: testLogger,
      instanceId,
      rates: noRates,
      replies: null,
      // Written in each decision's transaction, never published: these tests read the ledger.
      outbox: new Outbox(world.db, producer, world.serde, testLogger, { table: 'outbox', fences, namespace: world.namespace, batchSize: 100, idleMs: 50 }),
      ...overrides,
    });
    return { arb, registry, close: () => producer.disconnect() };
  }
  const record = (partition: number, offset = 0): IncomingRecord => ({ topic: world.topics.bookingCommands, partition, offset: String(offset), key: null, value: null, headers: {}, timestamp: '0' });

  it('an instance whose partition was assigned to another since cannot commit a decision', async () => {
    const fencesA = new PartitionFences(world.db, 'partition_fences', `fence-test-${world.namespace}`, 'A');
    const fencesB = new PartitionFences(world.db, 'partition_fences', `fence-test-${world.namespace}`, 'B');
    fencesA.assigned([0]);
    const generationA = await fencesA.generationFor(0);
    fencesB.assigned([0]);
    expect(await fencesB.generationFor(0)).toBe(generationA + 1);

    const a = await arbiter('A', fencesA);
    const b = await arbiter('B', fencesB);
    closers.push(a.close, b.close);
    const c = command({ property_id: 'fence-1', source: 'AIRBNB', booking_ref: 'Z' });
    await expect(a.arb.handle(c, record(0))).rejects.toBeInstanceOf(FencedError);
    expect(await world.db('processed_commands').where({ command_id: c.command_id })).toEqual([]);
    expect(await world.db('stays').where({ property_id: 'fence-1' })).toEqual([]);
    expect(sumMetric(await a.registry.metrics(), 'cm_arbiter_fenced_total', {})).toBe(1);

    await b.arb.handle(c, record(0));
    expect(await world.db('processed_commands').where({ command_id: c.command_id }).first('decided_by', 'fence_generation')).toEqual({ decided_by: 'B', fence_generation: generationA + 1 });
  });

  it("a decision in flight holds the fence: the new owner's bump waits for it to commit", async () => {
    const topic = `fence-wait-${world.namespace}`;
    const fencesA = new PartitionFences(world.db, 'partition_fences', topic, 'A');
    const generationA = await fencesA.generationFor(3);
    const inFlight = await world.db.transaction();
    await fencesA.check(inFlight, 3, generationA);
    let bumped = false;
    const bump = new PartitionFences(world.db, 'partition_fences', topic, 'B').generationFor(3).then((g) => ((bumped = true), g));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bumped).toBe(false);
    await inFlight.commit();
    expect(await bump).toBe(generationA + 1);
  });

  it('an exclusion-constraint violation (23P01) is not a crash: decided again on fresh state, it becomes the double-booking decision', async () => {
    const fences = new PartitionFences(world.db, 'partition_fences', `excl-${world.namespace}`, 'A');
    const first = await arbiter('A', fences);
    closers.push(first.close);
    await first.arb.handle(command({ property_id: 'excl-1', source: 'AIRBNB', booking_ref: 'HM', check_in: epochDay('2027-05-01'), check_out: epochDay('2027-05-05') }), record(1, 1));

    // A read that misses the stay holding the nights, once: the write then meets the constraint.
    let staleReads = 0;
    const stale: typeof loadStates = async (tx, versions, needs) =>
      staleReads++ === 0 ? new Map([...versions].map(([id, version]) => [id, { ...emptyProperty(id), version }])) : loadStates(tx, versions, needs);
    const second = await arbiter('A', fences, { loadStates: stale });
    closers.push(second.close);
    const late = command({ property_id: 'excl-1', source: 'VRBO', booking_ref: 'V', check_in: epochDay('2027-05-03'), check_out: epochDay('2027-05-06') });
    await second.arb.handle(late, record(1, 2));

    expect(sumMetric(await second.registry.metrics(), 'cm_arbiter_transaction_retries_total', { code: '23P01' })).toBe(1);
    expect(await world.db('processed_commands').where({ command_id: late.command_id }).first('outcome', 'reason')).toEqual({ outcome: 'rejected', reason: 'nights_unavailable' });
    const holding = await world.db('stays').where({ property_id: 'excl-1' }).whereIn('status', ['PENDING', 'CONFIRMED']).select('stay_key');
    expect(holding).toEqual([{ stay_key: 'AIRBNB:HM' }]);
  });

  it('a chunk that cancels a stay and books its nights is decided together: the constraint is checked at commit, not row by row', async () => {
    const fences = new PartitionFences(world.db, 'partition_fences', `chunk-${world.namespace}`, 'A');
    const a = await arbiter('A', fences);
    closers.push(a.close);
    const nights = { check_in: epochDay('2027-07-01'), check_out: epochDay('2027-07-05') };
    await a.arb.handle(command({ property_id: 'chunk-1', source: 'PMS', booking_ref: 'X', ...nights }), record(2, 1));
    await a.arb.handle(command({ property_id: 'chunk-1', source: 'AIRBNB', booking_ref: 'Y', check_in: epochDay('2027-08-01'), check_out: epochDay('2027-08-03') }), record(2, 2));
    const cancel = command({ property_id: 'chunk-1', source: 'PMS', booking_ref: 'X', source_version: 2, command_type: 'CHANGE_STATUS', status: 'CANCELLED' });
    const rebook = command({ property_id: 'chunk-1', source: 'AIRBNB', booking_ref: 'Y', source_version: 2, command_type: 'MODIFY_DATES', ...nights });
    // AIRBNB:Y sorts before PMS:X, so Y's moved row is written first: an immediate constraint would refuse it.
    await a.arb.handleChunk([{ value: cancel, record: record(2, 3) }, { value: rebook, record: record(2, 4) }]);
    expect(await world.db('processed_commands').whereIn('command_id', [cancel.command_id, rebook.command_id]).orderBy('decision_seq').pluck('outcome')).toEqual(['applied', 'applied']);
    expect(sumMetric(await a.registry.metrics(), 'cm_arbiter_chunk_fallbacks_total', {})).toBe(0);
    expect(sumMetric(await a.registry.metrics(), 'cm_arbiter_transaction_retries_total', {})).toBe(0);
  });

  it('chunks of other partitions handed over while a transaction is in flight are decided together; a fenced partition fails only its own chunk', async () => {
    const topic = `group-${world.namespace}`;
    const fences = new PartitionFences(world.db, 'partition_fences', topic, 'A');
    fences.assigned([4, 5, 6, 7]);
    const loads: string[][] = [];
    const counting: typeof loadStates = async (tx, versions, needs) => {
      loads.push([...versions.keys()].sort());
      return loadStates(tx, versions, needs);
    };
    const a = await arbiter('A', fences, { loadStates: counting, transactionsInFlight: 1 });
    closers.push(a.close);
    const on = (partition: number, property: string) => ({ value: command({ property_id: property, source: 'AIRBNB', booking_ref: property }), record: record(partition, 1) });
    await a.arb.handleChunk([on(4, 'group-warm')]); // the generations are taken: the calls below reach the coalescer at once

    // The first runs alone; the two handed over meanwhile share the next transaction.
    const together = [on(5, 'group-a'), on(6, 'group-b'), on(7, 'group-c')];
    await Promise.all(together.map((item) => a.arb.handleChunk([item])));
    expect(loads.slice(1)).toEqual([['group-a'], ['group-b', 'group-c']]);
    expect(await world.db('processed_commands').whereIn('command_id', together.map((t) => t.value.command_id)).pluck('outcome')).toEqual(['applied', 'applied', 'applied']);

    // Partition 7 is assigned elsewhere: its chunk fails alone, partition 6's is decided.
    await new PartitionFences(world.db, 'partition_fences', topic, 'B').generationFor(7);
    loads.length = 0;
    const blocker = on(5, 'group-d');
    const kept = on(6, 'group-e');
    const fenced = on(7, 'group-f');
    const results = await Promise.allSettled([a.arb.handleChunk([blocker]), a.arb.handleChunk([kept]), a.arb.handleChunk([fenced])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
    expect(await world.db('processed_commands').whereIn('command_id', [blocker, kept, fenced].map((t) => t.value.command_id)).orderBy('property_id').pluck('property_id')).toEqual(['group-d', 'group-e']);
    expect(await world.db('stays').where({ property_id: 'group-f' })).toEqual([]);
  });

  it('the constraint itself refuses overlapping active stays written by anyone, and allows back-to-back ones', async () => {
    await world.db('properties').insert({ property_id: 'sql-1' });
    const stay = (key: string, checkIn: string, checkOut: string, status = 'CONFIRMED') => ({
      property_id: 'sql-1', stay_key: key, kind: 'booking', source: 'PMS', ref: key, status, check_in: checkIn, check_out: checkOut, versions: '{}', ledger_version: 1,
    });
    await world.db('stays').insert(stay('a', '2027-06-01', '2027-06-05'));
    await world.db('stays').insert(stay('b', '2027-06-05', '2027-06-07'));
    await world.db('stays').insert(stay('c', '2027-06-02', '2027-06-03', 'CANCELLED'));
    await expect(world.db('stays').insert(stay('d', '2027-06-04', '2027-06-06'))).rejects.toMatchObject({ code: '23P01' });
    await expect(world.db('stays').insert(stay('e', '2027-06-10', '2027-06-10'))).rejects.toMatchObject({ code: '23514' });
  });
});
