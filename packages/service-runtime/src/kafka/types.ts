/**
 * Our own small view of a Kafka client. Services and tests use only this, so the library
 * underneath can be replaced without touching them.
 */

export interface OutgoingRecord {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string the broker sent. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  readonly timestamp: string;
}

/**
 * Called once per record, in partition order. Returning means the record is done: its offset
 * is committed after the batch. Throwing stops the batch; the record is delivered again.
 */
export type RecordHandler = (record: IncomingRecord) => Promise<void>;

/**
 * Called with consecutive records of one partition, in order (at most the chunk size given).
 * Returning means all of them are done; throwing redelivers all of them.
 */
export type ChunkHandler = (records: readonly IncomingRecord[]) => Promise<void>;

export interface RecordProducer {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * An idle consumer's long poll. A fetch returns as soon as a record arrives, so a longer wait
 * costs no latency; it costs an idle service fetches and wake-ups (issue 22.3: 500 ms was 2
 * fetches a second per consumer, five services idle; 2 s was still half a fetch a second for each
 * of nine members, a wake-up of the client and of the broker each; 5 s, a fifth of one). stop()
 * closes the fetch in flight at once; the heartbeats, not the fetches, keep a member in its group;
 * a stream fetches on a connection of its own, so a long poll holds up no other request; the
 * client's request timeout (30 s) is longer.
 */
export const DEFAULT_MAX_WAIT_MS = 15_000;

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. */
  readonly fromBeginning?: boolean;
  /** How many partitions are handled at once; order holds within each. */
  readonly partitionsConsumedConcurrently?: number;
  /** How long a fetch waits for records when there are none (default DEFAULT_MAX_WAIT_MS). */
  readonly maxWaitMs?: number;
  /** How long the group waits for a silent member before giving its partitions to others (default 30 s). */
  readonly sessionTimeoutMs?: number;
  /**
   * Handled records' offsets are committed together, for every partition, at most this often
   * (default 1 s; 0: after every batch; each commit is a request the broker writes, and at 250 ms
   * four groups' commits were half a request per booking at 25 bookings/s), and at once when a handler throws or the consumer
   * stops. A crash or a rebalance in between hands the last handled records out again: every
   * consumer of ours is idempotent on them.
   */
  readonly commitIntervalMs?: number;
  /**
   * Static membership (group.instance.id): a member that comes back with the same id within the
   * session timeout gets its partitions back without a rebalance of the group. Unique within the
   * group and stable across restarts of one process.
   */
  readonly groupInstanceId?: string;
  /** How often the member tells the group it is alive (default a third of the session timeout, at most 3 s). */
  readonly heartbeatIntervalMs?: number;
  /**
   * After a fetch brought records, the next fetch waits this long (default 0: at once). Records
   * that arrive meanwhile come together in one fetch and one chunk: a background consumer at 25
   * records a second fetches once a second, not 25 times, each a wake-up of the broker and of
   * this process. Records wait for it at most this long; an idle consumer's long poll is unchanged.
   */
  readonly fetchIntervalMs?: number;
  /**
   * Groups that consumed some of these topics before this group did (consumers merged into one
   * group): a partition this group has never committed starts where that group left off, instead
   * of at the beginning or the end. An upgrade that merges groups then neither replays a topic's
   * history nor skips what arrived meanwhile.
   */
  readonly adoptOffsetsFrom?: readonly { readonly groupId: string; readonly topics: readonly string[] }[];
}

export interface RecordConsumer {
  /** Connects, subscribes and runs the handler; resolves once the consumer runs (not yet joined). */
  start(handler: RecordHandler): Promise<void>;
  /** As start, handing over up to `chunkSize` consecutive records of a partition at a time. */
  startChunks(handler: ChunkHandler, chunkSize: number): Promise<void>;
  /** Finishes the record in hand, commits what was done, leaves the group. */
  stop(): Promise<void>;
  /** True once the consumer has joined its group and holds an assignment. */
  isJoined(): boolean;
  /**
   * Called on every group join with the partitions this member now holds, before records of a
   * new assignment are handed over; for fencing work per partition.
   */
  onAssignment(listener: (assigned: ReadonlyMap<string, readonly number[]>) => void): void;
}

export interface TopicToCreate {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface PartitionRange {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
}

export interface KafkaAdmin {
  /** Metadata round trip: resolves with the broker count, throws if the cluster cannot answer. */
  describeCluster(): Promise<{ brokers: number; controller: number | null }>;
  /** Creates the missing topics; existing ones are left as they are. Returns the names created. */
  ensureTopics(topics: readonly TopicToCreate[]): Promise<string[]>;
  /** Partition count of each existing topic among the names given. */
  partitionCounts(names: readonly string[]): Promise<Record<string, number>>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Each partition's first offset still kept and the offset the next record will get: what a reader must read to have read it all. */
  offsetRanges(topic: string): Promise<readonly PartitionRange[]>;
  disconnect(): Promise<void>;
}

export interface KafkaClient {
  producer(): Promise<RecordProducer>;
  consumer(options: ConsumerOptions): RecordConsumer;
  admin(): Promise<KafkaAdmin>;
}
