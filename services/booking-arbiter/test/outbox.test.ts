import { samples, topics } from '@cm/schemas';
import { Outbox, PartitionFences, waitFor, type OutboxRecord, type RecordProducer } from '@cm/service-runtime';
import { testKafka, testLogger, uniqueName } from '@cm/test-harness';
import { outboxRecord } from '../src/records';
import { arbiterWorld, type ArbiterWorld } from './environment';

/**
 * The runtime's outbox on the ledger's table, the real database and broker: each partition swept
 * or published directly by its fenced owner, in commit order, nothing lost, no lock shared by
 * partitions.
 */
describe('the outbox', () => {
  let world: ArbiterWorld;
  const kafka = testKafka('outbox-tests');
  let producer: RecordProducer;
  const running: Outbox[] = [];
  beforeAll(async () => {
    world = await arbiterWorld();
    producer = await kafka.producer();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((outbox) => outbox.stop()));
  });
  afterAll(async () => {
    await producer?.disconnect();
    await world?.close();
  });

  let sequence = 0;
  const record = (partition = 0): OutboxRecord => {
    const id = `outbox-${++sequence}`;
    return { ...outboxRecord(topics.availabilityChanges, samples['availability.changes']({ id, propertyId: 'outbox-p', at: Date.now() })), partition };
  };
  const eventIdOf = (r: OutboxRecord) => (r.payload as { event_id: string }).event_id;
  /** Commits records the way a decision does: their rows in a transaction, then handed to the outbox. */
  const commit = async (outbox: Outbox | null, records: OutboxRecord[]) => {
    await world.db.transaction(async (tx) => {
      for (const r of records) await tx('outbox').insert({ kafka_partition: r.partition, event_id: r.eventId, topic: r.topic, record_key: r.key, payload: JSON.stringify(r.payload) });
    });
    outbox?.committed(records);
  };
  /** The real producer, noting each send asked for (when, how many records); `failOnce` and `failFor` make sends fail, as a broker outage does. */
  const watched = () => {
    const sends: { atMs: number; records: number }[] = [];
    let failNext = 0;
    let failUntilMs = 0;
    const wrapped: RecordProducer = {
      async send(topic, records) {
        sends.push({ atMs: Date.now(), records: records.length });
        if (failNext > 0) {
          failNext--;
          throw new Error('broker unavailable');
        }
        if (Date.now() < failUntilMs) throw new Error('broker unavailable');
        await producer.send(topic, records);
      },
      disconnect: async () => undefined,
    };
    return { wrapped, sends, failOnce: () => (failNext = 1), failFor: (ms: number) => (failUntilMs = Date.now() + ms) };
  };
  /** An instance's outbox: its own fences on a topic of the test, assigned `partitions`, started. */
  const instance = (topic: string, owner: string, partitions: number[], p: RecordProducer = producer, options: { notifyChannel?: string; publishLingerMs?: number; batchSize?: number } = {}) => {
    const fences = new PartitionFences(world.db, 'partition_fences', topic, owner);
    const outbox = new Outbox(world.db, p, world.serde, testLogger, { table: 'outbox', fences, namespace: world.namespace, idleMs: 50, ...options, batchSize: options.batchSize ?? 100 });
    fences.assigned(partitions);
    outbox.start();
    running.push(outbox);
    return { outbox, fences };
  };
  /** The event ids on the topic once all of `expected` are there; each counted at its first appearance. */
  const firstAppearances = async (expected: readonly string[]) => {
    const read = await world.read<{ event_id: string }>(world.topics.availabilityChanges, (rs) => expected.every((id) => rs.some((r) => r.event_id === id)), 20_000);
    return [...new Set(read.map((r) => r.event_id))].filter((id) => expected.includes(id));
  };
  const rowsOf = async (records: readonly OutboxRecord[]) => Number((await world.db('outbox').whereIn('event_id', records.map((r) => r.eventId)).count({ n: '*' }).first())?.n);
  const tableIsEmpty = async () => Number((await world.db('outbox').count({ n: '*' }).first())?.n) === 0;

  it("publishes rows left behind first (a crashed instance's), then what decisions hand over, in commit order, and empties the table", async () => {
    const leftBehind = [record(), record()];
    await commit(null, leftBehind);
    const { outbox } = instance(uniqueName('t'), 'A', [0], watched().wrapped);
    const handed = [record(), record(), record()];
    for (const r of handed) await commit(outbox, [r]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    const direct = record();
    await commit(outbox, [direct]);
    await waitFor('the table emptied again', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    const order = [...leftBehind, ...handed, direct].map(eventIdOf);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it('a failed send loses nothing and sends nothing newer first: the rows are swept, then direct publishing resumes', async () => {
    const { wrapped, failOnce } = watched();
    const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped);
    await waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    failOnce();
    const failed = record();
    await commit(outbox, [failed]);
    const later = [record(), record()];
    for (const r of later) await commit(outbox, [r]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    const after = record();
    await commit(outbox, [after]);
    await waitFor('the table emptied again', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    expect(outbox.publishesDirectly(0)).toBe(true);
    const order = [failed, ...later, after].map(eventIdOf);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it("each partition is swept by its own owner, with no lock held across a send: a stuck owner holds back neither another partition nor its heir's fence", async () => {
    const topic = uniqueName('t');
    let unstick!: () => void;
    const stuck = new Promise<void>((resolve) => (unstick = resolve));
    const stuckProducer: RecordProducer = { send: async (t, rs) => stuck.then(() => producer.send(t, rs)), disconnect: async () => undefined };
    const a = instance(topic, 'A', [0], stuckProducer);
    const b = instance(topic, 'B', [1]);
    await waitFor('both publishing directly', () => a.outbox.publishesDirectly(0) && b.outbox.publishesDirectly(1), { timeoutMs: 10_000, intervalMs: 20 });
    const ofA = [record(0), record(0)];
    const ofB = [record(1), record(1)];
    await commit(null, [...ofA, ...ofB]);
    a.outbox.inDoubt();
    b.outbox.inDoubt();
    await waitFor("partition 1's rows swept while partition 0's owner is stuck in a send", async () => (await rowsOf(ofB)) === 0, { timeoutMs: 10_000, intervalMs: 20 });
    expect(await rowsOf(ofA)).toBe(ofA.length);
    // Partition 0 moves on: the heir's bump does not wait for the stuck send, and it sweeps the rows.
    const heir = instance(topic, 'heir', [0]);
    await expect(Promise.race([heir.fences.generationFor(0), new Promise((_, reject) => setTimeout(() => reject(new Error('the bump waited')), 3_000))])).resolves.toEqual(expect.any(Number));
    await waitFor("partition 0's rows swept by the heir", async () => (await rowsOf(ofA)) === 0, { timeoutMs: 10_000, intervalMs: 20 });
    unstick();
    expect(await firstAppearances([...ofA, ...ofB].map(eventIdOf))).toEqual(expect.arrayContaining([...ofA, ...ofB].map(eventIdOf)));
  });

  it('an owner fenced out of a partition publishes none of its rows any more; the new owner sweeps them, in order', async () => {
    const topic = uniqueName('t');
    let sentByOld = 0;
    const counting: RecordProducer = { send: async (t, rs) => ((sentByOld += rs.length), producer.send(t, rs)), disconnect: async () => undefined };
    const old = instance(topic, 'old', [2], counting);
    await waitFor('publishing directly', () => old.outbox.publishesDirectly(2), { timeoutMs: 10_000, intervalMs: 20 });
    // Rows the old owner committed and never handed over; then the partition moves: the heir's
    // fence bump comes first, and the old owner's next sweep finds itself fenced.
    const left = [record(2), record(2)];
    await commit(null, left);
    const heir = instance(topic, 'heir', [2]);
    await heir.fences.generationFor(2);
    old.outbox.inDoubt();
    await waitFor('the heir swept them', async () => (await rowsOf(left)) === 0, { timeoutMs: 10_000, intervalMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sentByOld).toBe(0);
    expect(old.outbox.publishesDirectly(2)).toBe(false);
    expect(await firstAppearances(left.map(eventIdOf))).toEqual(left.map(eventIdOf));
  });

  it("after an assignment, a partition is swept only once this instance's fence bump is done (a previous owner's decision in flight commits until then)", async () => {
    const topic = uniqueName('t');
    const previous = new PartitionFences(world.db, 'partition_fences', topic, 'previous');
    const generation = await previous.generationFor(3);
    // The previous owner's decision in flight holds its fence row.
    const inFlight = await world.db.transaction();
    await previous.check(inFlight, 3, generation);
    const late = record(3);
    await inFlight('outbox').insert({ kafka_partition: 3, event_id: late.eventId, topic: late.topic, record_key: late.key, payload: JSON.stringify(late.payload) });
    const { outbox } = instance(topic, 'next', [3]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outbox.publishesDirectly(3)).toBe(false);
    await inFlight.commit();
    await waitFor('publishing directly once the bump is done', () => outbox.publishesDirectly(3), { timeoutMs: 10_000, intervalMs: 20 });
    expect(await rowsOf([late])).toBe(0);
    expect(await firstAppearances([eventIdOf(late)])).toEqual([eventIdOf(late)]);
  });

  it("a record handed over while the published rows' delete waits goes out without waiting for it", async () => {
    const { wrapped, sends } = watched();
    // A batch of two: two records published make their delete due at once, with no linger.
    const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped, { batchSize: 2 });
    await waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    const first = [record(), record()];
    const later = record();
    await commit(null, first);
    // Their rows locked, as a slow disk or a vacuum would hold their delete.
    const holder = await world.db.transaction();
    try {
      await holder.raw('SELECT 1 FROM outbox WHERE event_id = ANY(?::text[]) FOR UPDATE', [first.map((r) => r.eventId)]);
      outbox.committed(first);
      await waitFor("the published rows' delete waiting for their lock", async () => {
        const waiting = await world.db.raw("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM outbox%'");
        return (waiting.rows[0] as { n: number }).n > 0;
      }, { timeoutMs: 5_000, intervalMs: 20 });
      await commit(outbox, [later]);
      await waitFor('the later record sent while the delete waits', () => sends.length >= 2, { timeoutMs: 3_000, intervalMs: 10 });
      expect(await rowsOf(first)).toBe(first.length);
    } finally {
      await holder.commit();
    }
    await waitFor('the table emptied once the lock is gone', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    const order = [...first, later].map(eventIdOf);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it('rows nobody handed over (a commit whose answer was lost) go out once a decision says it is in doubt', async () => {
    const { outbox } = instance(uniqueName('t'), 'A', [0], watched().wrapped);
    await waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    const unseen = record();
    await commit(null, [unseen]);
    outbox.inDoubt();
    const next = record();
    await commit(outbox, [next]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await waitFor('publishing directly again', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    const order = [unseen, next].map(eventIdOf);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it('an idle relay publishing directly sleeps until its safety sweep, yet a record handed over goes out at once', async () => {
    const { outbox } = instance(uniqueName('t'), 'A', [0]);
    await waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });
    const idleSince = Date.now();
    await waitFor('a second and a half idle', () => Date.now() - idleSince >= 1_500, { timeoutMs: 5_000, intervalMs: 50 });
    const handed = record();
    const committedAt = Date.now();
    await commit(outbox, [handed]);
    await waitFor('its row deleted once sent', async () => (await rowsOf([handed])) === 0, { timeoutMs: 10_000, intervalMs: 10 });
    // The relay's idle sleep runs to the safety sweep (30 s): the hand-over woke it.
    expect(Date.now() - committedAt).toBeLessThan(2_000);
    expect(await firstAppearances([eventIdOf(handed)])).toEqual([eventIdOf(handed)]);
  });

  describe('with a publish linger', () => {
    const directly = async (outbox: Outbox) => waitFor('publishing directly', () => outbox.publishesDirectly(0), { timeoutMs: 10_000, intervalMs: 20 });

    it('records handed over within the linger go out in one send, in commit order, once the first has waited its time', async () => {
      const { wrapped, sends } = watched();
      const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped, { publishLingerMs: 700 });
      await directly(outbox);
      const handed = [record(), record(), record(), record()];
      const firstAt = Date.now();
      for (const r of handed) {
        await commit(outbox, [r]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await waitFor('their rows deleted once sent', async () => (await rowsOf(handed)) === 0, { timeoutMs: 10_000, intervalMs: 10 });
      expect(sends.map((s) => s.records)).toEqual([4]);
      expect(sends[0]!.atMs - firstAt).toBeGreaterThanOrEqual(700);
      expect(await firstAppearances(handed.map(eventIdOf))).toEqual(handed.map(eventIdOf));
    });

    it('a full batch does not wait for the linger', async () => {
      const { wrapped, sends } = watched();
      const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped, { publishLingerMs: 60_000, batchSize: 3 });
      await directly(outbox);
      const handed = [record(), record(), record()];
      // One at a time: the relay, woken by the first, sleeps out the linger until the third fills the batch.
      for (const r of handed) await commit(outbox, [r]);
      await waitFor('their rows deleted once sent', async () => (await rowsOf(handed)) === 0, { timeoutMs: 10_000, intervalMs: 10 });
      expect(sends.map((s) => s.records)).toEqual([3]);
    });

    it('a stop sends what lingers and deletes its rows', async () => {
      const { wrapped, sends } = watched();
      const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped, { publishLingerMs: 60_000 });
      await directly(outbox);
      const handed = [record(), record()];
      await commit(outbox, handed);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sends).toEqual([]);
      await outbox.stop();
      running.splice(running.indexOf(outbox), 1);
      expect(sends.map((s) => s.records)).toEqual([2]);
      expect(await rowsOf(handed)).toBe(0);
      expect(await firstAppearances(handed.map(eventIdOf))).toEqual(handed.map(eventIdOf));
    });

    it('while sends fail, the relay retries at its idle pace (50 ms here), not in a spin; the record goes once the broker is back', async () => {
      const { wrapped, sends, failFor } = watched();
      const { outbox } = instance(uniqueName('t'), 'A', [0], wrapped, { publishLingerMs: 300 });
      await directly(outbox);
      failFor(1_000);
      const handed = record();
      await commit(outbox, [handed]);
      await waitFor('its row deleted once sent', async () => (await rowsOf([handed])) === 0, { timeoutMs: 10_000, intervalMs: 10 });
      // About one attempt per idle pause over the second of failures; a loop that did not sleep makes hundreds.
      expect(sends.length).toBeGreaterThanOrEqual(2);
      expect(sends.length).toBeLessThanOrEqual(40);
      expect(await firstAppearances([eventIdOf(handed)])).toEqual([eventIdOf(handed)]);
    });
  });

  it("a write made by an instance that does not own the partition is published by the owner at once, told by PostgreSQL's NOTIFY", async () => {
    const topic = uniqueName('t');
    const notifyChannel = uniqueName('cm_outbox').toLowerCase();
    const owner = instance(topic, 'owner', [4], producer, { notifyChannel });
    await waitFor('publishing directly', () => owner.outbox.publishesDirectly(4), { timeoutMs: 10_000, intervalMs: 20 });
    const other = instance(topic, 'other', [], producer, { notifyChannel });
    const written = record(4);
    await world.db.transaction((tx) => other.outbox.write(tx, [written]));
    // Well before the owner's safety sweep (30 s): the notification made it sweep.
    await waitFor('the owner published it', async () => (await rowsOf([written])) === 0, { timeoutMs: 5_000, intervalMs: 20 });
    expect(await firstAppearances([eventIdOf(written)])).toEqual([eventIdOf(written)]);
  });

  it('rows written before the outbox was partitioned are placed by their key at start, and go out before the newer records of that key', async () => {
    const legacy = record(5);
    await world.db('outbox').insert({ kafka_partition: null, event_id: legacy.eventId, topic: legacy.topic, record_key: legacy.key, payload: JSON.stringify(legacy.payload) });
    const fences = new PartitionFences(world.db, 'partition_fences', uniqueName('t'), 'A');
    const outbox = new Outbox(world.db, producer, world.serde, testLogger, { table: 'outbox', fences, namespace: world.namespace, batchSize: 100, idleMs: 50 });
    expect(await outbox.placeUnpartitioned((key) => (key === legacy.key ? 5 : -1))).toBe(1);
    expect(await world.db('outbox').where({ event_id: legacy.eventId }).first('kafka_partition')).toEqual({ kafka_partition: 5 });
    fences.assigned([5]);
    outbox.start();
    running.push(outbox);
    const newer = record(5);
    await commit(outbox, [newer]);
    await waitFor('both published', async () => (await rowsOf([legacy, newer])) === 0, { timeoutMs: 10_000, intervalMs: 20 });
    expect(await firstAppearances([legacy, newer].map(eventIdOf))).toEqual([legacy, newer].map(eventIdOf));
  });
});
