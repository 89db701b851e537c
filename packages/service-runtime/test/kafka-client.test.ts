import { hostname } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { baseConfig, parseConfig } from '../src/config';
import { createKafkaClient } from '../src/kafka/client';
import { partitionOfKey } from '../src/kafka/partition-of-key';
import { DEFAULT_MAX_WAIT_MS, type IncomingRecord } from '../src/kafka/types';
import { startService } from '../src/service';
import { waitFor } from '../src/wait';
import { createTopic, deleteTopics, freePort, spawnNode, stack, testKafka, testLogger, uniqueName, type Spawned } from '@cm/test-harness';

describe('KafkaClient', () => {
  const kafka = testKafka();
  const topics: string[] = [];
  const newTopic = async (prefix: string, partitions: number) => {
    const name = uniqueName(prefix);
    topics.push(name);
    await createTopic(kafka, name, partitions);
    return name;
  };
  afterAll(() => deleteTopics(kafka, topics));

  describe('KAFKA_GROUP_INSTANCE_ID', () => {
    const parse = (id: string) => parseConfig('svc', baseConfig, { OPS_PORT: '9000', KAFKA_GROUP_INSTANCE_ID: id }).KAFKA_GROUP_INSTANCE_ID;

    it('{hostname} is the machine name: the pod name in Kubernetes, the container id in compose', () => {
      expect(parse('{hostname}')).toBe(hostname());
      expect(parse('arbiter-{hostname}')).toBe(`arbiter-${hostname()}`);
      expect(parse('arbiter-0')).toBe('arbiter-0');
    });

    it('an id Kafka would not take back whole (spaces, slashes) is refused at start', () => {
      expect(() => parse('arbiter 0')).toThrow(/KAFKA_GROUP_INSTANCE_ID/);
      expect(() => parse('a/b')).toThrow(/KAFKA_GROUP_INSTANCE_ID/);
      expect(() => parse('')).toThrow(/KAFKA_GROUP_INSTANCE_ID/);
    });
  });

  it("the producer puts each key on the partition Java's partitioner gives it (partitionOfKey)", async () => {
    const topic = await newTopic('test.client.partitions', 7);
    const keys = Array.from({ length: 200 }, (_, i) => `property-${i}-${'x'.repeat(i % 5)}`);
    const producer = await kafka.producer();
    await producer.send(topic, keys.map((key) => ({ key, value: Buffer.from(key), headers: { 'x-key': key } })));
    await producer.disconnect();
    const placed = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: uniqueName('test.client.partitions'), topics: [topic], maxWaitMs: 100 });
    await consumer.start(async (r) => {
      // Headers go out as strings and come back as Buffers.
      expect(r.headers['x-key']).toEqual(Buffer.from(r.key!.toString()));
      placed.set(r.key!.toString(), r.partition);
    });
    await waitFor('every key read', () => placed.size === keys.length, { timeoutMs: 30_000 });
    await consumer.stop();
    expect(keys.filter((key) => placed.get(key) !== partitionOfKey(key, 7))).toEqual([]);
  });

  it('a handler that throws gets the same records again, in order, and none is skipped', async () => {
    const topic = await newTopic('test.client.redeliver', 2);
    const producer = await kafka.producer();
    await producer.send(topic, Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 4}`, value: Buffer.from(String(i)) })));
    await producer.disconnect();

    const seen: string[] = [];
    let failures = 0;
    const consumer = kafka.consumer({ groupId: uniqueName('test.client.redeliver'), topics: [topic], partitionsConsumedConcurrently: 2, maxWaitMs: 100 });
    await consumer.startChunks(async (records) => {
      // The first two chunks holding a value of 20 or more fail: they and what follows come again, in order.
      if (records.some((r) => Number(r.value!.toString()) >= 20) && failures < 2) {
        failures++;
        throw new Error('handler failed on purpose');
      }
      seen.push(...records.map((r) => r.value!.toString()));
    }, 3);
    await waitFor('every record handled', () => new Set(seen).size === 40, { timeoutMs: 30_000 });
    await consumer.stop();
    expect(failures).toBe(2);
    // Per key, the values come in the order they were sent, each once (the failed chunks were not recorded).
    for (let k = 0; k < 4; k++) {
      const ofKey = seen.map(Number).filter((v) => v % 4 === k);
      expect(ofKey).toEqual(Array.from({ length: 10 }, (_, i) => i * 4 + k));
    }
  });

  it('stop() commits what was handled: a restarted member gets nothing twice', async () => {
    const topic = await newTopic('test.client.stop-commit', 3);
    const producer = await kafka.producer();
    await producer.send(topic, Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));
    const groupId = uniqueName('test.client.stop-commit');
    const seen: string[] = [];
    const record = async (r: IncomingRecord) => void seen.push(r.value!.toString());

    // A long commit interval: only stop() commits.
    const first = kafka.consumer({ groupId, topics: [topic], commitIntervalMs: 60_000, maxWaitMs: 100 });
    await first.start(record);
    await waitFor('the first records', () => seen.length === 30, { timeoutMs: 30_000 });
    await first.stop();

    await producer.send(topic, [{ key: 'late', value: Buffer.from('late') }]);
    await producer.disconnect();
    const second = kafka.consumer({ groupId, topics: [topic], maxWaitMs: 100 });
    await second.start(record);
    await waitFor('the record sent after the restart', () => seen.includes('late'), { timeoutMs: 30_000 });
    await second.stop();
    expect(seen.length).toBe(31);
  });

  it("a commit under way holds back no record: the next is handled while the broker has not answered it", async () => {
    const topic = await newTopic('test.client.commit-behind', 1);
    const producer = await kafka.producer();
    const groupId = uniqueName('test.client.commit-behind');
    const seen: string[] = [];
    // Commits after every record; each commit is held until released, as a slow broker would.
    const consumer = kafka.consumer({ groupId, topics: [topic], commitIntervalMs: 0, maxWaitMs: 100 });
    const library = (consumer as unknown as { consumer: { commit(...args: unknown[]): Promise<unknown> } }).consumer;
    const commit = library.commit.bind(library);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let commitsAsked = 0;
    library.commit = async (...args: unknown[]) => {
      commitsAsked++;
      await released;
      return commit(...args);
    };
    try {
      await consumer.start(async (r) => void seen.push(r.value!.toString()));
      await producer.send(topic, [{ key: 'k', value: Buffer.from('first') }]);
      await waitFor('the first record handled and its commit asked for', () => seen.length === 1 && commitsAsked === 1, { timeoutMs: 30_000 });
      await producer.send(topic, [{ key: 'k', value: Buffer.from('second') }]);
      await waitFor('the second record handled while the first commit waits', () => seen.length === 2, { timeoutMs: 5_000 });
      expect(seen).toEqual(['first', 'second']);
    } finally {
      release();
      await consumer.stop();
    }
    // Both committed: a member of the group after it starts at the record sent since (one
    // partition, in order: an uncommitted record would come first).
    await producer.send(topic, [{ key: 'k', value: Buffer.from('third') }]);
    await producer.disconnect();
    const after = kafka.consumer({ groupId, topics: [topic], maxWaitMs: 100 });
    const again: string[] = [];
    await after.start(async (r) => void again.push(r.value!.toString()));
    await waitFor('the record sent since', () => again.includes('third'), { timeoutMs: 30_000 });
    await after.stop();
    expect(again).toEqual(['third']);
  });

  it('consumers merged into one group start each topic where its old group left off: no history replayed, nothing that arrived meanwhile skipped', async () => {
    const [changes, actions, fresh] = [await newTopic('test.client.adopt-changes', 1), await newTopic('test.client.adopt-actions', 2), await newTopic('test.client.adopt-fresh', 1)];
    const producer = await kafka.producer();
    const send = (topic: string, values: readonly string[]) => producer.send(topic, values.map((value, i) => ({ key: `k${i}`, value: Buffer.from(value) })));
    const consumeUntil = async (options: Parameters<typeof kafka.consumer>[0], expected: readonly string[]) => {
      const seen: string[] = [];
      const consumer = kafka.consumer({ maxWaitMs: 100, ...options });
      await consumer.start(async (r) => void seen.push(r.value!.toString()));
      await waitFor(`${expected.length} records`, () => seen.length >= expected.length, { timeoutMs: 30_000 });
      // Anything more would be a record read twice or from before: it gets the time to show up.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await consumer.stop();
      return seen.sort();
    };
    const merged = uniqueName('test.client.adopt');
    const old = `${merged}.actions`;
    // Before: one group per topic, each with its history handled and committed.
    await send(changes, ['c0', 'c1', 'c2']);
    await send(actions, ['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    await send(fresh, ['f0', 'f1']);
    expect(await consumeUntil({ groupId: merged, topics: [changes] }, ['c0', 'c1', 'c2'])).toEqual(['c0', 'c1', 'c2']);
    expect(await consumeUntil({ groupId: old, topics: [actions] }, ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'])).toHaveLength(6);
    // Sent while the upgrade rolls out.
    await send(changes, ['c3']);
    await send(actions, ['a6', 'a7', 'a8', 'a9']);

    // After: one group for both, adopting the actions' old group, and a topic no group ever read (from the beginning).
    const after = { groupId: merged, topics: [changes, actions, fresh], adoptOffsetsFrom: [{ groupId: old, topics: [actions] }] };
    expect(await consumeUntil(after, ['c3', 'a6', 'a7', 'a8', 'a9', 'f0', 'f1'])).toEqual(['a6', 'a7', 'a8', 'a9', 'c3', 'f0', 'f1']);

    // Its own commits stand from then on: a restart adopts nothing again.
    await send(actions, ['a10']);
    expect(await consumeUntil(after, ['a10'])).toEqual(['a10']);
    await producer.disconnect();
  });

  it('an idle consumer long-polls: a handful of fetches a second, not a spin', async () => {
    const topic = await newTopic('test.client.idle', 2);
    const metrics = new Registry();
    const client = createKafkaClient({ clientId: 'idle-test', brokers: stack.KAFKA_BROKERS, logger: testLogger, metrics });
    const consumer = client.consumer({ groupId: uniqueName('test.client.idle'), topics: [topic], maxWaitMs: 500 });
    await consumer.start(async () => undefined);
    await waitFor('joined', () => consumer.isJoined(), { timeoutMs: 30_000 });
    const fetches = async () => (await metrics.getSingleMetric('cm_kafka_fetch_requests_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    const before = await fetches();
    const started = Date.now();
    await waitFor('two idle seconds', () => Date.now() - started >= 2_000, { timeoutMs: 5_000, intervalMs: 100 });
    const made = (await fetches()) - before;
    await consumer.stop();
    // 500 ms long polls on one broker: about 4 in 2 s. A spin makes hundreds.
    expect(made).toBeGreaterThanOrEqual(1);
    expect(made).toBeLessThanOrEqual(12);
  });

  it('by default an idle consumer fetches at most once in several seconds, yet takes a record as it arrives and stops within its wait', async () => {
    const topic = await newTopic('test.client.default-wait', 1);
    const metrics = new Registry();
    const client = createKafkaClient({ clientId: 'default-wait-test', brokers: stack.KAFKA_BROKERS, logger: testLogger, metrics });
    const consumer = client.consumer({ groupId: uniqueName('test.client.default-wait'), topics: [topic] });
    const takenAt: number[] = [];
    await consumer.start(async () => void takenAt.push(Date.now()));
    await waitFor('joined', () => consumer.isJoined(), { timeoutMs: 30_000 });
    const fetches = async () => (await metrics.getSingleMetric('cm_kafka_fetch_requests_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    const before = await fetches();
    const started = Date.now();
    await waitFor('six idle seconds', () => Date.now() - started >= 6_000, { timeoutMs: 10_000, intervalMs: 100 });
    const made = (await fetches()) - before;
    const producer = await client.producer();
    const sentAt = Date.now();
    await producer.send(topic, [{ key: 'k', value: Buffer.from('v') }]);
    await waitFor('the record', () => takenAt.length === 1, { timeoutMs: 10_000, intervalMs: 10 });
    await producer.disconnect();
    const stopping = Date.now();
    await consumer.stop();
    // 15 s long polls: none or one begun in 6 s (500 ms polls made 12). The record does not wait for the poll to end.
    expect(made).toBeLessThanOrEqual(1);
    expect(takenAt[0]! - sentAt).toBeLessThan(DEFAULT_MAX_WAIT_MS / 2);
    expect(Date.now() - stopping).toBeLessThan(DEFAULT_MAX_WAIT_MS + 3_000);
  });

  it('with a fetch interval, records flowing one every 50 ms come a fetch a second, all of them, in order, none waiting much longer than the interval', async () => {
    const topic = await newTopic('test.client.fetch-interval', 1);
    const metrics = new Registry();
    const client = createKafkaClient({ clientId: 'fetch-interval-test', brokers: stack.KAFKA_BROKERS, logger: testLogger, metrics });
    const consumer = client.consumer({ groupId: uniqueName('test.client.fetch-interval'), topics: [topic], fetchIntervalMs: 1_000 });
    const taken: { value: number; atMs: number }[] = [];
    await consumer.startChunks(async (records) => void taken.push(...records.map((r) => ({ value: Number(r.value!.toString()), atMs: Date.now() }))), 100);
    await waitFor('joined', () => consumer.isJoined(), { timeoutMs: 30_000 });
    const fetches = async () => (await metrics.getSingleMetric('cm_kafka_fetch_requests_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    const producer = await client.producer();
    const before = await fetches();
    const sentAt: number[] = [];
    for (let i = 0; i < 60; i++) {
      sentAt.push(Date.now());
      await producer.send(topic, [{ key: 'k', value: Buffer.from(String(i)) }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor('every record', () => taken.length === 60, { timeoutMs: 10_000, intervalMs: 20 });
    const made = (await fetches()) - before;
    await producer.disconnect();
    await consumer.stop();
    expect(taken.map((t) => t.value)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // About 4 s of flow: a fetch a second, give or take the one in flight. One a record would be 60.
    expect(made).toBeLessThanOrEqual(7);
    expect(Math.max(...taken.map((t) => t.atMs - sentAt[t.value]!))).toBeLessThan(1_600);
  });

  it('a service exposes the fetch requests of its consumers as cm_kafka_fetch_requests_total{group}', async () => {
    const topic = await newTopic('test.client.fetch-metric', 1);
    const groupId = uniqueName('test.client.fetch-metric');
    const opsPort = await freePort();
    const service = await startService({
      name: 'fetch-metric-test',
      configSchema: baseConfig,
      async start(context) {
        const consumer = context.kafka.consumer({ groupId, topics: [topic], maxWaitMs: 100 });
        await consumer.start(async () => undefined);
        context.onStop('consumer', () => consumer.stop());
      },
    }, { ...process.env, OPS_PORT: String(opsPort), LOG_LEVEL: 'fatal' });
    try {
      const fetchesOf = async () => {
        const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('cm_kafka_fetch_requests_total{') && l.includes(`group="${groupId}"`));
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      };
      await waitFor('fetches counted', async () => (await fetchesOf()) >= 3, { timeoutMs: 30_000, intervalMs: 100 });
    } finally {
      await service.stop();
    }
  });

  it('onAssignment is called on every join, before any record of the partitions it names', async () => {
    const topic = await newTopic('test.client.assignment', 4);
    const groupId = uniqueName('test.client.assignment');
    const producer = await kafka.producer();
    const member = (name: string) => {
      const assignments: number[][] = [];
      const handled: { partition: number; assignment: number }[] = [];
      const consumer = kafka.consumer({ groupId, topics: [topic], maxWaitMs: 100 });
      consumer.onAssignment((assigned) => assignments.push([...(assigned.get(topic) ?? [])]));
      const start = () => consumer.start(async (r) => void handled.push({ partition: r.partition, assignment: assignments.length }));
      return { name, consumer, assignments, handled, start };
    };
    const a = member('a');
    const b = member('b');
    await a.start();
    await waitFor('a joined', () => a.assignments.length === 1, { timeoutMs: 30_000 });
    expect(a.assignments[0]).toEqual([0, 1, 2, 3]);
    await b.start();
    await waitFor('both hold partitions', () => (a.assignments.at(-1)?.length ?? 0) > 0 && (b.assignments.at(-1)?.length ?? 0) > 0 && a.assignments.at(-1)!.length + b.assignments.at(-1)!.length === 4, { timeoutMs: 60_000 });
    await producer.send(topic, Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));
    await producer.disconnect();
    await waitFor('every record handled', () => a.handled.length + b.handled.length >= 40, { timeoutMs: 30_000 });
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
    for (const m of [a, b]) {
      // Each record came under an assignment that named its partition.
      for (const h of m.handled) expect({ member: m.name, partition: h.partition, assigned: m.assignments[h.assignment - 1] }).toEqual(expect.objectContaining({ assigned: expect.arrayContaining([h.partition]) }));
    }
  });

  describe('static membership', () => {
    const SESSION_TIMEOUT_MS = 30_000;
    const children: Spawned[] = [];
    afterAll(async () => {
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    });
    const spawnMember = (topic: string, groupId: string, instanceId: string) => {
      const spawned = spawnNode(join(__dirname, 'fixtures', 'static-member.js'), {
        TEST_TOPIC: topic,
        TEST_GROUP: groupId,
        TEST_INSTANCE_ID: instanceId,
        CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        LOG_LEVEL: 'warn',
      });
      children.push(spawned);
      return spawned;
    };
    const linesOf = (spawned: Spawned) => spawned.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { assigned?: number[]; joinMs?: number; partition?: number; value?: string });

    it('a killed static member restarted with its id takes its partitions back at once, and the other member is not rebalanced; stop() hands them over at once', async () => {
      const topic = await newTopic('test.client.static', 4);
      const groupId = uniqueName('test.client.static');
      const pk = createKafkaClient({ clientId: 'static-test', brokers: stack.KAFKA_BROKERS, logger: testLogger });
      const other = pk.consumer({ groupId, topics: [topic], sessionTimeoutMs: SESSION_TIMEOUT_MS, maxWaitMs: 100 });
      const otherAssignments: number[][] = [];
      const otherHandled: string[] = [];
      other.onAssignment((assigned) => otherAssignments.push([...(assigned.get(topic) ?? [])]));
      await other.start(async (r) => void otherHandled.push(r.value!.toString()));
      await waitFor('the other member joined alone', () => otherAssignments.at(-1)?.length === 4, { timeoutMs: 30_000 });

      const first = spawnMember(topic, groupId, 'static-b');
      await waitFor('the static member holds two partitions', () => linesOf(first).some((l) => l.assigned?.length === 2) && otherAssignments.at(-1)?.length === 2, { timeoutMs: 60_000 });
      const staticPartitions = linesOf(first).filter((l) => l.assigned).at(-1)!.assigned!;
      const otherJoinsBefore = otherAssignments.length;

      // Killed: no LeaveGroup, the group keeps its partitions for it until the session times out.
      first.child.kill('SIGKILL');
      await first.exited();
      const restartedAt = Date.now();
      const second = spawnMember(topic, groupId, 'static-b');
      await waitFor('the restarted member got its partitions back', () => linesOf(second).some((l) => l.assigned?.length === 2), { timeoutMs: SESSION_TIMEOUT_MS });
      expect(Date.now() - restartedAt).toBeLessThan(SESSION_TIMEOUT_MS);
      const rejoin = linesOf(second).find((l) => l.assigned)!;
      expect(rejoin.assigned).toEqual(staticPartitions);
      expect(rejoin.joinMs).toBeLessThan(SESSION_TIMEOUT_MS / 6);

      // It consumes them, and the other member went on without a rebalance.
      const producer = await pk.producer();
      await producer.send(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));
      await waitFor('all records handled by the two members', () => linesOf(second).filter((l) => l.value !== undefined).length + otherHandled.length >= 20, { timeoutMs: 30_000 });
      expect(new Set(linesOf(second).filter((l) => l.value !== undefined).map((l) => l.partition))).toEqual(new Set(staticPartitions));
      expect(otherAssignments.length).toBe(otherJoinsBefore);

      // A graceful stop leaves the group: the other member gets everything well before the session timeout.
      const stoppedAt = Date.now();
      second.child.kill('SIGTERM');
      expect(await second.exited()).toBe(0);
      await waitFor('the other member holds every partition', () => otherAssignments.at(-1)?.length === 4, { timeoutMs: SESSION_TIMEOUT_MS });
      expect(Date.now() - stoppedAt).toBeLessThan(SESSION_TIMEOUT_MS / 3);
      await producer.disconnect();
      await other.stop();
    });
  });
});
