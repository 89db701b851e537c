import { ChannelConnections, directoryConnections, listingTimeZones } from '@cm/channel-adapters';
import { requireOk } from '@cm/channel-simulator';
import { noRates } from '@cm/domain';
import { RatesStore } from '@cm/rates';
import type { AvailabilityChange, Conflict } from '@cm/schemas';
import { AvroSerde, createRedis, partitionCountOf, partitionOfKey, PartitionFences, Registry, schemaOutbox, TokenBuckets, waitFor, type Outbox, type Redis, type RecordProducer } from '@cm/service-runtime';
import { stack, testKafka, testKeyRing, testLogger } from '@cm/test-harness';
import { closedNights, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { CorrectionsOutbox } from '../src/corrections-outbox';
import { reconcilerMetrics } from '../src/metrics';
import { Reconciliation } from '../src/pass';
import { PassStore } from '../src/store/pass-store';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A pass's corrections and drift conflicts are written to the reconcile outbox in the transaction
 * of the rows that record them (issue 19.2), on the real stack: with the broker refusing every
 * send, the pass still records its rows and their outbox rows together, and once the broker takes
 * records again the corrections go out, under the ids the rows stand for, and reach the channel.
 */
describe('reconciler: corrections go through the outbox', () => {
  let pipeline: Pipeline;
  let redis: Redis;
  const kafka = testKafka('reconcile-outbox-tests');
  let producer: RecordProducer;
  const running: Outbox[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '100000' });
    redis = createRedis(stack.REDIS_URL);
    await redis.connect();
    producer = await kafka.producer();
  });
  afterAll(async () => {
    await Promise.all(running.map((outbox) => outbox.stop()));
    await producer?.disconnect();
    redis?.disconnect();
    await pipeline?.close();
  });

  /**
   * A reconciler in process on the world's database, owning every partition of sync.results.v2:
   * its outbox sends with `sender`; `writes` stands between its corrections and the outbox.
   */
  async function inProcess(sender: RecordProducer, writes: (outbox: Outbox) => Pick<Outbox, 'insert' | 'committedAnywhere' | 'inDoubt'> = (o) => o) {
    const { world, simulator } = pipeline;
    const partitions = await partitionCountOf(kafka, world.topics.syncResults);
    const partitionOf = (propertyId: string) => partitionOfKey(propertyId, partitions);
    const fences = new PartitionFences(world.db, 'reconcile.partition_fences', world.topics.syncResults, 'outbox-test');
    const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [world.topics.availabilityChanges, world.topics.rateChanges, world.topics.conflicts], world.namespace);
    const outbox = schemaOutbox(world.db, sender, serde, testLogger, { schema: 'reconcile', fences, namespace: world.namespace, batchSize: 100 });
    running.push(outbox);
    fences.assigned(Array.from({ length: partitions }, (_, p) => p));
    outbox.start();
    const passes = new PassStore(world.db);
    const reconciliation = new Reconciliation(
      {
        db: world.db,
        passes,
        adapters: new ChannelConnections({ apiBaseUrl: `${simulator.url}/{channel}/api`, icalChannels: [], icalImportUrlTemplate: undefined, timeoutMs: 10_000, timeZoneOf: listingTimeZones(world.db, 60_000), directory: directoryConnections(world.db, testKeyRing), cacheMs: 60_000 }),
        rates: new RatesStore(world.db),
        fx: noRates,
        buckets: new TokenBuckets(redis),
        metrics: reconcilerMetrics(new Registry()),
        log: testLogger,
        now: Date.now,
        corrections: new CorrectionsOutbox(world.db, writes(outbox), partitionOf, () => undefined),
      },
      { windowDays: 90, readConcurrency: 4, readsPerMinute: 100_000, batchProperties: 100, renewEveryMs: 10_000 },
    );
    return { reconciliation, passes, outbox, partitionOf };
  }
  /** Starts a pass over the tenant's property and waits for its end. */
  async function passOverTheProperty(reconciliation: Reconciliation): Promise<string> {
    const started = await reconciliation.start({ tenantId: pipeline.tenant.tenantId, propertyId: pipeline.tenant.propertyId });
    if (started.alreadyRunning) throw new Error('no pass of this scope should be running');
    await started.done;
    return started.passId;
  }

  it("a broker outage after a pass loses none of its corrections: its rows and their outbox rows are committed together, and the corrections go out once the broker is back", async () => {
    const { world, client, tenant } = pipeline;
    const expedia = tenant.connections.EXPEDIA.listingId;
    // Two free nights closed on Expedia's extranet, inside the pass's window.
    const [from, to, windowEnd] = [isoDay(Date.now() + 20 * DAY_MS), isoDay(Date.now() + 22 * DAY_MS), isoDay(Date.now() + 40 * DAY_MS)];
    requireOk(await client.pushAvailability('EXPEDIA', expedia, { request_id: 'extranet-close', updates: [{ from, to, available: false }] }));

    let brokerDown = true;
    let refused = 0;
    const flaky: RecordProducer = {
      async send(topic, records) {
        if (brokerDown) {
          refused++;
          throw new Error('broker unavailable');
        }
        await producer.send(topic, records);
      },
      disconnect: async () => undefined,
    };
    const { reconciliation, passes, outbox, partitionOf } = await inProcess(flaky);
    const passId = await passOverTheProperty(reconciliation);
    await waitFor('the outbox to try sending and be refused', async () => refused >= 2, { timeoutMs: 10_000, intervalMs: 50 });

    // Committed together: the row says its correction is pending, and the outbox holds it and the drift.
    const listings = await passes.listings(passId);
    expect(listings.find((l) => l.channel === 'EXPEDIA')).toMatchObject({ outcome: 'pending', driftNights: 2, correctionRanges: 1 });
    expect(listings.filter((l) => l.outcome === 'pending')).toHaveLength(1);
    const correctionId = `reconcile:${passId}:EXPEDIA:${expedia}:0`;
    const driftId = `reconcile:${passId}:EXPEDIA:${expedia}:AVAILABILITY_DRIFT`;
    const partition = partitionOf(tenant.propertyId);
    expect(await world.db('reconcile.outbox').orderBy('id').select('event_id', 'topic', 'kafka_partition')).toEqual([
      { event_id: correctionId, topic: 'availability.changes', kafka_partition: partition },
      { event_id: driftId, topic: 'conflicts.v2', kafka_partition: partition },
    ]);
    expect(await closedNights(pipeline, 'EXPEDIA', from, windowEnd)).toEqual([from, isoDay(Date.parse(from) + DAY_MS)]);

    brokerDown = false;
    await waitFor('the outbox emptied', async () => (await outbox.backlog()) === 0, { timeoutMs: 20_000, intervalMs: 100 });
    const changes = await world.read<AvailabilityChange>(world.topics.availabilityChanges, (rs) => rs.some((r) => r.value.event_id === correctionId));
    expect(changes.find((r) => r.value.event_id === correctionId)!.value).toMatchObject({ property_id: tenant.propertyId, only_channel: 'EXPEDIA', reason: 'RECONCILIATION', available: true });
    const conflicts = await world.read<Conflict>(world.topics.conflicts, (rs) => rs.some((r) => r.value.event_id === driftId));
    expect(conflicts.find((r) => r.value.event_id === driftId)!.value).toMatchObject({ conflict_type: 'AVAILABILITY_DRIFT', channel: 'EXPEDIA', facts: { kind: 'AVAILABILITY_DRIFT', drift_nights: 2 } });
    await waitFor('Expedia open again, by the dispatcher pushing the correction', async () => (await closedNights(pipeline, 'EXPEDIA', from, windowEnd)).length === 0, { timeoutMs: 30_000, intervalMs: 200 });
  });

  it('an outbox write that fails takes the rows of its batch with it: the pass records no correction it did not also queue', async () => {
    const { world, client, tenant } = pipeline;
    const expedia = tenant.connections.EXPEDIA.listingId;
    const [from, to, windowEnd] = [isoDay(Date.now() + 50 * DAY_MS), isoDay(Date.now() + 52 * DAY_MS), isoDay(Date.now() + 60 * DAY_MS)];
    requireOk(await client.pushAvailability('EXPEDIA', expedia, { request_id: 'extranet-close-again', updates: [{ from, to, available: false }] }));
    // The database refuses the outbox rows (as a full disk or a lost connection would).
    const refusing = (outbox: Outbox) => ({ insert: () => [world.db.raw('SELECT 1 / 0').toSQL()], committedAnywhere: outbox.committedAnywhere.bind(outbox), inDoubt: outbox.inDoubt.bind(outbox) });
    const { reconciliation, passes, outbox } = await inProcess(producer, refusing);

    const passId = await passOverTheProperty(reconciliation);
    expect(await passes.summary(passId, { kind: 'operator' })).toMatchObject({ status: 'failed', listings: 0, pending: 0 });
    expect(await passes.listings(passId)).toEqual([]);
    expect(await outbox.backlog()).toBe(0);
    expect(await closedNights(pipeline, 'EXPEDIA', from, windowEnd)).toHaveLength(2);
    requireOk(await client.pushAvailability('EXPEDIA', expedia, { request_id: 'extranet-reopen', updates: [{ from, to, available: true }] }));
  });
});
