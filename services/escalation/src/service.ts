import { topics } from '@cm/schemas';
import { assertMigrated, consumeDecoded, openTopics, startSchemaOutbox, TokenBuckets, useDatabase, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { escalationConfig } from './config';
import { buildConsole } from './console/app';
import { SessionStore } from './console/session-store';
import { ConsoleSources } from './console/sources';
import { buildReviewApi } from './http/app';
import { escalationMetrics } from './metrics';
import { LogNotifier } from './notify/log-notifier';
import type { Notifier } from './notify/notifier';
import { SignedWebhookNotifier } from './notify/webhook-notifier';
import { IssuedCommands } from './store/issued-commands';
import { escalationMigrations } from './store/migrations';
import { RelocationStore } from './store/relocation-store';
import { ReviewStore } from './store/review-store';
import { SettingsStore } from './store/settings-store';
import { TaskStore, type RecordOutcome, type TaskRow } from './store/task-store';
import { SlaTimer } from './timer/sla-timer';

/**
 * Turns conflicts and failed syncs into review tasks: applies the 5.2 rules again to each
 * conflict's facts and counts sync failures per property and channel; keeps one unresolved task
 * per conflict key in PostgreSQL with its severity, SLA and escalation level; a timer escalates
 * tasks whose SLA passed unacknowledged and delivers notifications; the review API lets a tenant's
 * operators acknowledge and resolve them, a resolution's command going to booking.commands.
 */
export const escalation: ServiceDefinition<typeof escalationConfig> = {
  name: 'escalation',
  configSchema: escalationConfig,
  async start(context) {
    const { config, log } = context;
    const db = await useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: config.DATABASE_POOL_MAX } });
    await assertMigrated(db, escalationMigrations, 'the escalation schema', 'node services/escalation/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    const redis = await useRedis(context, config.REDIS_URL);
    const now = () => Date.now();
    const writers = await openTopics(context, { reads: [topics.conflicts, topics.syncResults, topics.bookingEvents], writes: [topics.bookingCommands] });
    // The owners of conflicts' partitions publish the commands; its listener keeps one connection of the pool.
    const { outbox, fences, partitionOf } = await startSchemaOutbox(context, db, writers, { schema: 'escalation', ownedBy: context.topics.conflicts, owner: config.INSTANCE_ID, batchSize: 100, placeRowsFromBefore: true });
    const store = new TaskStore(db, { minuteMs: config.SLA_MINUTE_MS, now }, new IssuedCommands(outbox, partitionOf));
    const relocations = new RelocationStore(db, store, now);
    const desk = new ReviewStore(db, store, relocations, now);
    const metrics = escalationMetrics(context.metrics, () => store.unresolvedCounts(), () => store.losingReservationsConfirmed(), now);
    const notifiers: Notifier[] = [new LogNotifier(log.child({ component: 'notifications' }))];
    if (config.NOTIFY_WEBHOOK_URL && config.NOTIFY_WEBHOOK_SECRET) {
      notifiers.push(
        new SignedWebhookNotifier({ url: config.NOTIFY_WEBHOOK_URL, secret: config.NOTIFY_WEBHOOK_SECRET, timeoutMs: config.NOTIFY_TIMEOUT_MS, attempts: config.NOTIFY_ATTEMPTS, backoffMs: config.NOTIFY_BACKOFF_MS, now }),
      );
    }

    const timer = new SlaTimer(
      { store, notifiers, metrics, log: log.child({ component: 'timer' }), now },
      { pollMs: config.TIMER_POLL_MS, levels: config.ESCALATION_LEVELS, retryMs: config.NOTIFY_RETRY_MS, claimMs: Math.max(60_000, config.NOTIFY_TIMEOUT_MS * config.NOTIFY_ATTEMPTS * 2) },
    );

    /** A resolution committed (by an operator or the system): counted. Its command is the outbox's to publish. */
    const resolved = (task: TaskRow) => {
      metrics.resolved.inc({ conflict_type: task.conflict_type, resolution: task.resolution ?? 'unknown' });
      metrics.resolutionSeconds.observe({ conflict_type: task.conflict_type }, ((task.resolved_at_ms ?? Date.now()) - task.opened_at_ms) / 1000);
    };
    const count = (topic: string, outcome: RecordOutcome) => {
      const label = outcome.kind === 'task' ? `task_${outcome.outcome}` : outcome.kind;
      metrics.records.inc({ topic, outcome: label });
      if (outcome.kind !== 'duplicate' && outcome.triage?.why) log.warn({ topic, why: outcome.triage.why }, 'conflict assessed from the record, not its facts');
      if (outcome.kind === 'task' && outcome.autoCancel) {
        metrics.autoCancels.inc({ channel: outcome.autoCancel.channel, outcome: outcome.autoCancel.outcome });
        if (outcome.autoCancel.outcome === 'cancelled') resolved(outcome.autoCancel.task);
      }
      if (outcome.kind === 'task' && outcome.outcome === 'opened') void timer.wake();
    };

    timer.start();
    context.onStop('sla timer', () => timer.stop());
    await consumeDecoded(context, writers, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.conflicts, topics.syncResults],
      onAssignment: (assigned) => fences.assigned(assigned.get(context.topics.conflicts) ?? []),
      handle: async (decoded) => {
        if (decoded.topic === topics.conflicts.name) count('conflicts', await store.processConflict(decoded.value));
        else count('sync.results.v2', await store.processSyncResult(decoded.value));
      },
    });

    // The ledger's decisions read from booking.events, in a group of its own so the ledger's whole
    // stream never delays conflicts: channel reservations gone from their channel (for the
    // losing-reservation gauges), and the decisions of relocation bookings (filtered by the command
    // ids a relocation issued). Each is applied once (an insert that ignores a repeat, and
    // RelocationStore.decided); offsets are committed after both.
    await consumeDecoded(context, writers, {
      groupId: `${config.CONSUMER_GROUP}.relocations`,
      topics: [topics.bookingEvents],
      // Gauges and relocations' decisions, not new conflicts: a takeover may take half a minute.
      background: true,
      handle: async ({ value }) => {
        await store.processBookingEvent(value);
        const outcome = await relocations.decided(value);
        if (outcome.kind === 'ignored') return;
        metrics.relocations.inc({ outcome: outcome.kind });
        if (outcome.kind === 'accepted') resolved(outcome.task);
      },
    });

    const buckets = new TokenBuckets(redis, config.TOPIC_NAMESPACE);
    const relocated = (outcome: 'requested' | 'withdrawn') => metrics.relocations.inc({ outcome });
    const api = await buildReviewApi({
      db,
      desk,
      settings: new SettingsStore(db, now),
      levels: config.ESCALATION_LEVELS,
      log: log.child({ component: 'review-api' }),
      buckets,
      ratePerSecond: config.API_RATE_PER_SECOND,
      onResolved: resolved,
      relocations,
      onRelocation: relocated,
    });
    await api.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
    context.onStop('review api', () => api.close());
    log.info({ host: config.HTTP_HOST, port: config.HTTP_PORT }, 'review API listening');

    // The operator console: the same desk and hooks as the review API, its own port and sessions.
    if (config.CONSOLE_PORT === undefined) return;
    const consoleApp = await buildConsole({
      db,
      desk,
      relocations,
      sessions: new SessionStore(db, config.CONSOLE_SESSION_MINUTES * 60_000, now, config.SECRETS_KEYS),
      sources: new ConsoleSources({ ingest: config.CONSOLE_INGEST_URL, dispatcher: config.CONSOLE_DISPATCHER_URL, reconciler: config.CONSOLE_RECONCILER_URL }, config.CONSOLE_READ_TIMEOUT_MS),
      levels: config.ESCALATION_LEVELS,
      log: log.child({ component: 'console' }),
      buckets,
      ratePerSecond: config.API_RATE_PER_SECOND,
      secureCookies: config.CONSOLE_SECURE_COOKIES,
      trustedProxies: config.CONSOLE_TRUSTED_PROXIES,
      now,
      onResolved: resolved,
      onRelocation: relocated,
      onSignIn: (outcome) => metrics.consoleSignIns.inc({ outcome }),
    });
    await consoleApp.listen({ port: config.CONSOLE_PORT, host: config.HTTP_HOST });
    context.onStop('console', () => consoleApp.close());
    log.info({ host: config.HTTP_HOST, port: config.CONSOLE_PORT }, 'operator console listening');
  },
};
