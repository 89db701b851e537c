import { randomBytes } from 'node:crypto';
import { DirectoryChanges, ListingPricings, listingOfExportToken } from '@cm/directory';
import { ReferenceRates, startReferenceRateLookup } from '@cm/exchange-rates';
import { RatesStore, spansOfRecord } from '@cm/rates';
import { topics, type AvailabilityChange } from '@cm/schemas';
import { assertMigrated, BatchedPurge, closeHttpServer, chunkGroupCommit, conflictMetrics, consumeDecoded, openTopics, SessionLock, startSchemaOutbox, TokenBuckets, type DecodedRecord, type Knex, type ServiceContext, traceParentOfHeaders, useDatabase, useRedis, type ServiceDefinition } from '@cm/service-runtime';
import { ChannelConnections, directoryConnections } from '@cm/channel-adapters';
import { ActionRunner } from './actions/runner';
import { startConsoleApi } from './console-api';
import { startFeedServer } from './feed-server';
import { dispatcherConfig, type DispatcherConfig } from './config';
import { MemberTakeover } from './member-takeover';
import { dispatcherMetrics } from './metrics';
import { Pusher } from './pusher';
import { RatePusher } from './rate-pusher';
import { ResultWriter } from './results';
import { ActionStore, type RecordedActions } from './store/action-store';
import { RECORDING_PLANNING, runRecording, runRecordingsTogether } from './store/recording';
import { ChannelSideReads } from './store/channel-side-reads';
import { FeedFetches } from './store/feed-fetches';
import { PushHistory } from './store/push-calls';
import { ChannelListings } from './store/channel-listings';
import { SettleTogether } from './store/settle-together';
import { SharedTermsReads } from './store/shared-terms-reads';
import { syncMigrations } from './store/migrations';
import { memberLockName, type Incarnation } from './store/member-leases';
import { RateStore, type RateMarking } from './store/rate-store';
import { SyncStore, type Applied, type ListingKey } from './store/sync-store';
import { UnfetchedWatch } from './unfetched-watch';

/**
 * Keeps every channel showing what the ledger holds: consumes availability.changes, records for
 * each channel listing of the property (but the one the change came from) the newest state of
 * each night, and pushes what a channel has not acknowledged; consumes reservation.actions.v2 and
 * carries each out on its reservation's channel. Every push's and action's outcome goes to
 * sync.results.v2.
 */
export const syncDispatcher: ServiceDefinition<typeof dispatcherConfig> = {
  name: 'sync-dispatcher',
  configSchema: dispatcherConfig,
  async start(context) {
    const { config } = context;
    // Leases are held under a name of this process alone: INSTANCE_ID may be the same for every
    // restart of a container (its pid 1), and a live process's leases must never be taken for
    // those of the dead process before it.
    const leaseOwner = `${config.INSTANCE_ID}/${randomBytes(4).toString('hex')}`;
    const db = await useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: config.DATABASE_POOL_MAX } });
    await assertMigrated(db, syncMigrations, 'the sync schema', 'node services/sync-dispatcher/dist/cli/migrate.js', { waitMs: config.MIGRATIONS_WAIT_MS, log: context.log });
    // The lease loops, as each starts: told when a dead process's leases were given back.
    const loops: { wake(): void }[] = [];
    const wakeLoops = () => loops.forEach((loop) => loop.wake());
    // Registered first, so stopped last: the member's lock is held until the last lease is given back.
    const takeover = config.KAFKA_GROUP_INSTANCE_ID === undefined ? null : memberTakeover(context, db, { member: config.KAFKA_GROUP_INSTANCE_ID, owner: leaseOwner }, wakeLoops);
    // Under way while the rest starts; done before this process leases anything, so what it gives
    // back at once is claimed by its loops as they start.
    const entered = takeover?.start();
    // A booking's recordings and settlements go through a pool of their own, which plans each
    // statement once (RECORDING_PLANNING). Both connect at once: a restart waits for neither twice.
    const [redis, recordings] = await Promise.all([
      useRedis(context, config.REDIS_URL),
      useDatabase(context, config.DATABASE_URL, { pool: { min: 1, max: RECORDING_POOL_MAX }, planning: RECORDING_PLANNING }, 'recordings'),
    ]);
    // A booking's push acknowledgements and its reservation action's finish come within
    // milliseconds of each other: one statement, one commit, one send of their outcomes.
    const settle = new SettleTogether(recordings);
    const store = new SyncStore(db, config.ICAL_CHANNELS, settle);
    const fetches = new FeedFetches(db);
    // The directory's caches below are emptied on every change to it: a listing mapped or moved, a
    // connection's rotated credentials, are pushed to or with at once.
    const changes = new DirectoryChanges(db, context.log.child({ component: 'directory-changes' }));
    const listingsCacheTime = changes.cacheTime(config.LISTINGS_CACHE_MS);
    // A property's listings are read with their connections as a change is recorded: its pushes then find them held.
    const listings = new ChannelListings(db, listingsCacheTime, (channel, listingId, connectionId) => adapters.remember(channel, listingId, connectionId));
    const metrics = dispatcherMetrics(context.metrics);
    const conflictCounts = conflictMetrics(context.metrics);
    const buckets = new TokenBuckets(redis, config.TOPIC_NAMESPACE);
    const { timeZoneOf } = listings;
    // Each listing is reached through its connection: its base URL and credentials, opened with SECRETS_KEYS.
    const adapters = new ChannelConnections({
      apiBaseUrl: config.CHANNEL_API_BASE_URL,
      icalChannels: config.ICAL_CHANNELS,
      icalImportUrlTemplate: config.ICAL_IMPORT_URL_TEMPLATE,
      timeoutMs: config.PUSH_TIMEOUT_MS,
      timeZoneOf,
      directory: directoryConnections(db, config.SECRETS_KEYS),
      cacheMs: changes.cacheTime(config.CONNECTIONS_CACHE_MS),
    });
    const writers = await openTopics(context, { reads: [topics.availabilityChanges, topics.reservationActions, topics.rateChanges], writes: [topics.syncResults, topics.conflicts] });
    // Outcomes are published by the owners of availability.changes' partitions; the outbox is
    // stopped after the pusher and the runner, which hand it their last outcomes.
    const { outbox, fences, partitionOf } = await startSchemaOutbox(context, db, writers, { schema: 'sync', ownedBy: context.topics.availabilityChanges, owner: config.INSTANCE_ID, batchSize: 200, publishLingerMs: config.OUTCOME_PUBLISH_LINGER_MS });
    const results = new ResultWriter(outbox, partitionOf, conflictCounts);
    const history = new PushHistory(db, config.INSTANCE_ID);
    const pusher = new Pusher(
      { store, fetches, adapters, buckets, results, history, metrics, log: context.log.child({ component: 'pusher' }), now: Date.now, random: Math.random },
      {
        owner: leaseOwner,
        leaseMs: config.LEASE_MS,
        concurrency: config.PUSH_CONCURRENCY,
        retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS },
        breaker: { failureThreshold: config.BREAKER_FAILURES, coolDownMs: config.BREAKER_COOL_DOWN_MS, halfOpenTrials: 1 },
        callsPerMinute: config.CHANNEL_CALLS_PER_MINUTE,
        afterFailureMs: config.AFTER_FAILURE_MS,
      },
    );
    await entered;
    pusher.start();
    loops.push(pusher);
    context.onStop('pusher', async () => {
      await pusher.stop();
      await history.forgetBreakers().catch((error: unknown) => context.log.warn({ err: error }, 'could not forget this instance\'s breaker states'));
    });
    // A fetch that carried a pending change makes its listing claimable (by any instance); the
    // instance that served it looks at once rather than at its next poll.
    const feeds = await startFeedServer(store, (token) => listingOfExportToken(db, token), timeZoneOf, context.log.child({ component: 'feeds' }), config.FEED_HOST, config.FEED_PORT, async (fetch) => {
      if (await fetches.record(fetch)) pusher.wake();
    });
    // A channel polling on a kept-alive connection would hold close() open for as long as it
    // polls: what is left after a second is cut (a fetch cut short holds nothing new; it fetches again).
    context.onStop('feed server', () => closeHttpServer(feeds, FEED_SERVER_GRACE_MS));
    if (config.CONSOLE_API_PORT !== undefined) {
      const consoleApi = await startConsoleApi({ db, reads: new ChannelSideReads(db), log: context.log.child({ component: 'console-api' }), buckets, ratePerSecond: config.CONSOLE_API_RATE_PER_SECOND, now: Date.now }, config.CONSOLE_API_HOST, config.CONSOLE_API_PORT);
      context.onStop('console api', () => consoleApi.close());
    }
    const keepMs = config.PUSH_CALLS_KEEP_DAYS * 86_400_000;
    const purge = new BatchedPurge({ what: 'push calls past PUSH_CALLS_KEEP_DAYS', intervalMs: 3_600_000, batchSize: 5_000, deleteBatch: (limit) => history.purgeCalls(Date.now() - keepMs, limit), onPurged: () => {}, log: context.log.child({ component: 'push-calls-purge' }) });
    purge.start();
    context.onStop('push calls purge', () => purge.stop());
    const unfetched = new UnfetchedWatch({ fetches, metrics, log: context.log.child({ component: 'feeds' }), now: Date.now }, { channels: config.ICAL_CHANNELS, alertMs: config.ICAL_UNFETCHED_ALERT_MS, everyMs: config.ICAL_UNFETCHED_CHECK_MS });
    unfetched.start();
    context.onStop('unfetched feed watch', () => unfetched.stop());
    // Reservation actions: each is recorded (a replay is known by its event id) before its offset
    // is committed, then carried out by the runner.
    const actions = new ActionStore(db, settle);
    const runner = new ActionRunner(
      { store: actions, listings, channels: adapters, buckets, results, metrics, log: context.log.child({ component: 'reservation-actions' }), now: Date.now, random: Math.random },
      {
        owner: leaseOwner,
        leaseMs: config.LEASE_MS,
        concurrency: config.RESERVATION_ACTION_CONCURRENCY,
        retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS },
        callsPerMinute: config.RESERVATION_CALLS_PER_MINUTE,
        afterFailureMs: config.AFTER_FAILURE_MS,
      },
    );
    runner.start();
    loops.push(runner);
    context.onStop('reservation actions', () => runner.stop());
    // A decision's records of both topics, as kept here: the nights of each of its listings, and
    // its reservation actions (a replay is known by its event id), recorded before their offsets
    // are committed; the pusher and the runner are handed what was leased as it was recorded.
    // Chunks handed over in the same turn (one fetch: a decision's change and its action, other
    // partitions') go in one statement, one commit: their properties are disjoint.
    const changesRecording = async (items: readonly DecodedRecord<typeof topics.availabilityChanges>[]) => {
      const values = items.map(({ value }) => value);
      const byProperty = await listings.ofProperties(values.map((c) => c.property_id));
      const changes = items.map(({ record: r }, i) => ({ change: values[i]!, listings: targets(values[i]!, byProperty.get(values[i]!.property_id) ?? []), traceParent: traceParentOfHeaders(r.headers) }));
      return store.changesRecording(changes, Date.now(), pusher.nextLease());
    };
    const afterChanges = (applied: Applied) => {
      pusher.pushLeased(applied.leased);
      if (applied.touched.length > applied.leased.length) pusher.wake();
    };
    const afterActions = ({ recorded, leased }: RecordedActions) => {
      runner.carryOutLeased(leased);
      if (recorded > leased.length) runner.wake();
    };
    const record = async (items: readonly DecodedRecord<typeof topics.availabilityChanges | typeof topics.reservationActions>[]) => {
      const changes = items.filter((item): item is DecodedRecord<typeof topics.availabilityChanges> => item.topic === topics.availabilityChanges.name);
      const acted = items.filter((item): item is DecodedRecord<typeof topics.reservationActions> => item.topic === topics.reservationActions.name);
      const ofChanges = changes.length > 0 ? await changesRecording(changes) : null;
      const ofActions = acted.length > 0 ? actions.actionsRecording(acted.map(({ value, record: r }) => ({ record: value, traceParent: traceParentOfHeaders(r.headers) })), Date.now(), runner.nextLease()) : null;
      if (ofChanges !== null && ofActions !== null) {
        const [applied, recorded] = await runRecordingsTogether(recordings, ofChanges, ofActions);
        afterChanges(applied);
        afterActions(recorded);
      } else if (ofChanges !== null) afterChanges(await runRecording(recordings, ofChanges));
      else if (ofActions !== null) afterActions(await runRecording(recordings, ofActions));
    };
    const recorder = chunkGroupCommit(record, CHANGES_PER_STATEMENT, { lingerTurn: true });

    // Availability changes and reservation actions in one group: a decision's records of both
    // topics arrive in one fetch, not one fetch per group (issue 22: a fetch a booking less, and a
    // member's heartbeats and idle polls less). The actions had a group of their own before
    // (RESERVATION_ACTIONS_GROUP_BEFORE); the merged group starts where that one left off.
    await consumeDecoded(context, writers, {
      groupId: config.CONSUMER_GROUP,
      topics: [topics.availabilityChanges, topics.reservationActions],
      adoptOffsetsFrom: [{ groupId: `${config.CONSUMER_GROUP}${RESERVATION_ACTIONS_GROUP_BEFORE}`, topics: [topics.reservationActions] }],
      // As many chunks at once as the two groups took before.
      partitionsConsumedConcurrently: 8,
      onAssignment: (assigned) => {
        fences.assigned(assigned.get(context.topics.availabilityChanges) ?? []);
        void takeover?.partitionsMoved();
      },
      chunkSize: CHANGES_PER_STATEMENT,
      // A chunk is of one partition of one topic.
      handleChunk: (items) => recorder.call(items),
    });

    // Rates and restrictions, in a group of their own: each change marks the nights it names for
    // every listing of the property whose channel takes rates; the rate pusher reads their terms
    // from the rates store when it pushes. Marking again is harmless, so a replay only re-pushes.
    // Prices go to a listing in its currency: converted with the newest reference rates, in memory, read now and on an interval.
    const fx = await startReferenceRateLookup(context, db, config);
    const rateStore = new RateStore(db);
    const pmsRates = new RatesStore(db);
    const pricings = new ListingPricings(db, listingsCacheTime);
    changes.run(
      context,
      () => listings.forget(),
      () => adapters.forget(),
      () => pricings.forget(),
    );
    const ratePusher = new RatePusher(
      { store: rateStore, terms: new SharedTermsReads((propertyId, from, to, plans) => pmsRates.nights(propertyId, from, to, plans)), pricingOf: pricings.of, adapters, buckets, fx: fx, metrics, log: context.log.child({ component: 'rate-pusher' }), now: Date.now, random: Math.random },
      {
        owner: leaseOwner,
        leaseMs: config.LEASE_MS,
        concurrency: config.RATE_PUSH_CONCURRENCY,
        callsPerMinute: config.RATE_CALLS_PER_MINUTE,
        rangesPerCall: config.RATE_RANGES_PER_CALL,
        retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS },
        afterFailureMs: config.AFTER_FAILURE_MS,
      },
    );
    ratePusher.start();
    loops.push(ratePusher);
    context.onStop('rate pusher', () => ratePusher.stop());
    const takesRates = (listing: ListingKey) => adapters.byChannel.get(listing.channel)?.rateCapabilities.has('push_rates') === true;
    await consumeDecoded(context, writers, {
      groupId: `${config.CONSUMER_GROUP}.rates`,
      topics: [topics.rateChanges],
      // Prices and restrictions, not availability: a takeover may take half a minute.
      background: true,
      chunkSize: 50,
      async handleChunk(items) {
        const byProperty = await listings.ofProperties(items.map(({ value }) => value.property_id));
        const markings: RateMarking[] = items.flatMap(({ value }) => {
          const spans = spansOfRecord(value);
          const targets = (byProperty.get(value.property_id) ?? []).filter((listing) => takesRates(listing) && (value.only_channel === null || listing.channel === value.only_channel));
          return targets.flatMap((listing) => spans.map((span) => ({ listing: { ...listing, propertyId: value.property_id }, ...span })));
        });
        await rateStore.mark(markings, Date.now());
        if (markings.length > 0) ratePusher.wake();
      },
    });
  },
};

/** The takeover of dead processes' work, and the member's lock it holds until the process stops. */
function memberTakeover(context: ServiceContext<DispatcherConfig>, db: Knex, me: Incarnation, released: () => void): MemberTakeover {
  const connectLock = (lost: (error: Error) => void) => SessionLock.connect(context.config.DATABASE_URL, memberLockName(me.member), { applicationName: `${context.name} member lock`, lost });
  const takeover = new MemberTakeover({ db, connectLock, log: context.log.child({ component: 'member-takeover' }), now: Date.now, released }, me, context.config.LEASE_MS);
  context.onStop('member lock', () => takeover.stop());
  return takeover;
}

/** The recordings' pool: a recording at a time (a group commit) and a settlement or two beside it. */
const RECORDING_POOL_MAX = 3;

/** How long fetches in flight may finish when the feed server stops. */
const FEED_SERVER_GRACE_MS = 1_000;

/** The group the reservation actions were consumed in, after CONSUMER_GROUP, before they joined the changes' group. */
const RESERVATION_ACTIONS_GROUP_BEFORE = '.reservation-actions';

/** Changes (or reservation actions) recorded in one statement at most, however many chunks they came in. */
const CHANGES_PER_STATEMENT = 500;

/** The listings a change goes to: every channel of the property but the one it came from, or only the one named. */
function targets(change: AvailabilityChange, listings: readonly ListingKey[]): ListingKey[] {
  return listings.filter((l) => (change.only_channel ? l.channel === change.only_channel : l.channel !== change.except_channel));
}
