import { assertMigrated, BatchedPurge, chunkGroupCommit, ConfigError, consumeDecoded, LeasedTokenBuckets, openTopics, produceValues, ReplyWaiter, TokenBuckets, TtlCache, useDatabase, useRedis, type DecodedRecord, type ServiceDefinition } from '@cm/service-runtime';
import { topics } from '@cm/schemas';
import type { FastifyInstance } from 'fastify';
import { takeChannelEvents } from './channel-events';
import { IcalImporter, type ImportFeed } from './ical-import/importer';
import { ImportStore } from './ical-import/import-store';
import { CommandWriter } from './command-writer';
import { ingestConfig } from './config';
import { Directory, DirectoryChanges, icalImportFeeds, keyRingProblems } from '@cm/directory';
import { ReferenceRates, startReferenceRateLookup } from '@cm/exchange-rates';
import { NEW_RATE_PLANS_CHANNEL, RatesStore } from '@cm/rates';
import { type NoQuote, type StayQuote } from '@cm/domain';
import { StayQuotes } from './quotes/stay-quotes';
import { ingestDatabaseMigrations } from './directory/migrations';
import { EventClaims } from './directory/event-claims';
import { SeenEvents } from './directory/seen-events';
import { buildHttpApp } from './http/app';
import { expiredIdempotencyKeys, IdempotencyKeys } from './http/idempotency';
import { AuditReads } from './audit-reads';
import { LedgerReads } from './ledger-reads';
import { ingestMetrics, revisionFeedGauges } from './metrics';
import { acknowledgedRevisions } from './revisions/purge';
import { RevisionStore } from './revisions/store';
import { takeBookingEvents } from './revisions/take-booking-events';

/**
 * Everything that enters the system passes here: channel events from channel.inbound, signed
 * channel webhooks and the PMS API over HTTP. Each becomes a booking command keyed by property,
 * or a clear refusal (a dead letter on Kafka, a 4xx problem over HTTP).
 */
export const ingest: ServiceDefinition<typeof ingestConfig> = {
  name: 'ingest',
  configSchema: ingestConfig,
  async start(context) {
    const { config } = context;
    const db = await useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: config.DATABASE_POOL_MAX } });
    await assertMigrated(db, ingestDatabaseMigrations, "ingest's database (its schema and fx)", 'node services/ingest/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    const redis = await useRedis(context, config.REDIS_URL);
    const subscriber = await useRedis(context, config.REDIS_URL, 'redis:replies', 'subscriber');
    const metrics = ingestMetrics(context.metrics);
    // A ring that cannot open the stored secrets is a configuration error, named at start rather than on every webhook.
    const ringProblems = await keyRingProblems(db, config.SECRETS_KEYS);
    if (ringProblems.length > 0) throw new ConfigError('ingest', ringProblems.map((problem) => ({ variable: 'SECRETS_KEYS', problem })));
    // The directory's caches, and the quotes' (they hold the PMS's plans too), are emptied on every
    // change: a revoked key or a moved listing is refused or followed at once, not within the cache time.
    const changes = new DirectoryChanges(db, context.log.child({ component: 'directory-changes' }), [NEW_RATE_PLANS_CHANNEL]);
    const cacheTime = changes.cacheTime(config.DIRECTORY_CACHE_MS);
    const directory = new Directory(db, cacheTime, config.SECRETS_KEYS);
    // The channel events already taken in are a first, cheap dedupe: the arbiter decides a command
    // id once whatever reaches it. So they are committed without waiting for the disk, which
    // would otherwise cap the webhook rate at the disk's flush rate; a PostgreSQL crash can only
    // let a few duplicates through to the arbiter.
    const seenDb = await useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: config.DATABASE_POOL_MAX }, synchronousCommit: false }, 'postgres:seen-events');
    const seen = new SeenEvents(seenDb);
    context.onStop('seen events', () => seen.flush());
    const claims = new EventClaims(redis, config.TOPIC_NAMESPACE, (error) => context.log.warn({ err: error }, 'could not mark taken-in events done; a retry of one is told to wait until its claim expires, then reaches the arbiter, which drops it'));
    // Stopped after the HTTP server (stops run last-added first), before Redis.
    context.onStop('event claims', () => claims.flush());
    const now = Date.now;
    const idempotencyRetentionMs = config.IDEMPOTENCY_RETENTION_HOURS * 3_600_000;
    // Each purge runs from start to shutdown, 1,000 rows a statement.
    const startPurge = (name: string, what: string, deleteBatch: ConstructorParameters<typeof BatchedPurge>[0]['deleteBatch'], intervalMs: number, onPurged: (rows: number) => void) => {
      const purge = new BatchedPurge({ what, deleteBatch, intervalMs, batchSize: 1_000, onPurged, log: context.log.child({ component: name }) });
      purge.start();
      context.onStop(name, () => purge.stop());
    };
    startPurge('idempotency-purge', 'expired Idempotency-Key records', expiredIdempotencyKeys(db, idempotencyRetentionMs), config.IDEMPOTENCY_PURGE_INTERVAL_MS, (rows) => metrics.idempotencyPurged.inc(rows));
    const revisions = new RevisionStore(db);
    revisionFeedGauges(context.metrics, () => revisions.feedStats(), context.log.child({ component: 'revision-feed' }));
    startPurge('revision-purge', 'acknowledged PMS revisions', acknowledgedRevisions(db, config.REVISION_RETENTION_DAYS * 86_400_000), config.REVISION_PURGE_INTERVAL_MS, (rows) => metrics.pmsRevisionsPurged.inc(rows));
    const writers = await openTopics(context, { reads: [topics.channelInbound, topics.bookingEvents], writes: [topics.bookingCommands, topics.channelInbound, topics.rateChanges, topics.conflicts] });
    const writer = new CommandWriter(writers.producer, writers.serde);
    const rates = new RatesStore(db);
    // A channel booking's PMS quote is converted to the listing's currency with the newest reference rates.
    const fx = await startReferenceRateLookup(context, db, config);
    const quotes = new StayQuotes(db, rates, fx, cacheTime, (result) => metrics.pmsQuotes.inc({ result: quoteResult(result) }));
    const channelEventsLog = context.log.child({ component: 'channel-events' });
    const http = await buildHttpApp({
      db,
      directory,
      seen,
      claims,
      writer,
      quotes,
      metrics,
      log: context.log.child({ component: 'http' }),
      now,
      buckets: new LeasedTokenBuckets(new TokenBuckets(redis, config.TOPIC_NAMESPACE)),
      defaultRatePerSecond: config.TENANT_RATE_PER_SECOND,
      ledger: new LedgerReads(db),
      audit: new AuditReads(db),
      revisions,
      rates,
      idempotency: new IdempotencyKeys(db, { retentionMs: idempotencyRetentionMs }),
      replies: new ReplyWaiter(subscriber, redis),
      decisionDeadlineMs: config.DECISION_DEADLINE_MS,
      onDecisionWait: (result) => metrics.decisionWaits.inc({ result }),
      replayWindowSeconds: config.WEBHOOK_REPLAY_WINDOW_SECONDS,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      exchangeRates: new ReferenceRates(db),
      operatorToken: config.OPERATOR_API_TOKEN,
      exchangeRatesBodyLimitBytes: config.EXCHANGE_RATES_BODY_LIMIT_BYTES,
    });
    await http.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
    context.log.info({ port: httpPort(http) }, 'HTTP API listening');
    context.onStop('http', () => http.close());

    await consumeDecoded(context, writers, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.channelInbound],
      chunkSize: 200,
      handleChunk: (items) => takeChannelEvents(items, { directory, seen, writer, quotes, deadLetters: writers.deadLetters, metrics, log: channelEventsLog, now }),
    });

    // Channels' iCal feeds: each listing's import feed read when due; what changed goes to
    // channel.inbound, taken in above like any channel event.
    const importFeeds = new TtlCache<readonly ImportFeed[]>(cacheTime);
    changes.run(
      context,
      () => directory.forget(),
      () => quotes.forget(),
      () => importFeeds.clear(),
    );
    const importer = new IcalImporter(
      {
        store: new ImportStore(db),
        feeds: async () => (await importFeeds.get('all', () => icalImportFeeds(db, config.SECRETS_KEYS))) ?? [],
        timeZoneOf: async (channel, listingId) => (await directory.listing(channel, listingId))?.timeZone,
        send: (events) => produceValues(writers.producer, writers.serde, topics.channelInbound, events),
        raise: (conflicts) => produceValues(writers.producer, writers.serde, topics.conflicts, conflicts),
        metrics: { reads: metrics.icalReads, changes: metrics.icalChanges },
        log: context.log.child({ component: 'ical-import' }),
        now,
      },
      { tickMs: config.ICAL_IMPORT_TICK_MS, leaseMs: config.ICAL_FEED_TIMEOUT_MS * 2 + 30_000, concurrency: config.ICAL_IMPORT_CONCURRENCY, timeoutMs: config.ICAL_FEED_TIMEOUT_MS, maxBytes: config.ICAL_FEED_MAX_BYTES, horizonDays: config.ICAL_IMPORT_HORIZON_DAYS },
    );
    importer.start();
    context.onStop('ical-import', () => importer.stop());

    // The PMS revision feed: every booking.events record of a known property, recorded once.
    const revisionLog = context.log.child({ component: 'revision-feed' });
    const takeEvents = (items: readonly DecodedRecord<typeof topics.bookingEvents>[]) => takeBookingEvents(items, { directory, store: revisions, count: (outcome, records) => metrics.pmsRevisions.inc({ outcome }, records), log: revisionLog });
    // Chunks of other partitions handed over meanwhile go in one statement (a revision a statement
    // was 0.7 statements a booking at 50/s).
    const revisionRecorder = chunkGroupCommit(takeEvents, 1_000);
    await consumeDecoded(context, writers, {
      groupId: `${config.CONSUMER_GROUP}.revisions`,
      topics: [topics.bookingEvents],
      // The PMS reads the feed when it polls: a takeover may take half a minute.
      background: true,
      partitionsConsumedConcurrently: 4,
      chunkSize: 200,
      handleChunk: (items) => revisionRecorder.call(items),
    });
  },
};

/** A quote's result as the metric labels it: quoted (in which currency), or why not. */
function quoteResult(result: StayQuote | NoQuote): string {
  if (result.kind === 'no_quote') return result.reason;
  return result.pricedIn === 'listing_currency' ? 'quoted' : 'quoted_in_pms_currency';
}

export function httpPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
