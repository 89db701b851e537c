import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { samples, topics, type Conflict, type SampledTopic, type TopicHandle } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  createDatabase,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  produceValues,
  waitFor,
  type IncomingRecord,
} from '@cm/service-runtime';
import { ICAL_POLL_SECONDS, Simulator, setUpPortfolio } from './channels';
import { calendarReportCorrectsDrift } from './calendar-report';
import { channelActionLines } from './channel-outcomes';
import { playDay, type DayReport } from './day';
import { guestAndAudit, printGuestAndAudit } from './guest-and-audit';
import { mapListings } from './ingest-setup';
import { doubleBookedStays } from './ledger-checks';
import { renderDayReport } from './report-html';
import { VrboFeeds } from './vrbo-feeds';
import { OwnedProcesses } from './owned-processes';
import { bookingScenario } from './scenario';
import { printRatesStory, ratesStory } from './rates-story';
import { SERVICES, startServiceProcess, TEST_SECRETS_KEYS, testKeyRing, waitUntilReady, type ServiceProcess } from '@cm/test-harness/service-processes';

/**
 * The main job: every service starts on the real stack with the channel simulator; a booking
 * story goes through the arbiter by the conflict rules; then a compressed day on the simulated
 * platforms (bursts, steady bookings, changes, an outage, lost updates, the operator resolving
 * review tasks through the review API, a reconciliation pass) ends with every channel checked
 * against the ledger, reservation by reservation. It prints what happened, what the system did
 * on the reservations' own channels, and writes an HTML report with charts; it fails on any
 * double booking, in the ledger or on a channel.
 */
const config = parseConfig(
  'pipeline-demo',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    DEMO_LOG_DIR: z.string().min(1),
    DEMO_FIRST_OPS_PORT: z.coerce.number().int().min(1).max(65530).default(9401),
    DEMO_RECORDS_PER_TOPIC: z.coerce.number().int().min(1).max(1000).default(3),
    DEMO_PROPERTIES: z.coerce.number().int().min(6).max(200).default(12),
    DEMO_SIMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(9480),
  }),
);
const log = createLogger('pipeline-demo', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);

async function main(owned: OwnedProcesses): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const kafka = createKafkaClient({ clientId: 'pipeline-demo', brokers: config.KAFKA_BROKERS, logger: log });
  const sampled = Object.keys(samples) as SampledTopic[];
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [...sampled, topics.channelDlq.name]);

  print(`Channel Manager demo, run ${run}: five services on Kafka ${config.KAFKA_BROKERS.join(',')} and ${config.SCHEMA_REGISTRY_URL}`);
  const started = Date.now();
  const simulatorUrl = `http://127.0.0.1:${config.DEMO_SIMULATOR_PORT}`;
  owned.add('channel-simulator', startSimulatorProcess(config.DEMO_SIMULATOR_PORT, join(config.DEMO_LOG_DIR, 'channel-simulator.log')));
  // The platforms' pacing in the demo is 600 calls a minute per property (Channex allows 10), for
  // pushes and reservation operations alike: the day is compressed into a minute, so a real limit
  // would stretch it to hours (at 10 a minute, the day's acknowledgements, declines and host
  // cancellations took 14 s to be carried out after the operator's resolutions, in three runs).
  const channelEnv = { CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api` };
  // The local stack's key ring (the tests' public one, which every service the harness starts gets):
  // the demo's database is the stack's, shared with earlier runs and tests, and ingest refuses to
  // start with a ring that cannot open what is stored there.
  const keys = { text: TEST_SECRETS_KEYS, ring: testKeyRing };
  const envOf: Partial<Record<(typeof SERVICES)[number]['name'], Record<string, string>>> = {
    'sync-dispatcher': { ...channelEnv, ICAL_CHANNELS: 'VRBO', CHANNEL_CALLS_PER_MINUTE: '600', RESERVATION_CALLS_PER_MINUTE: '600', RETRY_BASE_MS: '100', RETRY_MAX_ATTEMPTS: '4', AFTER_FAILURE_MS: '2000', BREAKER_COOL_DOWN_MS: '2000' },
    reconciler: { ...channelEnv, ICAL_CHANNELS: 'VRBO', RECONCILE_EVERY_MINUTES: '0', CHANNEL_READS_PER_MINUTE: '600' },
    // Vrbo's feeds are due every second (the connection's poll interval); look for due ones as often.
    ingest: { ICAL_IMPORT_TICK_MS: '200' },
  };
  const services: ServiceProcess[] = SERVICES.map((s, i) => {
    const service = startServiceProcess(s.name, { opsPort: config.DEMO_FIRST_OPS_PORT + i, logFile: join(config.DEMO_LOG_DIR, `${s.name}.log`), env: envOf[s.name] ?? {} });
    owned.add(s.name, service.child);
    return service;
  });
  // Whatever fails from here on, the caller's owned.around stops every process started above.
  await waitUntilReady(services);
  await waitFor('the channel simulator', async () => (await fetch(`${simulatorUrl}/health`).catch(() => undefined))?.ok === true, { timeoutMs: 30_000, intervalMs: 100 });
  print(`all five ready (consumer groups joined, schemas resolved) and the channel simulator up (Airbnb, Booking.com, Expedia by ARI API; Vrbo by iCal) in ${Date.now() - started} ms`);
  const printed: string[] = [];
  const say = (line = '') => {
    printed.push(line);
    print(line);
  };
  let dayReport: DayReport | undefined;

  // The booking story goes to the booking-arbiter; channel events go through ingest, which maps
  // their listings to properties and turns them into commands; other samples go to topics
  // nothing produces yet.
  const inbound = Array.from({ length: config.DEMO_RECORDS_PER_TOPIC }, (_, n) => samples[topics.channelInbound.name]({ id: `${run}-${n}`, propertyId: '', at: Date.now() }));
  await mapListings(config.DATABASE_URL, keys.text, `demo-${run}`, inbound.map((e, n) => ({ listingId: e.listing_id, propertyId: `demo-${run}-sample-${n}` })));
  // Ingest names a channel event's command by its channel, connection (mapListings made one) and event id.
  const inboundCommandIds = inbound.map((e) => `${e.channel}:demo-${run}-airbnb:${e.external_event_id}`);
  const producer = await kafka.producer();
  const sentAt = Date.now();
  const story = bookingScenario(run, sentAt);
  const commandIds = story.map((c) => c.command_id);
  await produceValues(producer, serde, topics.bookingCommands, story);
  const correlations = new Map<string, string[]>();
  await produceValues(producer, serde, topics.channelInbound, inbound);
  for (const topic of [topics.syncResults.name] as const) {
    const records = [];
    for (let n = 0; n < config.DEMO_RECORDS_PER_TOPIC; n++) {
      const value = samples[topic]({ id: `${run}-${n}`, propertyId: `demo-${run}-sample-${n}`, at: sentAt });
      correlations.set(topic, [...(correlations.get(topic) ?? []), value.correlation_id]);
      records.push({ key: `demo-${run}-sample-${n}`, value: await serde.encode(topics.syncResults, value) });
    }
    await producer.send(topic, records);
  }
  const malformedKey = `malformed-${run}`;
  await producer.send(topics.channelInbound.name, [{ key: malformedKey, value: Buffer.from('{"reservation": "not avro"}') }]);
  await producer.disconnect();

  const ledger = createDatabase(config.DATABASE_URL);
  try {
    const decisions: { command_id: string; outcome: string; reason: string | null }[] = await waitFor('the arbiter to decide the story', async () => {
      const rows = await ledger('processed_commands').whereIn('command_id', commandIds).select('command_id', 'outcome', 'reason');
      return rows.length === commandIds.length ? rows : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    const decidedIn = Date.now() - sentAt;
    // What the arbiter published reaches the services downstream of it.
    const storyProperties = [...new Set(story.map((c) => c.property_id))];
    const escalation = services[SERVICES.findIndex((s) => s.name === 'escalation')]!;
    const dispatcher = services[SERVICES.findIndex((s) => s.name === 'sync-dispatcher')]!;
    await waitFor('the decisions to reach the sync-dispatcher and escalation', async () =>
      (await escalation.consumed(topics.conflicts.name, 'processed')) > 0 && (await dispatcher.consumed(topics.availabilityChanges.name, 'processed')) > 0,
    { timeoutMs: 60_000, intervalMs: 50 });
    const channelDecisions: { outcome: string }[] = await waitFor('ingest to turn the channel events into commands the arbiter decides', async () => {
      const rows = await ledger('processed_commands').whereIn('command_id', inboundCommandIds).select('outcome');
      return rows.length === inboundCommandIds.length ? rows : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    await waitFor('the samples consumed by the reconciler and escalation', async () => {
      for (const [i, service] of SERVICES.entries()) {
        for (const topic of service.consumes) {
          const sent = correlations.get(topic)?.length ?? 0;
          if (sent > 0 && (await services[i]!.consumed(topic, 'processed')) < sent) return false;
        }
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 50 });

    const [letter] = await readKeyed(kafka, serde, topics.channelDlq, [malformedKey], 1);
    const deadLetter = { reason: letter!.reason, bytes: letter!.original_value?.length ?? 0 };
    const conflicts: Pick<Conflict, 'conflict_type'>[] = await ledger('audit_log').whereIn('command_id', commandIds).whereNotNull('conflict_type').select('conflict_type');
    // Every conflict the audit log holds for the story is on the conflicts topic too.
    const reviews = (await readKeyed(kafka, serde, topics.conflicts, storyProperties, conflicts.length)).filter((c) => c.requires_review);
    await waitFor('escalation to take every conflict', async () => (await escalation.consumed(topics.conflicts.name, 'processed')) >= conflicts.length, { timeoutMs: 60_000, intervalMs: 50 });
    const openTasks: { n: number }[] = await ledger('escalation.review_tasks').whereIn('property_id', storyProperties).whereNot({ status: 'resolved' }).count({ n: '*' });
    const overlaps = await doubleBookedStays(ledger);

    print();
    print(`bookings and blocks decided: ${decisions.length} commands in ${decidedIn} ms from sending`);
    for (const outcome of ['applied', 'rejected', 'ignored', 'dead_lettered']) {
      const these = decisions.filter((d) => d.outcome === outcome);
      if (these.length > 0) print(`  ${outcome.padEnd(9)} ${String(these.length).padStart(3)}${these.some((d) => d.reason) ? `  (${[...new Set(these.map((d) => d.reason).filter(Boolean))].join(', ')})` : ''}`);
    }
    print('conflicts by type:');
    const byType = new Map<string, number>();
    for (const c of conflicts) byType.set(c.conflict_type, (byType.get(c.conflict_type) ?? 0) + 1);
    for (const [type, count] of [...byType.entries()].sort()) print(`  ${type.padEnd(18)} ${count}`);
    print(`conflicts a human must review: ${reviews.length}${reviews.length ? ` (${reviews.map((r) => `${r.conflict_type} ${r.severity}`).join(', ')})` : ''}; review tasks open for them in escalation: ${Number(openTasks[0]?.n ?? 0)}`);
    print(`double bookings found in the whole ledger (SQL over every property): ${overlaps.length}`);
    print();
    print(`channel events through ingest: ${inbound.length} on channel.inbound, listings mapped to properties, ${channelDecisions.length} commands decided (${channelDecisions.map((d) => d.outcome).join(', ')})`);
    print(`samples: ${[...correlations.values()].flat().length} records to sync.results.v2, consumed by the reconciler and escalation`);
    print(`malformed record: on ${topics.channelDlq.name} with reason ${deadLetter.reason}, original ${deadLetter.bytes} bytes kept`);
    if (overlaps.length > 0) throw new Error(`double bookings in the ledger: ${JSON.stringify(overlaps)}`);

    say();
    say(`A day on the simulated channels: ${config.DEMO_PROPERTIES} villas, each listed on Airbnb, Booking.com, Expedia and Vrbo`);
    const simulator = new Simulator(simulatorUrl);
    const portfolio = await setUpPortfolio(ledger, keys.ring, simulator, 'http://127.0.0.1:9413', run, config.DEMO_PROPERTIES);
    const today = new Date().toISOString().slice(0, 10);
    const window = { from: today, to: new Date(Date.parse(`${today}T00:00:00Z`) + 90 * 86_400_000).toISOString().slice(0, 10) };
    dayReport = await playDay({
      db: ledger,
      simulator,
      portfolio,
      vrbo: new VrboFeeds(simulator, portfolio.properties),
      endpoints: { dispatcherMetrics: `http://127.0.0.1:${config.DEMO_FIRST_OPS_PORT + 2}/metrics`, reconciler: 'http://127.0.0.1:9414', reviewApi: 'http://127.0.0.1:9415', pmsApi: 'http://127.0.0.1:9411' },
      window,
      log: say,
    });
    printDay(dayReport, say);
    // Far past the day's window, so the day's bookings leave these nights free.
    const checkIn = new Date(Date.parse(`${today}T00:00:00Z`) + 200 * 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(Date.parse(`${checkIn}T00:00:00Z`) + 4 * 86_400_000).toISOString().slice(0, 10);
    printGuestAndAudit(await guestAndAudit({ simulator, portfolio, property: portfolio.properties[0]!, ingestUrl: 'http://127.0.0.1:9411', checkIn, checkOut }), say);
    // Rates far past the day's nights (and the guest's above), so no earlier booking meets a pushed rule.
    const firstRateNight = new Date(Date.parse(`${today}T00:00:00Z`) + 240 * 86_400_000).toISOString().slice(0, 10);
    printRatesStory(await ratesStory({ db: ledger, simulator, portfolio, property: portfolio.properties[1]!, ingestUrl: 'http://127.0.0.1:9411', firstNight: firstRateNight }), say);
    const drifted = await calendarReportCorrectsDrift({ simulator, property: portfolio.properties[1] ?? portfolio.properties[0]!, night: checkOut });
    say(`a calendar report that corrects drift: ${drifted.night} closed on Booking.com's extranet behind our back; Booking.com reported its calendar, and the reconciler reopened the night there ${drifted.reopenedInMs} ms later`);
  } finally {
    await ledger.destroy();
  }

  print();
  let failed = 0;
  const codes = await Promise.all(services.map((s) => s.stop()));
  for (const [i, code] of codes.entries()) {
    if (code !== 0) failed++;
    print(`${services[i]!.name.padEnd(16)} stopped on SIGTERM with exit code ${code}`);
  }
  await owned.stopAll();
  print(`logs: ${config.DEMO_LOG_DIR}`);
  if (dayReport) {
    const file = join(config.DEMO_LOG_DIR, '..', 'demo-report.html');
    writeFileSync(file, renderDayReport({ run, startedAt: new Date(started), commit: commitOfCheckout(), durationMs: Date.now() - started }, dayReport, printed));
    print(`report with charts: ${file}`);
  }
  const doubleBooked = dayReport ? Object.values(dayReport.doubleBookings).reduce((sum, n) => sum + n, 0) : 1;
  return failed === 0 && doubleBooked === 0 ? 0 : 1;
}

/** The commit the demo was built from (with '-dirty' for uncommitted changes), for the report; 'unknown' where git or the checkout is absent (an image). */
function commitOfCheckout(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function printDay(report: DayReport, say: (line?: string) => void): void {
  say();
  say(`bookings made on the channels: ${report.bookings.made} (${report.bookings.refusedByChannel} refused by the platform itself: nights already closed there); decided by the ledger: ${report.bookings.accepted} accepted, ${report.bookings.rejected} rejected`);
  say(`direct bookings the PMS made in the bursts: ${report.directBookings.made}; decided by the ledger: ${report.directBookings.accepted} accepted, ${report.directBookings.refused} refused (the nights were taken)`);
  say(`then: ${report.modifications} date changes, ${report.cancellations} cancellations (${report.vrboChanges} of them on Vrbo, read from its iCal feed), ${report.guestUpdates} guest updates, ${report.priceEdits} price edits`);
  say('conflicts by type and resolution:');
  for (const c of report.conflicts) say(`  ${c.type.padEnd(18)} ${c.resolution.padEnd(24)} ${c.count}`);
  say('review tasks opened by escalation:');
  for (const t of report.reviewTasks) {
    say(`  ${t.type.padEnd(18)} ${t.severity.padEnd(9)} ${t.opened} opened, ${t.resolvedByOperator} resolved by the operator${t.resolvedBySystem ? `, ${t.resolvedBySystem} by the system (system:auto-cancel, or system:action-landed when a failed action landed on a later try)` : ''}`);
  }
  const o = report.operator;
  say(`overbooking tasks resolved by the operator through the review API: ${o.cancelStay + o.keepChannelGuest} of ${o.tasks} (${o.cancelStay} cancel_stay, ${o.keepChannelGuest} keep_channel_guest)${o.unresolved ? `; ${o.unresolved} left open, no action their platforms offer resolves them` : ''}`);
  for (const line of channelActionLines(report.channelActions)) say(line);
  say(`Expedia outage: ${report.outage.seconds} s; ${report.outage.failedCalls} calls to Expedia failed or were refused, retried until it took them`);
  say(`sync lag of the channels we push to (ledger change to the channel's acknowledgement): p50 ${report.lag.p50Ms} ms, p99 ${report.lag.p99Ms} ms over ${report.lag.pushes} acknowledged changes`);
  say(`sync lag of Vrbo by iCal (ledger change to Vrbo fetching a feed version that holds it, its poll every ${ICAL_POLL_SECONDS} s included): p50 ${report.icalLag.p50Ms} ms, p99 ${report.icalLag.p99Ms} ms over ${report.icalLag.pushes} fetched changes`);
  say(`drift: the reconciliation pass found ${report.drift.found} listings (${report.drift.nights} nights) differing from the ledger; ${report.drift.corrected} corrected (acknowledged), ${report.drift.failed} failed`);
  say(`Vrbo by iCal only (no webhook): its ${report.vrboBookings} guests' bookings reached the ledger through its feed, which ingest read every ${ICAL_POLL_SECONDS} s; Vrbo polled our feeds ${report.vrboPolls.changed} times changed, ${report.vrboPolls.unchanged} times 304 unchanged, ${report.vrboPolls.failed} failed`);
  say(`double bookings: ${report.doubleBookings.ledger} in the ledger, ${report.doubleBookings.acrossChannels} nights held on two channels at once, ${report.doubleBookings.heldForAnother} nights a platform holds for a reservation while the ledger gives them to another stay (a loser still confirmed there), ${report.doubleBookings.openWhileBooked} nights a channel sells while the ledger holds them (every channel checked ${report.convergedInMs} ms after the pass)`);
}

/** The channel simulator in a process of its own, logging to a file. */
function startSimulatorProcess(port: number, logFile: string) {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'services', 'channel-simulator', 'dist', 'main.js')], {
    env: { ...process.env, PORT: String(port), INGEST_URL: 'http://127.0.0.1:9411', WEBHOOK_FIRST_BACKOFF_MS: '50', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(logFile);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  return child;
}

/**
 * Reads a topic from the beginning until `count` records with one of the given keys have come;
 * only those are decoded (records of earlier runs may carry schemas since retired).
 */
async function readKeyed<T>(kafka: ReturnType<typeof createKafkaClient>, serde: AvroSerde, handle: TopicHandle<T>, keys: readonly string[], count: number): Promise<T[]> {
  const found: T[] = [];
  const topic = serde.topicName(handle);
  const consumer = kafka.consumer({ groupId: `pipeline-demo.${topic}.${randomUUID()}`, topics: [topic] });
  await consumer.start(async (record: IncomingRecord) => {
    if (keys.includes(record.key?.toString() ?? '')) found.push(await serde.decodeValue(handle, record.value));
  });
  try {
    await waitFor(`${count} record(s) of this run on ${topic}`, () => found.length >= count, { timeoutMs: 30_000 });
  } finally {
    await consumer.stop();
  }
  return found;
}

const owned = new OwnedProcesses();
owned.stopOnSignals();
owned.around(() => main(owned)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
