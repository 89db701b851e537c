import { samples, topics } from '@cm/schemas';
import { waitFor, type RecordProducer } from '@cm/service-runtime';
import { testKafka, testLogger } from '@cm/test-harness';
import { OutboxRelay, outboxWrite } from '../src/ledger/outbox';
import { outboxRecord, type OutboxRecord } from '../src/records';
import { arbiterWorld, type ArbiterWorld } from './environment';

/** The outbox relay on the real database and broker: swept or published directly, in commit order, nothing lost. */
describe('the outbox relay', () => {
  let world: ArbiterWorld;
  const kafka = testKafka('outbox-tests');
  let producer: RecordProducer;
  beforeAll(async () => {
    world = await arbiterWorld();
    producer = await kafka.producer();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await world?.close();
  });

  let sequence = 0;
  const record = (): OutboxRecord => {
    const id = `outbox-${++sequence}`;
    return outboxRecord(topics.availabilityChanges, samples['availability.changes']({ id, propertyId: 'outbox-p', at: Date.now() }));
  };
  /** Commits records the way a decision does: their rows in a transaction, then handed to the relay. */
  const commit = async (relay: OutboxRelay | null, records: OutboxRecord[]) => {
    await world.db.transaction(async (tx) => {
      for (const write of outboxWrite(tx, records)) await tx.raw(write.sql, write.bindings as never[]);
    });
    relay?.committed(records);
  };
  /** The real producer; `failOnce` makes the next send fail, as a broker outage does. */
  const failing = () => {
    let failNext = 0;
    const wrapped: RecordProducer = {
      async send(topic, records) {
        if (failNext > 0) {
          failNext--;
          throw new Error('broker unavailable');
        }
        await producer.send(topic, records);
      },
      disconnect: async () => undefined,
    };
    return { wrapped, failOnce: () => (failNext = 1) };
  };
  const relayWith = (p: RecordProducer) => new OutboxRelay(world.db, p, world.serde, testLogger, { batchSize: 100, idleMs: 50, namespace: world.namespace });
  /** The event ids on the topic once all of `expected` are there; each counted at its first appearance. */
  const firstAppearances = async (expected: readonly string[]) => {
    const read = await world.read<{ event_id: string }>(world.topics.availabilityChanges, (rs) => expected.every((id) => rs.some((r) => r.event_id === id)), 20_000);
    return [...new Set(read.map((r) => r.event_id))].filter((id) => expected.includes(id));
  };
  const tableIsEmpty = async () => Number((await world.db('outbox').count({ n: '*' }).first())?.n) === 0;

  it('publishes rows left behind first (a crashed instance\'s), then what decisions hand over, in commit order, and empties the table', async () => {
    const leftBehind = [record(), record()];
    await commit(null, leftBehind);
    const relay = relayWith(failing().wrapped);
    relay.start();
    const handed = [record(), record(), record()];
    for (const r of handed) await commit(relay, [r]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await waitFor('publishing directly', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    const direct = record();
    await commit(relay, [direct]);
    await waitFor('the table emptied again', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await relay.stop();
    const order = [...leftBehind, ...handed, direct].map((r) => r.payload.event_id);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it('a failed send loses nothing and sends nothing newer first: the rows are swept, then direct publishing resumes', async () => {
    const { wrapped, failOnce } = failing();
    const relay = relayWith(wrapped);
    relay.start();
    await waitFor('publishing directly', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    failOnce();
    const failed = record();
    await commit(relay, [failed]);
    const later = [record(), record()];
    for (const r of later) await commit(relay, [r]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    const after = record();
    await commit(relay, [after]);
    await waitFor('the table emptied again', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    expect(relay.publishingDirectly).toBe(true);
    await relay.stop();
    const order = [failed, ...later, after].map((r) => r.payload.event_id);
    expect(await firstAppearances(order)).toEqual(order);
  });

  it('while another relay holds the sweep, this one does not publish directly: the other may still hold older rows', async () => {
    const other = await world.db.transaction();
    await other.raw('SELECT pg_advisory_xact_lock(?)', [0x636d6f62]);
    const relay = relayWith(failing().wrapped);
    relay.start();
    const held = record();
    await commit(relay, [held]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(relay.publishingDirectly).toBe(false);
    expect(await tableIsEmpty()).toBe(false);
    await other.commit();
    await waitFor('publishing directly once the lock is free', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await relay.stop();
    expect(await firstAppearances([held.payload.event_id])).toEqual([held.payload.event_id]);
  });

  it('after partitions moved, it sweeps until this instance has taken their fences (a previous owner may still commit until then)', async () => {
    const relay = relayWith(failing().wrapped);
    relay.start();
    await waitFor('publishing directly', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    let fencesTaken!: () => void;
    relay.partitionsMoved(new Promise<void>((resolve) => (fencesTaken = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(relay.publishingDirectly).toBe(false);
    fencesTaken();
    await waitFor('publishing directly again', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    await relay.stop();
  });

  it('rows nobody handed over (a commit whose answer was lost) go out once a decision says it is in doubt', async () => {
    const relay = relayWith(failing().wrapped);
    relay.start();
    await waitFor('publishing directly', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    const unseen = record();
    await commit(null, [unseen]);
    relay.sweepFirst();
    const next = record();
    await commit(relay, [next]);
    await waitFor('the table emptied', tableIsEmpty, { timeoutMs: 10_000, intervalMs: 20 });
    await waitFor('publishing directly again', () => relay.publishingDirectly, { timeoutMs: 10_000, intervalMs: 20 });
    await relay.stop();
    const order = [unseen, next].map((r) => r.payload.event_id);
    expect(await firstAppearances(order)).toEqual(order);
  });
});
