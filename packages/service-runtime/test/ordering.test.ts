import type { IncomingRecord } from '../src/kafka/types';
import { waitFor } from '../src/wait';
import { createTopic, deleteTopics, testKafka, uniqueName } from '@cm/test-harness';

const PROPERTIES = 24;
const SEQUENCES = 60;

describe('per-property ordering', () => {
  const kafka = testKafka();
  const topic = uniqueName('test.ordering');

  beforeAll(() => createTopic(kafka, topic, 12));
  afterAll(() => deleteTopics(kafka, [topic]));

  it('each property sees its records in sequence, none missing and none twice, across a consumer restart', async () => {
    const producer = await kafka.producer();
    // Interleaved across properties the way channels send them; one send per round keeps it fast.
    for (let seq = 0; seq < SEQUENCES; seq++) {
      await producer.send(
        topic,
        Array.from({ length: PROPERTIES }, (_, p) => ({ key: `property-${p}`, value: Buffer.from(String(seq)) })),
      );
    }
    await producer.disconnect();

    const seen = new Map<string, number[]>();
    const record = async (r: IncomingRecord) => {
      const key = r.key!.toString();
      seen.set(key, [...(seen.get(key) ?? []), Number(r.value!.toString())]);
    };
    const total = () => [...seen.values()].reduce((n, s) => n + s.length, 0);
    const groupId = uniqueName('test.ordering.group');

    const first = kafka.consumer({ groupId, topics: [topic], partitionsConsumedConcurrently: 4 });
    // Slowed, so that it is stopped part way through (a consumer that commits rarely is quick).
    await first.start(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await record(r);
    });
    await waitFor('a third of the records', () => total() >= (PROPERTIES * SEQUENCES) / 3, { timeoutMs: 30_000, intervalMs: 5 });
    await first.stop();
    const beforeRestart = total();
    expect(beforeRestart).toBeLessThan(PROPERTIES * SEQUENCES);

    const second = kafka.consumer({ groupId, topics: [topic], partitionsConsumedConcurrently: 4 });
    await second.start(record);
    await waitFor('every record', () => total() >= PROPERTIES * SEQUENCES, { timeoutMs: 30_000 });
    await second.stop();

    const expected = Array.from({ length: SEQUENCES }, (_, i) => i);
    expect(seen.size).toBe(PROPERTIES);
    for (const [key, sequence] of seen) expect({ key, sequence }).toEqual({ key, sequence: expected });
  });
});
