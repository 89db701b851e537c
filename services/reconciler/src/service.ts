import type { AddressInfo } from 'node:net';
import { ChannelConnections, directoryConnections, listingTimeZones } from '@cm/channel-adapters';
import { DirectoryChanges } from '@cm/directory';
import { ReferenceRates, exchangeRateMigrations, startReferenceRateLookup } from '@cm/exchange-rates';
import { RatesStore } from '@cm/rates';
import { topics } from '@cm/schemas';
import { assertMigrated, conflictMetrics, consumeDecoded, openTopics, startSchemaOutbox, TokenBuckets, traceParentOfHeaders, useDatabase, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { operatorSocketPath, reconcilerConfig } from './config';
import { CalendarReports } from './calendar-reports';
import { CorrectionsOutbox } from './corrections-outbox';
import { startHttp, startOperatorSocket } from './http';
import { DriftReads } from './store/drift-reads';
import { reconcilerMetrics } from './metrics';
import { Reconciliation } from './pass';
import { reconcileMigrations } from './store/migrations';
import { PassStore } from './store/pass-store';

/** How often the schedule is looked at; the pass itself runs every RECONCILE_EVERY_MINUTES. */
const SCHEDULE_CHECK_MS = 60_000;

/**
 * Finds and fixes drift between each channel's calendar and the ledger, and between its rates and
 * the PMS's: a pass on a schedule and on demand (POST /v1/reconciliations with a tenant's key, or
 * the operator's reconcile command on the local socket; one running pass per scope) reads every
 * channel listing's calendar (and rate plans, where the channel shows them), sends corrections to
 * availability.changes and rate.changes for that channel only (through the outbox, written with
 * the rows that record them), and consumes sync.results.v2 to count each availability correction
 * fixed only when the channel acknowledged it.
 */
export const reconciler: ServiceDefinition<typeof reconcilerConfig> = {
  name: 'reconciler',
  configSchema: reconcilerConfig,
  async start(context) {
    const { config } = context;
    const db = await useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: config.DATABASE_POOL_MAX } });
    await assertMigrated(db, reconcileMigrations, 'the reconcile schema', 'node services/reconciler/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    await assertMigrated(db, exchangeRateMigrations, 'the fx schema (exchange rates)', 'node services/ingest/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    const redis = await useRedis(context, config.REDIS_URL);
    const passes = new PassStore(db);
    const metrics = reconcilerMetrics(context.metrics);
    // Each listing is read through its connection: its base URL and credentials, opened with
    // SECRETS_KEYS, cached until the directory changes.
    const changes = new DirectoryChanges(db, context.log.child({ component: 'directory-changes' }));
    const cacheTime = changes.cacheTime(config.CONNECTIONS_CACHE_MS);
    const timeZoneOf = listingTimeZones(db, cacheTime);
    const adapters = new ChannelConnections({
      apiBaseUrl: config.CHANNEL_API_BASE_URL,
      icalChannels: config.ICAL_CHANNELS,
      icalImportUrlTemplate: config.ICAL_IMPORT_URL_TEMPLATE,
      timeoutMs: config.READ_TIMEOUT_MS,
      timeZoneOf,
      directory: directoryConnections(db, config.SECRETS_KEYS),
      cacheMs: cacheTime,
    });
    changes.run(
      context,
      () => adapters.forget(),
      () => timeZoneOf.forget(),
    );

    const conflictCounts = conflictMetrics(context.metrics);
    // The PMS's prices are converted to a listing's currency with the newest reference rates, in memory, read now and on an interval (as the dispatcher's).
    const fx = await startReferenceRateLookup(context, db, config);

    const writers = await openTopics(context, { reads: [topics.syncResults, topics.channelInbound], writes: [topics.availabilityChanges, topics.rateChanges, topics.conflicts] });
    // Corrections and drift go out through the outbox, published by the owners of sync.results.v2's
    // partitions; added before the consumers and the passes, it stops after them and publishes what they committed.
    const { outbox, fences, partitionOf } = await startSchemaOutbox(context, db, writers, { schema: 'reconcile', ownedBy: context.topics.syncResults, owner: config.INSTANCE_ID, batchSize: 100 });
    /** Drift is counted once, here, when the transaction that raises it committed. */
    const corrections = new CorrectionsOutbox(db, outbox, partitionOf, (conflicts) => {
      for (const c of conflicts) conflictCounts.raised({ type: c.conflict_type, channel: c.channel, requiresReview: c.requires_review });
    });

    const reconciliation = new Reconciliation(
      { db, passes, adapters, rates: new RatesStore(db), fx: fx, buckets: new TokenBuckets(redis, config.TOPIC_NAMESPACE), metrics, log: context.log.child({ component: 'pass' }), now: Date.now, corrections },
      { windowDays: config.WINDOW_DAYS, readConcurrency: config.READ_CONCURRENCY, readsPerMinute: config.CHANNEL_READS_PER_MINUTE, batchProperties: config.BATCH_PROPERTIES, renewEveryMs: config.PASS_RENEW_MS },
    );
    const running = new Set<Promise<void>>();
    const track = (done: Promise<void>) => {
      running.add(done);
      void done.finally(() => running.delete(done));
    };

    await consumeDecoded(context, writers, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.syncResults],
      // Settling corrections and comparing calendars are off the path of a booking: a takeover may take half a minute.
      background: true,
      onAssignment: (assigned) => fences.assigned(assigned.get(context.topics.syncResults) ?? []),
      handle: async ({ value: result }) => {
        // A reservation action's outcome is not a push: it settles no correction.
        if (result.reservation_action !== null) return;
        const settled = await passes.settle(result, Date.now());
        if (settled.fixed > 0) metrics.corrections.inc({ channel: result.channel, outcome: 'fixed' }, settled.fixed);
        if (settled.failed > 0) metrics.corrections.inc({ channel: result.channel, outcome: 'failed' }, settled.failed);
      },
    });

    // A channel's own calendar reports, compared as they arrive; the connectors' other events are ingest's.
    const reports = new CalendarReports({ db, passes, corrections, metrics, log: context.log.child({ component: 'calendar-reports' }), now: Date.now });
    await consumeDecoded(context, writers, {
      groupId: `${config.CONSUMER_GROUP}.calendar-reports`,
      topics: [topics.channelInbound],
      background: true,
      // Ingest owns channel.inbound and dead-letters what does not decode.
      undecodable: 'skip',
      handle: async ({ value: event, record }) => {
        if (event.event_type !== 'AVAILABILITY_REPORTED') return;
        metrics.calendarReports.inc({ channel: event.channel, outcome: await reports.take(event, traceParentOfHeaders(record.headers)) });
      },
    });

    const httpDeps = { reconciliation, passes, drift: new DriftReads(db), now: Date.now, db, log: context.log.child({ component: 'http' }), track, buckets: new TokenBuckets(redis, config.TOPIC_NAMESPACE), ratePerSecond: config.API_RATE_PER_SECOND };
    const http = await startHttp(httpDeps, config.HTTP_HOST, config.HTTP_PORT);
    context.onStop('reconciliation endpoint', () => http.close());
    const socketPath = operatorSocketPath({ OPERATOR_SOCKET: config.OPERATOR_SOCKET, HTTP_PORT: (http.server.address() as AddressInfo).port });
    if (socketPath !== null) {
      const operator = await startOperatorSocket(httpDeps, socketPath);
      context.onStop('operator socket', () => operator.close());
    }

    if (config.RECONCILE_EVERY_MINUTES > 0) {
      const everyMs = config.RECONCILE_EVERY_MINUTES * 60_000;
      const check = async () => {
        const started = await reconciliation.startIfDue(everyMs).catch((error: unknown) => {
          context.log.error({ err: error }, 'could not start the scheduled pass; trying again at the next check');
          metrics.scheduleChecks.inc({ outcome: 'failed' });
          return undefined;
        });
        if (started) track(started.done);
        if (started !== undefined) metrics.scheduleChecks.inc({ outcome: started ? 'started' : 'not_due' });
      };
      const timer = setInterval(() => void check(), Math.min(SCHEDULE_CHECK_MS, everyMs));
      void check();
      context.onStop('schedule', async () => clearInterval(timer));
    }
    context.onStop('passes in progress', async () => {
      reconciliation.stop();
      await Promise.all(running);
    });
  },
};
