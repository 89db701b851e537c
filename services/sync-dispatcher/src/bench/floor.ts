import { createServer, type Server } from 'node:http';
import { Agent, request } from 'undici';
import { createDatabase, waitFor, type KafkaClient, type Registry } from '@cm/service-runtime';
import type { Booking } from './acknowledgements';
import type { Lags } from './lags';
import { CostMeter, type CostPerBooking } from './cost';
import { CHANNELS, type BenchProperty } from './properties';

/** Books at a paced rate on the floor's listings; the bookings whose webhook was answered, and the seconds the sending took. */
export type FloorBooking = (rate: number, seconds: number) => Promise<{ bookings: Booking[]; seconds: number }>;

/**
 * The floor of the sync path, in the same run: the same platform traffic and the same hops, with
 * nothing of ours in them. A guest books on a simulated channel (the same simulator, on listings
 * of the floor's own) and the channel sends its webhook to a bare HTTP receiver here, which
 * produces it and answers once the broker has it; a consumer commits one row to PostgreSQL and
 * produces again; a second consumer POSTs the nights, closed, to the property's three other
 * channel listings on the simulator, at once. Per booking, from the webhook's sending to the last
 * of the three answers, as the path is measured. No signature is checked, no directory read, no
 * decision made, no outcome recorded: what costs more than this is what our services add.
 * Measured, like the path, once the caller has warmed its code with a first run, after a short
 * warm-up of its own consumers at the same rate (`warmupSeconds`, not measured).
 */
export async function measureFloor(input: {
  kafka: KafkaClient;
  databaseUrl: string;
  topics: readonly string[];
  simulatorUrl: string;
  /** The floor's properties, their listings registered on the simulator with their webhooks sent to `receiverPort`. */
  properties: readonly BenchProperty[];
  receiverPort: number;
  book: FloorBooking;
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
  const byListing = new Map(input.properties.flatMap((p) => CHANNELS.map((channel) => [p.listings[channel]!, { property: p, channel }] as const)));
  const receiver = await listen(input.receiverPort, async (body) => {
    const webhook = JSON.parse(body) as { event_id: string; listing_id: string };
    const booked = byListing.get(webhook.listing_id);
    if (!booked) return { status: 404, body: { problem: 'unknown_listing' } };
    await producer.send(inTopic, [{ key: booked.property.propertyId, value: Buffer.from(JSON.stringify({ eventId: webhook.event_id, listingId: webhook.listing_id })) }]);
    return { status: 202, body: { status: 'accepted', command_id: webhook.event_id } };
  });
  const completedAt = new Map<string, number>();
  const first = input.kafka.consumer({ groupId: `${input.namespace}.floor.first.${run}`, topics: [inTopic], partitionsConsumedConcurrently: 12, fromBeginning: false });
  const second = input.kafka.consumer({ groupId: `${input.namespace}.floor.second.${run}`, topics: [outTopic], partitionsConsumedConcurrently: 12, fromBeginning: false });
  await first.start(async (record) => {
    const { eventId } = JSON.parse(record.value!.toString()) as { eventId: string };
    await db.transaction(async (tx) => tx('floor_commits').insert({ id: `${run}:${eventId}`, at_ms: Date.now() }));
    await producer.send(outTopic, [{ key: record.key?.toString() ?? null, value: record.value! }]);
  });
  // The dispatcher's own HTTP client (undici's request, keep-alive), so the floor is no slower than our path.
  const keepAlive = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  await second.start(async (record) => {
    const { eventId, listingId } = JSON.parse(record.value!.toString()) as { eventId: string; listingId: string };
    const { property, channel } = byListing.get(listingId)!;
    await Promise.all(
      CHANNELS.filter((other) => other !== channel).map(async (other) => {
        const answer = await request(`${input.simulatorUrl}/${other.toLowerCase()}/api/listings/${property.listings[other]}/availability`, {
          method: 'POST',
          dispatcher: keepAlive,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request_id: `${run}:${eventId}:${other}`, updates: [{ from: '2030-01-01', to: '2030-01-03', available: false }] }),
        });
        await answer.body.text();
      }),
    );
    completedAt.set(eventId, Date.now());
  });
  await waitFor('both floor consumers joined', () => first.isJoined() && second.isJoined(), { timeoutMs: 30_000, intervalMs: 50 });
  const through = (bookings: readonly Booking[]) => bookings.every((b) => completedAt.has(b.commandId));
  const warmup = await input.book(input.rate, input.warmupSeconds);
  await waitFor('the warm-up through', () => through(warmup.bookings), { timeoutMs: 30_000, intervalMs: 50 }).catch(() => undefined);
  const before = await input.cost.sample('start');
  const load = await input.book(input.rate, input.seconds);
  const deadline = Date.now() + 30_000;
  while (!through(load.bookings) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const cost = CostMeter.perBooking(before, await input.cost.sample('end'), load.bookings.length);
  const values = load.bookings.flatMap((b) => (completedAt.has(b.commandId) ? [completedAt.get(b.commandId)! - b.sentAtMs] : []));
  await Promise.all([first.stop(), second.stop()]);
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await producer.disconnect();
  await keepAlive.close();
  await db.destroy();
  // A booking whose webhook was not answered counts as missing, as on the path.
  const missing = input.rate * input.seconds - values.length;
  return { values: values.sort((a, b) => a - b), missing, cost, loadSeconds: load.seconds };
}

/** A bare HTTP receiver on loopback: each POST body to `answer`, its answer as JSON. */
async function listen(port: number, answer: (body: string) => Promise<{ status: number; body: unknown }>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(Buffer.concat(chunks).toString('utf8'))
        .catch((error: unknown) => ({ status: 500, body: { problem: String(error) } }))
        .then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
