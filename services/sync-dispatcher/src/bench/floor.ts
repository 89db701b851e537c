import { Agent, request } from 'undici';
import { createDatabase, waitFor, type KafkaClient, type Registry } from '@cm/service-runtime';
import type { Lags } from './lags';
import { CostMeter, type CostPerBooking } from './cost';

/**
 * The floor of the sync path, in the same run: the same hops with nothing of ours in them.
 * Produce; a consumer commits one row to PostgreSQL and produces again; a second consumer POSTs
 * one availability update to the simulator. Per record, from the first produce to the answer.
 * Measured, like the pipeline, after a warm-up at the same rate (`warmupSeconds`, not measured).
 */
export async function measureFloor(input: {
  kafka: KafkaClient;
  databaseUrl: string;
  topics: readonly string[];
  simulatorUrl: string;
  listing: { listings: Record<string, string> };
  rate: number;
  seconds: number;
  warmupSeconds: number;
  namespace: string;
  /** What the machine spends, sampled around the measured bookings. */
  cost: CostMeter;
  /** Where the floor's pool counts its statements (cm_db_statements_total, pool 'floor'). */
  statements: Registry;
}): Promise<Lags & { cost: CostPerBooking; loadSeconds: number }> {
  const [inTopic, outTopic] = input.topics as [string, string];
  const db = createDatabase(input.databaseUrl, { pool: { min: 1, max: 12 }, statements: { registry: input.statements, pool: 'floor' } });
  if (!(await db.schema.hasTable('floor_commits'))) await db.schema.createTable('floor_commits', (t) => {
    t.text('id').primary();
    t.bigInteger('at_ms').notNullable();
  });
  const producer = await input.kafka.producer();
  const run = `${input.rate}-${Date.now()}`;
  const values: number[] = [];
  let warmedUp = 0;
  const first = input.kafka.consumer({ groupId: `${input.namespace}.floor.first.${run}`, topics: [inTopic], partitionsConsumedConcurrently: 12, fromBeginning: false });
  const second = input.kafka.consumer({ groupId: `${input.namespace}.floor.second.${run}`, topics: [outTopic], partitionsConsumedConcurrently: 12, fromBeginning: false });
  await first.start(async (record) => {
    const id = record.value!.toString();
    await db.transaction(async (tx) => tx('floor_commits').insert({ id: `${run}:${id}`, at_ms: Date.now() }));
    await producer.send(outTopic, [{ key: record.key?.toString() ?? null, value: record.value! }]);
  });
  const listingId = input.listing.listings.AIRBNB!;
  const keepAlive = new Agent({ keepAliveTimeout: 30_000 });
  await second.start(async (record) => {
    const [id, sentAt] = record.value!.toString().split(':');
    // The dispatcher's own HTTP client (undici's request, keep-alive), so the floor is no slower than our path.
    const answer = await request(`${input.simulatorUrl}/airbnb/api/listings/${listingId}/availability`, {
      method: 'POST',
      dispatcher: keepAlive,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: `${run}:${record.value!.toString()}`, updates: [{ from: '2030-01-01', to: '2030-01-03', available: false }] }),
    });
    await answer.body.text();
    if (id!.startsWith('w')) warmedUp++;
    else values.push(Date.now() - Number(sentAt));
  });
  await waitFor('both floor consumers joined', () => first.isJoined() && second.isJoined(), { timeoutMs: 30_000, intervalMs: 50 });
  /** Produces `count` records at the rate; resolves with the seconds it took, more than asked when this process could not keep the pace. */
  const paced = async (count: number, id: (i: number) => string) => {
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const wait = started + (i * 1000) / input.rate - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      void producer.send(inTopic, [{ key: `k${i % 200}`, value: Buffer.from(`${id(i)}:${Date.now()}`) }]);
    }
    return (Date.now() - started + 1000 / input.rate) / 1000;
  };
  const warmup = input.rate * input.warmupSeconds;
  await paced(warmup, (i) => `w${i}`);
  await waitFor('the warm-up through', () => warmedUp >= warmup, { timeoutMs: 30_000, intervalMs: 50 }).catch(() => undefined);
  const total = input.rate * input.seconds;
  const before = await input.cost.sample('start');
  const loadSeconds = await paced(total, String);
  const deadline = Date.now() + 30_000;
  while (values.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const cost = CostMeter.perBooking(before, await input.cost.sample('end'), total);
  await Promise.all([first.stop(), second.stop()]);
  await producer.disconnect();
  await keepAlive.close();
  await db.destroy();
  return { values: [...values].sort((a, b) => a - b), missing: total - values.length, cost, loadSeconds };
}
