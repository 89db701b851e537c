#!/usr/bin/env node
import { join } from 'node:path';
import { z } from 'zod';
import { DISPATCHER_NODE_OPTIONS } from '../node-options';
import { insertDirectoryRows, setListingPricing } from '@cm/directory';
import { KeyRing } from '@cm/secrets';
import { addDays, channelPrice, fromEpochDay, noRates, nightsOf, termsRanges, toEpochDay, type CurrencyCode, type LocalDate, type Markup, type NightTerms } from '@cm/domain';
import { RatesStore, rateChangeRecord, type PlanRange, type PlanUpdate } from '@cm/rates';
import { topics, type Channel, type RateChange } from '@cm/schemas';
import { assertPortsFree, AvroSerde, baseConfig, benchRow, benchScratch, createKafkaClient, createLogger, databaseConfig, parseConfig, produceValues, residentMemoryMb, redisConfig, spawnNodeProcess, waitFor, writeBenchResult, type Knex, type NodeProcess } from '@cm/service-runtime';

/**
 * Benchmark of a full ARI push (issue 20; not a test: it prints figures). A season of rates and
 * restrictions for every property (365 nights x 2 rate plans) is in the rates store and announced
 * on rate.changes; the sync-dispatcher, with the channels' rate limits off, pushes it to four
 * simulated ARI channels, each listing with its own markup and plan ids. Measured: the wall time
 * from the first record produced to the last night pushed, the calls made against the fewest the
 * range merging allows (each listing's merged ranges, 200 a call), and the dispatcher's peak
 * resident memory. Every channel's rates are then read back and compared with the PMS's.
 */
const config = parseConfig(
  'rates-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_PROPERTIES: z.coerce.number().int().min(1).default(1_000),
    /** Properties whose four channels' rates are read back and compared with the PMS's after the push. */
    BENCH_VERIFY_PROPERTIES: z.coerce.number().int().min(0).default(50),
    /** The dispatcher's Node options; by default as deployed (docker-compose, Helm). */
    BENCH_DISPATCHER_NODE_OPTIONS: z.string().default(DISPATCHER_NODE_OPTIONS),
  }),
);
const log = createLogger('rates-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..', '..', '..');
const PORTS = { simulator: 19_680, dispatcherOps: 19_614, feeds: 19_615 };
const RANGES_PER_CALL = 200;
const EUR = 'EUR' as CurrencyCode;
const SEASON_START = '2027-01-01' as LocalDate;
const SEASON_NIGHTS = 365;

/** Each channel's listing pricing: a markup, and its own plan ids or the PMS's. */
const CHANNELS: readonly { channel: Channel; markup: Markup; ratePlans: Record<string, string> }[] = [
  { channel: 'AIRBNB', markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: { standard: 'AB-STD', nonref: 'AB-NR' } },
  { channel: 'BOOKING_COM', markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} },
  { channel: 'VRBO', markup: { kind: 'fixed', amountMinor: 1_000 }, ratePlans: { standard: 'VR-1', nonref: 'VR-2' } },
  { channel: 'EXPEDIA', markup: { kind: 'percent', basisPoints: 1_000 }, ratePlans: { standard: 'EX-S', nonref: 'EX-N' } },
];
const channelPlansOf = (c: (typeof CHANNELS)[number]) => (Object.keys(c.ratePlans).length > 0 ? Object.values(c.ratePlans) : ['standard', 'nonref']);

async function main(): Promise<void> {
  await assertPortsFree(Object.values(PORTS));
  const kafka = createKafkaClient({ clientId: 'rates-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const scratch = await benchScratch({
    prefix: 'benchrates',
    kafka,
    log,
    serverDatabaseUrl: config.DATABASE_URL,
    migrators: ['ingest', 'sync-dispatcher'].map((service) => join(DIST, service, 'dist', 'cli', 'migrate.js')),
  });
  const { namespace, names, db, databaseUrl } = scratch;
  const processes: NodeProcess[] = [];
  try {
    const simulatorUrl = `http://127.0.0.1:${PORTS.simulator}`;
    const simulator = await spawnNodeProcess(join(DIST, 'channel-simulator', 'dist', 'main.js'), { PORT: String(PORTS.simulator), INGEST_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn' }, async () => (await fetch(`${simulatorUrl}/health`).catch(() => undefined))?.ok === true);
    processes.push(simulator);

    const started = Date.now();
    const properties = await setUpDirectory(db, simulatorUrl, namespace);
    const seasons = await setRates(db, properties);
    print(`rates benchmark: ${properties.length} properties x ${SEASON_NIGHTS} nights x 2 rate plans to ${CHANNELS.length} ARI channels, rate limits off, dispatcher Node options '${config.BENCH_DISPATCHER_NODE_OPTIONS}' (set up in ${((Date.now() - started) / 1000).toFixed(1)} s, not measured)`);
    const fewest = fewestCalls(seasons);

    const env = { TOPIC_NAMESPACE: namespace, DATABASE_URL: databaseUrl, REDIS_URL: config.REDIS_URL, LOG_LEVEL: 'warn', SECRETS_KEYS: BENCH_KEYS.text };
    const dispatcher = await spawnNodeProcess(
      join(DIST, 'sync-dispatcher', 'dist', 'main.js'),
      { ...env, CONSUMER_GROUP: `${namespace}.dispatcher`, OPS_PORT: String(PORTS.dispatcherOps), FEED_PORT: String(PORTS.feeds), CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`, CHANNEL_CALLS_PER_MINUTE: '1000000', RATE_CALLS_PER_MINUTE: '1000000', LISTINGS_CACHE_MS: '600000', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${config.BENCH_DISPATCHER_NODE_OPTIONS}` },
      async () => (await fetch(`http://127.0.0.1:${PORTS.dispatcherOps}/health/ready`).catch(() => undefined))?.status === 200,
    );
    processes.push(dispatcher);

    const atStart = residentMemoryMb(dispatcher.pid);
    const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.rateChanges], namespace);
    const producer = await kafka.producer();
    const callsBefore = await rateCalls(simulatorUrl);
    const pushStarted = Date.now();
    const records: RateChange[] = seasons.map((s, i) => rateChangeRecord({ eventId: `bench-season-${i}`, propertyId: s.propertyId, version: 1, ranges: s.ranges, occurredAt: Date.now(), correlationId: `bench-season-${i}` }));
    for (let i = 0; i < records.length; i += 100) await produceValues(producer, serde, topics.rateChanges, records.slice(i, i + 100));
    await producer.disconnect();
    await waitFor('every season pushed', () => allPushed(db, properties.length * CHANNELS.length), { timeoutMs: 600_000, intervalMs: 100 });
    const wallSeconds = (Date.now() - pushStarted) / 1000;
    const memory = residentMemoryMb(dispatcher.pid);
    const calls = (await rateCalls(simulatorUrl)) - callsBefore;
    const mismatches = await verify(simulatorUrl, seasons.slice(0, config.BENCH_VERIFY_PROPERTIES));

    print(`  wall time, first record to last night pushed: ${wallSeconds.toFixed(1)} s`);
    print(`  calls made: ${calls}; fewest the range merging allows: ${fewest} (${(calls / fewest).toFixed(3)}x)`);
    print(`  sync-dispatcher resident memory: peak ${memory.peak} MB, now ${memory.current} MB (${atStart.current} MB when it was ready)`);
    print(`  channels read back (${Math.min(config.BENCH_VERIFY_PROPERTIES, seasons.length)} properties x ${CHANNELS.length} channels): ${mismatches} nights differ from the PMS's`);
    writeBenchResult([
      benchRow('rates', 'full ARI push wall time (lower is better)', 's', Number(wallSeconds.toFixed(1)), { target: '< 60', met: wallSeconds < 60 }),
      benchRow('rates', 'calls made over the fewest range merging allows (lower is better)', 'x', Number((calls / fewest).toFixed(3)), { target: '<= 1.1', met: calls <= fewest * 1.1 }),
      benchRow('rates', 'sync-dispatcher peak resident memory (lower is better)', 'MB', memory.peak, { target: '< 300', met: memory.peak < 300 }),
      benchRow('rates', 'nights read back that differ from the PMS', 'nights', mismatches, { target: '0', met: mismatches === 0 }),
    ]);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await scratch.remove();
  }
}

interface Season {
  readonly propertyId: string;
  readonly listings: Readonly<Record<string, string>>;
  /** The PMS's terms per plan per night, as kept. */
  readonly terms: ReadonlyMap<string, ReadonlyMap<LocalDate, NightTerms>>;
  readonly ranges: readonly PlanRange[];
}

/** A key ring of this run's own: the webhook secrets of its scratch directory are sealed under it, and the services it starts get it. */
const BENCH_KEYS = KeyRing.random('bench');

/** A tenant, its properties, a listing on each channel with its pricing, and the simulator's listings with their rate plans. */
async function setUpDirectory(db: Knex, simulatorUrl: string, namespace: string): Promise<{ propertyId: string; listings: Record<string, string> }[]> {
  const tenantId = `${namespace}-tenant`;
  await insertDirectoryRows(db, {
    tenants: [{ tenantId, name: 'Benchmark', ratePerSecond: 100 }],
    connections: CHANNELS.map(({ channel }) => ({ connectionId: `${tenantId}-${channel}`, tenantId, channel, webhookSecret: `secret-${channel}` })),
  }, BENCH_KEYS.ring);
  const properties = Array.from({ length: config.BENCH_PROPERTIES }, (_, i) => ({ propertyId: `${namespace}-p${i}`, listings: Object.fromEntries(CHANNELS.map(({ channel }) => [channel, `${channel.toLowerCase()}-${i}`])) as Record<string, string> }));
  for (let i = 0; i < properties.length; i += 500) {
    const slice = properties.slice(i, i + 500);
    await insertDirectoryRows(db, {
      properties: slice.map((p) => ({ propertyId: p.propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' })),
      listings: slice.flatMap((p) => CHANNELS.map(({ channel }) => ({ channel, listingId: p.listings[channel]!, propertyId: p.propertyId, connectionId: `${tenantId}-${channel}` }))),
    });
  }
  const jobs = properties.flatMap((p) => CHANNELS.map((c) => async () => {
    const listingId = p.listings[c.channel]!;
    await setListingPricing(db, { channel: c.channel, listingId }, { currency: null, markup: c.markup, ratePlans: c.ratePlans });
    const path = `${simulatorUrl}/admin/${c.channel.toLowerCase()}/listings/${encodeURIComponent(listingId)}`;
    await call('PUT', path, { connection_id: `${tenantId}-${c.channel}`, secret: `secret-${c.channel}`, currency: 'EUR', time_zone: 'Europe/Lisbon' });
    for (const plan of channelPlansOf(c)) await call('PUT', `${path}/rate-plans/${encodeURIComponent(plan)}`);
  }));
  await inParallel(jobs, 16);
  return properties;
}

/** A season per property in the rates store: weekday and weekend prices, a summer high season with a minimum stay, stop-sell at Christmas; the non-refundable plan 10% less. */
async function setRates(db: Knex, properties: readonly { propertyId: string; listings: Record<string, string> }[]): Promise<Season[]> {
  const store = new RatesStore(db);
  const seasons: Season[] = [];
  await inParallel(
    properties.map((p, i) => async () => {
      const base = 9_000 + (i % 40) * 250;
      const updates: PlanUpdate[] = [];
      for (const [plan, factor] of [['standard', 100], ['nonref', 90]] as const) {
        for (let n = 0; n < SEASON_NIGHTS; n++) {
          const night = addDays(SEASON_START, n);
          const weekday = new Date(`${night}T00:00:00Z`).getUTCDay();
          const summer = night >= '2027-07-01' && night < '2027-09-01';
          const weekend = weekday === 5 || weekday === 6;
          const amount = Math.round((base * factor * (summer ? 150 : 100) * (weekend ? 120 : 100)) / 1_000_000) * 100;
          updates.push({ ratePlan: plan, from: night, to: addDays(night, 1), set: { price: { amountMinor: amount, currency: EUR }, minStayArrival: summer ? 3 : weekend ? 2 : null, stopSell: night === '2027-12-24' || night === '2027-12-25', closedToArrival: weekday === 0 } });
        }
      }
      const applied = await store.apply(p.propertyId, 1, updates);
      const terms = new Map<string, Map<LocalDate, NightTerms>>();
      for (const range of applied.ranges) {
        const nights = terms.get(range.ratePlan) ?? new Map<LocalDate, NightTerms>();
        for (const night of nightsOf({ checkIn: range.from, checkOut: range.to })) nights.set(night, range.terms);
        terms.set(range.ratePlan, nights);
      }
      seasons[i] = { propertyId: p.propertyId, listings: p.listings, terms, ranges: applied.ranges };
    }),
    4,
  );
  return seasons;
}

/** What a channel shows for a PMS night: the price marked up for it, the rules as they are. */
function onChannel(terms: NightTerms, markup: Markup): NightTerms {
  const price = terms.price ? channelPrice(terms.price, { currency: EUR, markup }, noRates) : null;
  return { ...terms, price: price === 'no_rate' ? null : price };
}

/** Each listing's merged ranges over its plans, 200 a call: the fewest calls a push can make. */
function fewestCalls(seasons: readonly Season[]): number {
  let calls = 0;
  for (const season of seasons) {
    for (const c of CHANNELS) {
      let ranges = 0;
      for (const nights of season.terms.values()) ranges += termsRanges(new Map([...nights].map(([night, terms]) => [night, onChannel(terms, c.markup)]))).length;
      calls += Math.ceil(ranges / RANGES_PER_CALL);
    }
  }
  return calls;
}

/** Nights of the sample whose terms on a channel differ from the PMS's after the channel's markup. */
async function verify(simulatorUrl: string, seasons: readonly Season[]): Promise<number> {
  let differ = 0;
  const to = fromEpochDay(toEpochDay(SEASON_START) + SEASON_NIGHTS);
  for (const season of seasons) {
    for (const c of CHANNELS) {
      const shown = (await call('GET', `${simulatorUrl}/admin/${c.channel.toLowerCase()}/listings/${encodeURIComponent(season.listings[c.channel]!)}/rates?from=${SEASON_START}&to=${to}`)) as { rate_plans: { rate_plan_id: string; nights: { date: string; price: { amount_minor: number } | null; min_stay_arrival: number | null; stop_sell: boolean; closed_to_arrival: boolean }[] }[] };
      for (const [pmsPlan, nights] of season.terms) {
        const channelPlan = Object.keys(c.ratePlans).length > 0 ? c.ratePlans[pmsPlan]! : pmsPlan;
        const byDate = new Map(shown.rate_plans.find((p) => p.rate_plan_id === channelPlan)?.nights.map((n) => [n.date, n]));
        for (const [night, terms] of nights) {
          const want = onChannel(terms, c.markup);
          const got = byDate.get(night);
          if (!got || got.price?.amount_minor !== want.price?.amountMinor || got.min_stay_arrival !== want.minStayArrival || got.stop_sell !== want.stopSell || got.closed_to_arrival !== want.closedToArrival) differ++;
        }
      }
    }
  }
  return differ;
}

/** Price and restriction calls the simulated channels answered 200. */
async function rateCalls(simulatorUrl: string): Promise<number> {
  let ok = 0;
  for (const { channel } of CHANNELS) ok += ((await call('GET', `${simulatorUrl}/admin/${channel.toLowerCase()}/stats`)) as { calls: { rates: { ok: number } } }).calls.rates.ok;
  return ok;
}

/** Whether every listing was marked (it has a place in the queue) and nothing is left to push. */
async function allPushed(db: Knex, listings: number): Promise<boolean> {
  const [row] = (
    await db.raw(
      `SELECT (SELECT count(*)::int FROM sync.rate_work) AS listings,
              (SELECT count(*)::int FROM sync.rate_work WHERE due_at_ms IS NOT NULL OR leased_by IS NOT NULL) AS busy,
              (SELECT count(*)::int FROM sync.rate_dirty WHERE NOT isempty(nights)) AS nights`,
    )
  ).rows as { listings: number; busy: number; nights: number }[];
  return row!.listings === listings && row!.busy === 0 && row!.nights === 0;
}

async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

async function inParallel(jobs: readonly (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }));
}


main().catch((error: unknown) => {
  process.stderr.write(`rates-bench failed: ${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
