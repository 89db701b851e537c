import type { Consumer, EachBatchPayload, LogEntry } from 'kafkajs';
import type { Counter } from 'prom-client';
import { KafkaSendError } from '../errors';
import type { Logger } from '../logger';
import { CoalescingSender } from './coalescing-sender';
import { waitFor } from '../wait';
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

export interface KafkajsClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** Counts the consumers' fetch requests (cm_kafka_fetch_requests_total), when given. */
  readonly fetchRequests?: Counter<'group'>;
}

/** The KafkaClient of kafkajs. */
export function createKafkajsClient(options: KafkajsClientOptions): KafkaClient {
  // Loaded here, not at the top: OpenTelemetry can only instrument kafkajs if tracing starts
  // before kafkajs is first required, and services start tracing before they build clients.
  const { Kafka, Partitioners, logLevel: KafkaLogLevel } = require('kafkajs') as typeof import('kafkajs');
  const log = options.logger.child({ component: 'kafka' });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafkajs(log, entry, KafkaLogLevel),
    retry: { initialRetryTime: 100, retries: 8 },
  });

  return {
    async producer() {
      // The Java client's murmur2 partitioner, so every client puts one key on the same partition.
      // Idempotent with one request in flight: a retried send is written once and in order (the
      // ordering test caught a retry right after topic creation writing a record twice).
      const producer = kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { initialRetryTime: 100, retries: 20 },
      });
      await producer.connect();
      const sender = new CoalescingSender(async (batch) => {
        await producer.sendBatch({
          acks: -1,
          topicMessages: batch.map(({ topic, records }) => ({
            topic,
            messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers ? { ...r.headers } : {} })),
          })),
        }).catch((error: unknown) => {
          throw new KafkaSendError(batch.map((b) => b.topic), { cause: error });
        });
      });
      return {
        send: (topic, records) => sender.send(topic, records),
        disconnect: () => producer.disconnect(),
      } satisfies RecordProducer;
    },

    consumer(consumerOptions) {
      // A short long-poll: stop() waits for the fetch in flight, so this bounds shutdown time.
      const consumer = kafka.consumer({
        groupId: consumerOptions.groupId,
        maxWaitTimeInMs: consumerOptions.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
        sessionTimeout: consumerOptions.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: consumerOptions.heartbeatIntervalMs ?? Math.min(3_000, Math.floor((consumerOptions.sessionTimeoutMs ?? 30_000) / 3)),
      });
      if (consumerOptions.groupInstanceId !== undefined) {
        log.warn({ groupId: consumerOptions.groupId, groupInstanceId: consumerOptions.groupInstanceId }, 'kafkajs has no static membership: group instance id ignored, a restart rebalances the group');
      }
      const { fetchRequests } = options;
      if (fetchRequests) consumer.on(consumer.events.FETCH, () => fetchRequests.inc({ group: consumerOptions.groupId }));
      return new KafkajsRecordConsumer(consumer, consumerOptions, log);
    },

    async admin() {
      const admin = kafka.admin();
      await admin.connect();
      return {
        async describeCluster() {
          const cluster = await admin.describeCluster();
          return { brokers: cluster.brokers.length, controller: cluster.controller };
        },
        async ensureTopics(topics: readonly TopicToCreate[]) {
          const existing = new Set(await admin.listTopics());
          const missing = topics.filter((t) => !existing.has(t.name));
          if (missing.length === 0) return [];
          await admin.createTopics({
            // kafkajs's own wait trips over metadata not yet propagated; we wait for leaders below.
            waitForLeaders: false,
            topics: missing.map((t) => ({
              topic: t.name,
              numPartitions: t.partitions,
              replicationFactor: 1,
              configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
            })),
          });
          await waitFor('leaders of the new topics', async () => {
            const { topics: described } = await admin.fetchTopicMetadata({ topics: missing.map((t) => t.name) });
            return described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
          }, { timeoutMs: 30_000, intervalMs: 100 });
          return missing.map((t) => t.name);
        },
        async partitionCounts(names) {
          const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
          return Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
        },
        deleteTopics: (names) => admin.deleteTopics({ topics: [...names] }),
        disconnect: () => admin.disconnect(),
      } satisfies KafkaAdmin;
    },
  };
}

/** A partition's next offset to read: everything before it was handled. */
interface HandledUpTo {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

class KafkajsRecordConsumer implements RecordConsumer {
  private joined = false;
  private readonly assignmentListeners: ((assigned: ReadonlyMap<string, readonly number[]>) => void)[] = [];
  /** Handled but not committed yet, by `topic:partition`. */
  private readonly uncommitted = new Map<string, HandledUpTo>();
  private lastCommitMs = 0;
  private stopping = false;
  /** Commits what a quiet spell left uncommitted, one interval after it was handled. */
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: ConsumerOptions,
    private readonly log: Logger,
  ) {
    const { GROUP_JOIN, REBALANCING, STOP, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, (e) => {
      this.joined = true;
      const assigned = new Map(Object.entries(e.payload.memberAssignment));
      for (const listener of this.assignmentListeners) listener(assigned);
      this.log.info({ groupId: options.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(REBALANCING, () => {
      this.joined = false;
      // The partitions may go to another member, which takes them from the last commit: the
      // records handled since are handed out again, and never committed by a member that no
      // longer holds them.
      this.uncommitted.clear();
    });
    consumer.on(STOP, () => {
      this.joined = false;
    });
    consumer.on(CRASH, (e) => {
      this.joined = false;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
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
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.handleBatch(payload, handler, chunkSize),
    });
  }

  async stop(): Promise<void> {
    // No chunk is taken from now on. What was handled is committed now, while the consumer still
    // runs (kafkajs ignores consumer.commitOffsets() once disconnect() has begun); disconnect()
    // then waits for the chunk in hand, which commits itself through its batch as it finishes.
    this.stopping = true;
    clearTimeout(this.flushTimer);
    const handled = this.takeUncommitted();
    if (handled.length > 0) await this.consumer.commitOffsets(handled).catch((error: unknown) => this.log.warn({ err: error }, 'could not commit the last handled offsets; those records will be handed out again'));
    await this.consumer.disconnect();
  }

  /** What was handled and not committed, for the commit about to be made. */
  private takeUncommitted(): HandledUpTo[] {
    const handled = [...this.uncommitted.values()];
    this.uncommitted.clear();
    this.lastCommitMs = Date.now();
    return handled;
  }

  private get commitIntervalMs(): number {
    return this.options.commitIntervalMs ?? 250;
  }

  private async handleBatch(payload: EachBatchPayload, handler: ChunkHandler, chunkSize: number): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    let lastDone: string | undefined;
    let failed = false;
    try {
      for (let start = 0; start < batch.messages.length; start += chunkSize) {
        if (!isRunning() || isStale() || this.stopping) break;
        const chunk = batch.messages.slice(start, start + chunkSize).map(
          (message): IncomingRecord => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: normaliseHeaders(message.headers),
            timestamp: message.timestamp,
          }),
        );
        await handler(chunk);
        lastDone = chunk[chunk.length - 1]!.offset;
        resolveOffset(lastDone);
        await heartbeat();
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // Commits what was handled, exactly, also when the handler threw or the consumer is
      // stopping. Through the batch's own commit: kafkajs's consumer.commitOffsets() silently does
      // nothing once stop() has begun, which redelivered the last batch after every graceful
      // shutdown. Under load, one commit carries every partition's offsets, at most every
      // commitIntervalMs, instead of one request (and one write to __consumer_offsets) per batch.
      if (lastDone !== undefined && !isStale()) {
        this.uncommitted.set(`${batch.topic}:${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastDone) + 1n).toString() });
      }
      const due = failed || this.stopping || !isRunning() || Date.now() - this.lastCommitMs >= this.commitIntervalMs;
      if (due && this.uncommitted.size > 0) {
        await commitOffsetsIfNecessary({ topics: byTopic(this.takeUncommitted()) });
      } else if (this.uncommitted.size > 0) this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.stopping || this.uncommitted.size === 0) return;
      this.consumer.commitOffsets(this.takeUncommitted()).catch((error: unknown) => this.log.warn({ err: error }, 'could not commit handled offsets; those records will be handed out again'));
    }, this.commitIntervalMs);
    this.flushTimer.unref();
  }
}

function byTopic(handled: readonly HandledUpTo[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of handled) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset });
    topics.set(topic, partitions);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

function normaliseHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined) {
  const out: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? undefined : Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return out;
}

/** kafkajs warns about any finite retry count on an idempotent producer; ours is finite on purpose, so a dead broker fails a send instead of hanging it. */
const EXPECTED_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

function logKafkajs(log: Logger, { level, log: entry }: LogEntry, KafkaLogLevel: typeof import('kafkajs').logLevel): void {
  const { message, ...rest } = entry;
  if (message === EXPECTED_WARNING) return;
  switch (level) {
    case KafkaLogLevel.ERROR:
    case KafkaLogLevel.NOTHING:
      log.error(rest, message);
      break;
    case KafkaLogLevel.WARN:
      log.warn(rest, message);
      break;
    case KafkaLogLevel.INFO:
      log.info(rest, message);
      break;
    case KafkaLogLevel.DEBUG:
      log.debug(rest, message);
      break;
  }
}
