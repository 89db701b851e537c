import { join } from 'node:path';
import { createDatabase } from '../src/postgres';
import { waitFor } from '../src/wait';
import { spawnNode, createTopic, deleteTopics, freePort, stack, testKafka, uniqueName } from '@cm/test-harness';

const FIXTURE = join(__dirname, 'fixtures', 'recording-consumer.js');
const RECORDS = 1500;

describe('graceful shutdown', () => {
  const kafka = testKafka();
  const db = createDatabase(stack.DATABASE_URL);
  const topic = uniqueName('test.sigterm');
  const table = uniqueName('processed').toLowerCase();

  beforeAll(async () => {
    await createTopic(kafka, topic, 6);
    // No unique key on purpose: a record processed twice must show up as two rows.
    await db.schema.createTable(table, (t) => {
      t.string('key').notNullable();
      t.integer('seq').notNullable();
      t.integer('partition').notNullable();
      t.bigInteger('record_offset').notNullable();
      t.integer('pid').notNullable();
    });
  });
  afterAll(async () => {
    await db.schema.dropTableIfExists(table);
    await db.destroy();
    await deleteTopics(kafka, [topic]);
  });

  const count = async () => Number((await db(table).count({ n: '*' }))[0]!.n);

  it('SIGTERM during a stream: after a restart every record is processed and none twice', async () => {
    const env = {
      TEST_TOPIC: topic,
      TEST_GROUP: uniqueName('test.sigterm.group'),
      TEST_TABLE: table,
      DATABASE_URL: stack.DATABASE_URL,
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
    };
    const first = spawnNode(FIXTURE, { ...env, OPS_PORT: String(await freePort()) });

    const producer = await kafka.producer();
    const sending = (async () => {
      for (let seq = 0; seq < RECORDS / 10; seq++) {
        await producer.send(topic, Array.from({ length: 10 }, (_, k) => ({ key: `property-${k}`, value: Buffer.from(String(seq)) })));
      }
    })();

    await waitFor('some records processed', async () => (await count()) >= 200, { timeoutMs: 60_000 });
    first.child.kill('SIGTERM');
    const firstExit = await first.exited();
    const processedByFirst = await count();
    expect({ exit: firstExit, output: firstExit === 0 ? '' : first.output() }).toEqual({ exit: 0, output: '' });
    expect(first.output()).toContain('stopped cleanly');
    expect(processedByFirst).toBeLessThan(RECORDS);

    await sending;
    await producer.disconnect();
    const second = spawnNode(FIXTURE, { ...env, OPS_PORT: String(await freePort()), TEST_DELAY_MS: '0' });
    try {
      await waitFor('every record processed', async () => (await count()) >= RECORDS, { timeoutMs: 60_000 });
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited()).toBe(0);
    }

    const duplicates = await db(table).select('key', 'seq').count({ n: '*' }).groupBy('key', 'seq').havingRaw('count(*) > 1');
    expect(duplicates).toEqual([]);
    expect(await count()).toBe(RECORDS);
    const pids = await db(table).distinct('pid');
    expect(pids).toHaveLength(2);
  });
});
