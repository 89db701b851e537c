import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Admin, Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Counter } from 'prom-client';
import { KafkaSendError } from '../errors';
import type { Logger } from '../logger';
import { waitFor } from '../wait';
import { CoalescingSender } from './coalescing-sender';
import { positiveMurmur2 } from './partition-of-key';
import type {
  ChunkHandler,
  ConsumerOptions,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  RecordConsumer,
  RecordHandler,
  RecordProducer,
  TopicToCreate,
} from './types';
import { DEFAULT_MAX_WAIT_MS } from './types';

export interface PlatformaticClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** Counts the consumers' fetch requests (cm_kafka_fetch_requests_total), when given. */
  readonly fetchRequests?: Counter<'group'>;
}

const tracer = trace.getTracer('@cm/service-runtime/kafka');

type PlatformaticKafka = typeof import('@platformatic/kafka');

/**
 * The build bundles the package into one file beside this one (scripts/lib/bundle-kafka-client.mjs):
 * it loads in about 0.15 s, where its 329 ES modules take 0.35 s, on every start of a service. The
 * bundle is used only if it was built from the package installed now (a lockfile or patch changed
 * since the last build would otherwise run old code); run from source (jest) there is none. Else
 * the package is required as it is: an ES module, which Node 24 requires from our CommonJS and jest
 * turns into CommonJS (scripts/jest-esm-to-cjs.js).
 */
function platformaticKafka(): PlatformaticKafka {
  // Decided once a process: every client (a service makes one, tests and benches many) takes the same.
  return (loadedKafka ??= require(kafkaBundleIsCurrent() ? KAFKA_BUNDLE : '@platformatic/kafka') as PlatformaticKafka);
}

let loadedKafka: PlatformaticKafka | undefined;

const KAFKA_BUNDLE = join(__dirname, 'platformatic-kafka.bundle.js');

/** Whether the bundle beside this file was built from the package installed now. */
export function kafkaBundleIsCurrent(): boolean {
  try {
    const { entry } = JSON.parse(readFileSync(join(__dirname, 'platformatic-kafka.bundle.json'), 'utf8')) as { entry?: unknown };
    return entry === relative(__dirname, require.resolve('@platformatic/kafka')) && existsSync(KAFKA_BUNDLE);
  } catch {
    return false;
  }
}

/** The KafkaClient of @platformatic/kafka (maintained, pure JS, static membership). */
export function createPlatformaticClient(options: PlatformaticClientOptions): KafkaClient {
  const { Admin, Consumer, Producer } = platformaticKafka();
  const log = options.logger.child({ component: 'kafka' });
  const base = { clientId: options.clientId, bootstrapBrokers: [...options.brokers], metadataMaxAge: METADATA_MAX_AGE_MS };

  return {
    async producer() {
      let roundRobin = 0;
      // Idempotent (the library then sends acks=-1 with one request in flight, so a retried
      // request is written once and in order). Finite retries: a dead broker fails a send instead
      // of hanging it. Keyed records go where Java's partitioner puts them: the library's default
      // partitioner takes murmur2 unsigned (`>>> 0`), which puts some keys elsewhere.
      const producer = new Producer({
        ...base,
        idempotent: true,
        acks: -1,
        retries: 20,
        retryDelay: backoff,
        partitioner: (_message, key) => (key ? positiveMurmur2(key) : roundRobin++ & 0x7fffffff),
      });
      const sender = new CoalescingSender(async (batch) => {
        const spans: Span[] = [];
        const messages = batch.flatMap(({ topic, records, context: sentIn }) =>
          records.map((r) => {
            // Each record in the trace of the send it came in, whatever else shares the request.
            const span = startProducerSpan(topic, r.key, sentIn);
            spans.push(span);
            const headers: Record<string, string> = { ...r.headers };
            propagation.inject(trace.setSpan(sentIn, span), headers);
            return {
              topic,
              key: r.key === null ? undefined : Buffer.from(r.key, 'utf8'),
              value: r.value,
              headers: new Map(Object.entries(headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)])),
            };
          }),
        );
        try {
          await producer.send({ messages });
        } catch (error) {
          for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw new KafkaSendError(batch.map((b) => b.topic), { cause: error });
        } finally {
          for (const span of spans) span.end();
        }
      });
      return {
        send: (topic, records) => sender.send(topic, records),
        disconnect: () => producer.close(),
      } satisfies RecordProducer;
    },

    consumer(consumerOptions) {
      const adoption = consumerOptions.adoptOffsetsFrom?.length ? committedOffsetsOfGroups(() => new Admin(base)) : undefined;
      return new PlatformaticRecordConsumer(new Consumer(consumerSettings(base, consumerOptions)), consumerOptions, log, options.fetchRequests, adoption);
    },

    async admin() {
      const admin = new Admin(base);
      const existingAmong = async (names: readonly string[]) => {
        const all = new Set(await admin.listTopics());
        return names.filter((n) => all.has(n));
      };
      return {
        async describeCluster() {
          const metadata = await admin.metadata({ topics: [], forceUpdate: true });
          return { brokers: metadata.brokers.size, controller: metadata.controllerId >= 0 ? metadata.controllerId : null };
        },
        async ensureTopics(topics: readonly TopicToCreate[]) {
          const existing = new Set(await admin.listTopics());
          const missing = topics.filter((t) => !existing.has(t.name));
          // One request per topic: a request's configs apply to every topic in it.
          for (const t of missing) {
            await admin.createTopics({
              topics: [t.name],
              partitions: t.partitions,
              replicas: 1,
              configs: Object.entries(t.config).map(([name, value]) => ({ name, value })),
            }).catch(async (error: unknown) => {
              // Created meanwhile by another process: left as it is.
              if ((await existingAmong([t.name])).length === 0) throw error;
            });
          }
          if (missing.length === 0) return [];
          await waitFor('leaders of the new topics', async () => {
            const metadata = await admin.metadata({ topics: missing.map((t) => t.name), forceUpdate: true }).catch(() => undefined);
            return metadata !== undefined && missing.every((t) => {
              const described = metadata.topics.get(t.name);
              return described !== undefined && described.partitions.length > 0 && described.partitions.every((p) => p.leader >= 0);
            });
          }, { timeoutMs: 30_000, intervalMs: 100 });
          return missing.map((t) => t.name);
        },
        async partitionCounts(names) {
          const existing = await existingAmong(names);
          if (existing.length === 0) return {};
          const metadata = await admin.metadata({ topics: existing, forceUpdate: true });
          return Object.fromEntries(existing.map((name) => [name, metadata.topics.get(name)!.partitionsCount]));
        },
        async deleteTopics(names) {
          const existing = await existingAmong(names);
          if (existing.length > 0) await admin.deleteTopics({ topics: existing });
        },
        async offsetRanges(topic) {
          const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
          const count = metadata.topics.get(topic)?.partitionsCount;
          if (count === undefined) throw new Error(`topic '${topic}' does not exist`);
          const partitions = Array.from({ length: count }, (_, partitionIndex) => partitionIndex);
          const at = async (timestamp: bigint) => {
            const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] });
            return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
          };
          const [starts, ends] = [await at(-2n), await at(-1n)];
          return partitions.map((partition) => ({ partition, start: starts.get(partition) ?? 0n, end: ends.get(partition) ?? 0n }));
        },
        disconnect: () => admin.close(),
      } satisfies KafkaAdmin;
    },
  };
}

function startProducerSpan(topic: string, key: string | null, parent: Context): Span {
  return tracer.startSpan(`send ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      ...(key !== null ? { 'messaging.kafka.message.key': key } : {}),
    },
  }, parent);
}

/** A record taken from a stream, with the stream it came from (records of a replaced stream are dropped). */
interface Taken {
  readonly stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  readonly message: Message<Buffer, Buffer, Buffer, Buffer>;
}

/** Records of one partition waiting to be handled, in order. */
interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  records: Taken[];
  /** A chunk of it is being handled: the next waits (order within a partition). */
  busy: boolean;
}

/** A partition's next offset to read: everything before it was handled. */
interface HandledUpTo {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

type BaseOptions = { clientId: string; bootstrapBrokers: string[]; metadataMaxAge: number };

/**
 * How long cluster metadata is trusted without an error saying it is stale: Java's default
 * (metadata.max.age.ms). The library's 5 s made every idle long poll (5 s) a metadata request
 * and a fetch, not a fetch (issue 22: idle wake-ups); a moved leader or a fenced epoch clears the
 * cache at once (the library does, on the error), so only new partitions wait for it.
 */
const METADATA_MAX_AGE_MS = 300_000;

/** Retries back off from 100 ms to 5 s: a leader election outlasts fixed short waits. */
function backoff(_client: unknown, _operation: string, attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.max(0, attempt - 1));
}

function consumerSettings(base: BaseOptions, options: ConsumerOptions) {
  return {
    ...base,
    groupId: options.groupId,
    ...(options.groupInstanceId !== undefined ? { groupInstanceId: options.groupInstanceId } : {}),
    ...groupTimings(options),
    autocommit: false,
    retries: 8,
    retryDelay: backoff,
  };
}

/** The group's timings, given alike to the consumer and to each stream (a stream may join the group). */
function groupTimings(options: ConsumerOptions) {
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  return {
    sessionTimeout,
    heartbeatInterval: options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3)),
    rebalanceTimeout: 60_000,
    maxWaitTime: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
  };
}

/**
 * One consumer stream of the library at a time, handed out per partition by our own workers.
 * A handler error or a new assignment replaces the stream (after the chunks in hand finish):
 * the new one reads from the committed offsets, which is how a failed chunk is read again and
 * how nothing of an old assignment is handed out after a join. Replacing a stream does not
 * rejoin the group (the library counts subscriptions per topic).
 */
class PlatformaticRecordConsumer implements RecordConsumer {
  private readonly assignmentListeners: ((assigned: ReadonlyMap<string, readonly number[]>) => void)[] = [];
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private handler: ChunkHandler | undefined;
  private chunkSize = 1;
  private joined = false;
  private stopping = false;
  /** Bumped on every join and rebalance: offsets handled in an older one are never committed. */
  private epoch = 0;
  private readonly queues = new Map<string, PartitionQueue>();
  private queued = 0;
  private active = 0;
  private readonly idle: (() => void)[] = [];
  /** Handled but not committed yet, by `topic:partition`. */
  private readonly uncommitted = new Map<string, HandledUpTo>();
  private lastCommitMs = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  /** A stream replacement under way (after a failure or a join). */
  private replacing: Promise<void> | undefined;
  /** Between a revocation or a failure and the new stream: nothing is handed out. */
  private quiescing = false;
  private replaceAgain = false;
  /** Handler failures in a row, by `topic:partition`: a partition that keeps failing backs off alone. */
  private readonly failures = new Map<string, number>();
  private rejoining = false;
  /** Set while the stream waits out `fetchIntervalMs` after a fetch brought records. */
  private fetchPause: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly options: ConsumerOptions,
    private readonly log: Logger,
    private readonly fetchRequests: Counter<'group'> | undefined,
    /** How another group's committed offsets are read (with `adoptOffsetsFrom`). */
    private readonly otherGroups?: CommittedOffsetsOfGroups,
  ) {
    this.consumer.on('consumer:group:join', () => this.onJoin());
    this.consumer.on('consumer:group:rebalance', () => this.onRevoked('rebalance'));
    this.consumer.on('consumer:group:leave', () => this.onRevoked('leave'));
    // Without a listener an 'error' event would end the process. The library gives up a rejoin
    // after its retries (a coordinator away for ~16 s) and schedules no more heartbeats: nothing
    // would be handled again until a restart, so the consumer joins again itself, backing off.
    this.consumer.on('error', (error: Error) => {
      if (this.consumer.isActive()) {
        this.log.error({ err: error, groupId: options.groupId }, 'consumer error');
        return;
      }
      this.joined = false;
      this.log.error({ err: error, groupId: options.groupId }, 'consumer lost its group; joining again');
      this.rejoin();
    });
    this.consumer.on('consumer:heartbeat:error', (payload) => {
      this.log.debug({ err: payload.error, groupId: options.groupId }, 'heartbeat failed');
    });
  }

  isJoined(): boolean {
    return this.joined;
  }

  onAssignment(listener: (assigned: ReadonlyMap<string, readonly number[]>) => void): void {
    this.assignmentListeners.push(listener);
  }

  start(handler: RecordHandler): Promise<void> {
    return this.startChunks(([record]) => handler(record!), 1);
  }

  async startChunks(handler: ChunkHandler, chunkSize: number): Promise<void> {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
    this.handler = handler;
    this.chunkSize = chunkSize;
    await this.openStream();
  }

  async stop(): Promise<void> {
    // No chunk is taken from now on; the ones in hand finish, what was handled is committed while
    // the consumer is still a member, then the consumer leaves the group (also a static member:
    // a planned stop hands its partitions over at once instead of after the session timeout).
    this.stopping = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.fetchPause);
    await this.whenIdle();
    await this.commitNow().catch(() => undefined);
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the consumer stream failed'));
    await this.consumer.close(true);
    this.joined = false;
  }

  private async openStream(): Promise<void> {
    const { otherGroups } = this;
    const joinedBefore = this.joined;
    // Adopting, every partition held has a committed offset before a stream that hands records
    // out reads it: otherwise the stream would start a partition its group never committed at
    // the beginning or the end, not where the adopted group left off.
    if (otherGroups !== undefined && joinedBefore) await this.commitStartingOffsets(otherGroups);
    const stream = await this.consumer.consume({
      topics: [...this.options.topics],
      mode: 'committed',
      fallbackMode: this.options.fromBeginning ?? true ? 'earliest' : 'latest',
      autocommit: false,
      ...groupTimings(this.options),
    });
    if (this.stopping) {
      await stream.close();
      return;
    }
    this.stream = stream;
    this.quiescing = false;
    stream.on('fetch', () => this.fetchRequests?.inc({ group: this.options.groupId }));
    stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => this.take({ stream, message }));
    stream.on('error', (error: Error) => {
      if (this.stream !== stream || this.stopping) return;
      this.log.error({ err: error, groupId: this.options.groupId }, 'consumer stream failed; opening a new one');
      this.replaceStream();
    });
    // The first stream joined the group as it opened, before any starting offset was committed:
    // it hands nothing out, and is replaced by one that reads from them. (A later join replaces
    // the stream in use the same way: onJoin.)
    if (otherGroups !== undefined && !joinedBefore) {
      this.quiescing = true;
      this.replaceStream();
    }
  }

  /**
   * Gives every partition this member holds that its group never committed a committed offset:
   * where a group of `adoptOffsetsFrom` left off, else the beginning (or the end, without
   * `fromBeginning`). Committed as a member of the group, so it works while other members run.
   */
  private async commitStartingOffsets(otherGroups: CommittedOffsetsOfGroups): Promise<void> {
    const assigned = (this.consumer.assignments ?? []).filter((a) => a.partitions.length > 0);
    if (assigned.length === 0) return;
    const committed = await this.consumer.listCommittedOffsets({ topics: assigned.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })) });
    const missing = assigned.flatMap(({ topic, partitions }) => partitions.filter((p) => (committed.get(topic)?.[p] ?? -1n) < 0n).map((partition) => ({ topic, partition })));
    if (missing.length === 0) return;
    const adopted = new Map<string, bigint>();
    for (const { groupId, topics } of this.options.adoptOffsetsFrom ?? []) {
      const wanted = missing.filter((m) => topics.includes(m.topic));
      if (wanted.length === 0) continue;
      for (const [key, offset] of await otherGroups(groupId, wanted)) if (!adopted.has(key)) adopted.set(key, offset);
    }
    const unadopted = missing.filter((m) => !adopted.has(partitionKeyOf(m.topic, m.partition)));
    const ends = unadopted.length === 0 ? new Map<string, bigint[]>() : await this.consumer.listOffsets({ topics: [...new Set(unadopted.map((m) => m.topic))], timestamp: this.options.fromBeginning ?? true ? -2n : -1n });
    const offsets = missing.map(({ topic, partition }) => ({ topic, partition, offset: adopted.get(partitionKeyOf(topic, partition)) ?? ends.get(topic)?.[partition] ?? 0n, leaderEpoch: -1 }));
    await this.consumer.commit({ offsets });
    this.log.info({ groupId: this.options.groupId, offsets: offsets.map((o) => ({ ...o, offset: o.offset.toString(), adopted: adopted.has(partitionKeyOf(o.topic, o.partition)) })) }, 'committed where partitions this group never committed start');
  }

  private onJoin(): void {
    this.epoch++;
    this.uncommitted.clear();
    this.joined = true;
    const assigned = new Map<string, number[]>();
    for (const { topic, partitions } of this.consumer.assignments ?? []) assigned.set(topic, [...partitions]);
    for (const listener of this.assignmentListeners) listener(assigned);
    this.log.info({ groupId: this.options.groupId, assignment: Object.fromEntries(assigned) }, 'joined consumer group');
    // The stream in use may hold records fetched for the old assignment: a new one reads the new
    // assignment from its committed offsets. The first join happens before any stream exists; a
    // join while a stream is being replaced replaces it once more.
    if (this.stream || this.replacing) this.replaceStream();
  }

  private onRevoked(why: 'rebalance' | 'leave'): void {
    this.joined = false;
    // The partitions may go to another member, which takes them from the last commit: the
    // records handled since are handed out again, and never committed by a member that no
    // longer holds them.
    this.epoch++;
    this.uncommitted.clear();
    this.quiescing = true;
    this.dropQueued();
    this.log.debug({ groupId: this.options.groupId, why }, 'partitions revoked');
  }

  private take(taken: Taken): void {
    if (this.stopping || this.quiescing || taken.stream !== this.stream) return;
    const key = partitionKeyOf(taken.message.topic, taken.message.partition);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { topic: taken.message.topic, partition: taken.message.partition, records: [], busy: false };
      this.queues.set(key, queue);
    }
    queue.records.push(taken);
    this.queued++;
    // Backpressure: the stream stops fetching while enough waits to keep every worker busy.
    if (this.queued >= this.maxQueued) taken.stream.pause();
    this.pauseFetching(taken.stream);
    this.schedule();
  }

  /**
   * With `fetchIntervalMs`, records just came: the stream fetches again only once it has passed.
   * The library hands a fetch's records out one 'data' event each, within one turn, then asks
   * for its next fetch on the next tick: the stream is paused on a tick asked for before that
   * one, so every record of the fetch is taken and no next fetch begins. (Paused in this 'data'
   * event, it would hold the rest of them back: one record an interval.)
   */
  private pauseFetching(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): void {
    const intervalMs = this.options.fetchIntervalMs ?? 0;
    if (intervalMs <= 0 || this.fetchPause !== undefined) return;
    process.nextTick(() => {
      if (this.fetchPause !== undefined && this.stream === stream) stream.pause();
    });
    this.fetchPause = setTimeout(() => {
      this.fetchPause = undefined;
      this.resumeFetching();
    }, intervalMs);
  }

  /** Fetching goes on once neither backpressure (enough records waiting) nor a fetch interval holds it. */
  private resumeFetching(): void {
    if (this.queued < this.maxQueued / 2 && this.fetchPause === undefined && this.stream?.isPaused()) this.stream.resume();
  }

  private get maxQueued(): number {
    return Math.max(1_000, this.chunkSize * this.concurrency * 2);
  }

  private get concurrency(): number {
    return this.options.partitionsConsumedConcurrently ?? 1;
  }

  private schedule(): void {
    while (!this.stopping && !this.quiescing && this.active < this.concurrency) {
      const queue = this.nextReadyQueue();
      if (!queue) return;
      const chunk = queue.records.splice(0, this.chunkSize);
      this.queued -= chunk.length;
      this.resumeFetching();
      queue.busy = true;
      this.active++;
      void this.handleChunk(queue, chunk).finally(() => {
        queue.busy = false;
        this.active--;
        if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
        this.schedule();
      });
    }
  }

  /** A partition with records and no chunk in hand, taking partitions in turn. */
  private nextReadyQueue(): PartitionQueue | undefined {
    for (const [key, queue] of this.queues) {
      if (queue.busy || queue.records.length === 0) continue;
      // To the back of the line, so the other partitions get their turn.
      this.queues.delete(key);
      this.queues.set(key, queue);
      return queue;
    }
    return undefined;
  }

  private async handleChunk(queue: PartitionQueue, chunk: readonly Taken[]): Promise<void> {
    const epoch = this.epoch;
    const records = chunk.map(({ message }) => toIncomingRecord(message));
    const key = partitionKeyOf(queue.topic, queue.partition);
    try {
      await runInConsumerSpans(records, () => this.handler!(records));
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.log.error({ err: error, groupId: this.options.groupId, topic: queue.topic, partition: queue.partition, offset: records[0]!.offset }, 'handler failed; its records will be handed out again');
      // What was handled is committed at once; a new stream then reads from the committed
      // offsets, this chunk first.
      await this.commitNow().catch(() => undefined);
      this.replaceStream(retryDelayMs(failures));
      return;
    }
    if (epoch !== this.epoch) return;
    const last = chunk[chunk.length - 1]!.message;
    this.uncommitted.set(key, { topic: queue.topic, partition: queue.partition, offset: last.offset + 1n, leaderEpoch: last.leaderEpoch });
    if (this.stopping) return; // stop() commits once the chunks in hand are done
    // Not awaited: the partition's next chunk does not wait for the broker to write the commit
    // (awaited, a chunk a second waited a commit's round trip, issue 22). Commits go one at a
    // time, and a stop or a new stream commits after the one under way (commitNow).
    if (Date.now() - this.lastCommitMs >= this.commitIntervalMs) void this.commitNow().catch(() => undefined);
    else this.scheduleFlush();
  }

  /** Joins the group again after the library gave up, backing off up to 5 s, until it holds. */
  private rejoin(): void {
    if (this.rejoining || this.stopping) return;
    this.rejoining = true;
    void (async () => {
      try {
        for (let attempt = 1; !this.stopping && !this.consumer.isActive(); attempt++) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** (attempt - 1))));
          if (this.stopping || this.consumer.isActive()) return;
          // A successful join emits the group's join event: onJoin then opens a stream on it.
          await this.consumer.joinGroup({}).catch((error: unknown) => this.log.warn({ err: error, groupId: this.options.groupId, attempt }, 'joining the group again failed; trying again'));
        }
      } finally {
        this.rejoining = false;
      }
    })();
  }

  private get commitIntervalMs(): number {
    return this.options.commitIntervalMs ?? 1_000;
  }

  /** Commits every handled offset now, one commit request at a time. */
  private commitNow(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const handled = [...this.uncommitted.values()];
    this.uncommitted.clear();
    this.lastCommitMs = Date.now();
    if (handled.length === 0) return this.committing;
    const commit = this.committing.then(() =>
      this.consumer.commit({ offsets: handled.map(({ topic, partition, offset, leaderEpoch }) => ({ topic, partition, offset, leaderEpoch })) }),
    );
    this.committing = commit.catch((error: unknown) => {
      this.log.warn({ err: error, groupId: this.options.groupId }, 'could not commit handled offsets; those records will be handed out again');
    });
    return commit;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.stopping) void this.commitNow().catch(() => undefined);
    }, this.commitIntervalMs);
    this.flushTimer.unref();
  }

  private whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private dropQueued(): void {
    this.queues.clear();
    this.queued = 0;
  }

  /**
   * Closes the stream in use once the chunks in hand are done, then opens one reading from the
   * committed offsets. Coalesces: a request while one is under way runs once after it.
   */
  private replaceStream(delayMs = 0): void {
    if (this.stopping) return;
    if (this.replacing) {
      this.replaceAgain = true;
      return;
    }
    this.quiescing = true;
    this.dropQueued();
    this.replacing = (async () => {
      try {
        do {
          this.replaceAgain = false;
          await this.whenIdle();
          // The chunks that finished meanwhile are committed first: the new stream starts there.
          await this.commitNow().catch(() => undefined);
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (this.stopping) return;
          const old = this.stream;
          this.stream = undefined;
          this.dropQueued();
          // The new stream first, then the old one closed: the topics stay subscribed throughout,
          // so the group is not rejoined.
          try {
            await this.openStream();
          } catch (error) {
            this.stream = old;
            this.log.warn({ err: error, groupId: this.options.groupId }, 'could not open a new consumer stream; trying again');
            this.replaceAgain = true;
            delayMs = 1_000;
            continue;
          }
          await old?.close().catch((error: unknown) => this.log.debug({ err: error }, 'closing the replaced stream failed'));
        } while (this.replaceAgain && !this.stopping);
      } finally {
        this.replacing = undefined;
        this.schedule();
      }
    })();
  }
}

function toIncomingRecord(message: Message<Buffer, Buffer, Buffer, Buffer>): IncomingRecord {
  const headers: Record<string, Buffer | undefined> = {};
  for (const [name, value] of message.headers) {
    const key = name.toString();
    // A header name has one value in our records: the first of repeated ones is kept.
    if (!(key in headers)) headers[key] = value ?? undefined;
  }
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset.toString(),
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    timestamp: message.timestamp.toString(),
  };
}

/**
 * One CONSUMER span per record, a child of the trace its headers carry (OpenTelemetry's messaging
 * conventions). The handler runs in the first record's span: a chunk of several
 * traces cannot run in all of them, and our services re-enter each record's trace from its
 * headers where the work for it begins (trace-context.ts).
 */
async function runInConsumerSpans(records: readonly IncomingRecord[], handle: () => Promise<void>): Promise<void> {
  const spans = records.map((record) => {
    const carrier: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.headers)) if (value !== undefined) carrier[name] = value.toString();
    const parent: Context = propagation.extract(ROOT_CONTEXT, carrier);
    return {
      parent,
      span: tracer.startSpan(`process ${record.topic}`, {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': record.topic,
          'messaging.destination.partition.id': String(record.partition),
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.kafka.offset': record.offset,
          ...(record.key ? { 'messaging.kafka.message.key': record.key.toString() } : {}),
        },
      }, parent),
    };
  });
  try {
    await context.with(trace.setSpan(spans[0]!.parent, spans[0]!.span), handle);
  } catch (error) {
    for (const { span } of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    for (const { span } of spans) span.end();
  }
}

/** A topic partition's key in this consumer's maps. */
function partitionKeyOf(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Another group's committed offsets of some partitions, by partitionKeyOf (those it never committed left out). */
type CommittedOffsetsOfGroups = (groupId: string, partitions: readonly { topic: string; partition: number }[]) => Promise<Map<string, bigint>>;

function committedOffsetsOfGroups(newAdmin: () => Admin): CommittedOffsetsOfGroups {
  return async (groupId, partitions) => {
    const admin = newAdmin();
    try {
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }] });
      const offsets = new Map<string, bigint>();
      for (const topic of group?.topics ?? []) for (const p of topic.partitions) if (p.committedOffset >= 0n) offsets.set(partitionKeyOf(topic.name, p.partitionIndex), p.committedOffset);
      return offsets;
    } finally {
      await admin.close().catch(() => undefined);
    }
  };
}

/** Backs off when a partition's handler keeps failing (a database down), up to 5 s between attempts. */
function retryDelayMs(failures: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(6, failures - 1));
}
