import type { AnyTopicHandle, TopicHandle } from '@cm/schemas';
import type { BaseConfig } from './config';
import { DeadLetterWriter } from './dead-letters';
import { IllFormedTextError, UndecodableRecordError } from './errors';
import type { IncomingRecord, RecordProducer } from './kafka/types';
import { recordsConsumedCounter } from './metrics';
import { AvroSerde } from './schema-registry';
import type { ServiceContext } from './service';
import { namespaced } from './topic-names';

export interface DecodedConsumerOptions<H extends AnyTopicHandle> {
  readonly groupId: string;
  /** The topics to consume (opened by `openTopics`); each record is decoded into its topic's type. */
  readonly topics: readonly H[];
  readonly partitionsConsumedConcurrently?: number;
  /** Called on every group join with the partitions of each topic this member now holds. */
  onAssignment?(assigned: ReadonlyMap<string, readonly number[]>): void;
  /** Handles one decoded value. Throwing redelivers the record; never throw for a bad record. */
  handle?(decoded: DecodedRecord<H>): Promise<void>;
  /**
   * Handles consecutive decoded values of one partition at once (at most `chunkSize`), instead of
   * `handle`: for work that is cheaper in bulk. Throwing redelivers all of them.
   */
  handleChunk?(items: readonly DecodedRecord<H>[]): Promise<void>;
  readonly chunkSize?: number;
  /**
   * What becomes of a record that does not decode: dead-lettered (the default), or skipped and
   * counted when another service owns the topic and dead-letters it already (one dead letter per
   * bad record, not one per consumer group).
   */
  readonly undecodable?: 'dead_letter' | 'skip';
  /**
   * Work that may wait for a takeover: the group gives a dead member's partitions to the others
   * after BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS (30 s), not CONSUMER_SESSION_TIMEOUT_MS (6 s), and
   * the member heartbeats less often (`groupTimingsOf`); after a fetch that brought records it
   * fetches again only BACKGROUND_CONSUMER_FETCH_INTERVAL_MS (1 s) later, so records come in
   * batches rather than one fetch each. Not for a topic on the path of a booking.
   */
  readonly background?: boolean;
  /** Groups that consumed some of these topics before this one: a partition this group never committed starts where that group left off (ConsumerOptions.adoptOffsetsFrom). */
  readonly adoptOffsetsFrom?: readonly { readonly groupId: string; readonly topics: readonly H[] }[];
}

/**
 * A decoded record of one of the topics consumed, tagged by the topic's name in the topic list:
 * comparing `topic` with a handle's `name` narrows `value` to that topic's type.
 */
export type DecodedRecord<H extends AnyTopicHandle> = H extends TopicHandle<infer V, infer N>
  ? { readonly topic: N; readonly value: V; readonly record: IncomingRecord }
  : never;

/** A service's way to its topics, made before anything consumes: what it builds writes with these. */
export interface TopicWriters {
  readonly serde: AvroSerde;
  readonly producer: RecordProducer;
  readonly deadLetters: DeadLetterWriter;
}

/**
 * Resolves the schemas of every topic a service reads and writes (and channel.dlq) and connects
 * its producer, stopped after everything added later (its consumers, what they write with).
 */
export async function openTopics(context: ServiceContext<BaseConfig>, topics: { readonly reads: readonly AnyTopicHandle[]; readonly writes: readonly AnyTopicHandle[] }): Promise<TopicWriters> {
  const dlq = context.topics.channelDlq;
  const nameOf = topicNameIn(context);
  const serde = await AvroSerde.connect(context.config.SCHEMA_REGISTRY_URL, [...new Set([...topics.reads.map(nameOf), ...topics.writes.map(nameOf), dlq])], context.config.TOPIC_NAMESPACE);
  const producer = await context.kafka.producer();
  context.onStop('producer', () => producer.disconnect());
  return { serde, producer, deadLetters: new DeadLetterWriter(producer, serde, dlq) };
}

/**
 * Consumes topics as Avro values: joins the group, decodes each record and hands it on; a record
 * that does not decode goes to channel.dlq with the reason instead of stopping the consumer.
 * Readiness waits for the group join. Stopped before what was added before it.
 */
export async function consumeDecoded<H extends AnyTopicHandle>(context: ServiceContext<BaseConfig>, writers: TopicWriters, options: DecodedConsumerOptions<H>): Promise<void> {
  const { serde, deadLetters } = writers;
  const nameOf = topicNameIn(context);
  /** The handle of each consumed topic by its name in this deployment. */
  const handles = new Map(options.topics.map((topic) => [nameOf(topic), topic]));
  const consumed = recordsConsumedCounter(context.metrics);
  const log = context.log.child({ component: 'consumer', groupId: options.groupId });

  const consumer = context.kafka.consumer({
    groupId: options.groupId,
    topics: [...handles.keys()],
    ...groupTimingsOf(context.config, options.background === true),
    ...(options.background === true ? { fetchIntervalMs: context.config.BACKGROUND_CONSUMER_FETCH_INTERVAL_MS } : {}),
    // One member per group per process: the process's identity plus the group keeps two
    // consumers of one process, in different groups, apart.
    ...(context.config.KAFKA_GROUP_INSTANCE_ID !== undefined ? { groupInstanceId: `${context.config.KAFKA_GROUP_INSTANCE_ID}.${options.groupId}` } : {}),
    ...(options.partitionsConsumedConcurrently ? { partitionsConsumedConcurrently: options.partitionsConsumedConcurrently } : {}),
    ...(options.adoptOffsetsFrom ? { adoptOffsetsFrom: options.adoptOffsetsFrom.map(({ groupId, topics }) => ({ groupId, topics: topics.map(nameOf) })) } : {}),
  });
  context.addReadiness({ name: `consumer:${options.groupId}`, check: () => consumer.isJoined() });
  if (options.onAssignment) consumer.onAssignment(options.onAssignment);
  /** The decoded record, or undefined once the record went to the dead-letter topic. */
  const decode = async (record: IncomingRecord): Promise<DecodedRecord<H> | undefined> => {
    const topic = handles.get(record.topic);
    if (!topic) throw new Error(`consumer ${options.groupId} got a record of '${record.topic}', which it does not consume`);
    try {
      // The serde reads each topic into its type (the topic list's schema, unions unwrapped).
      return { topic: topic.name, value: await serde.decode(record.value, record.topic), record } as DecodedRecord<H>;
    } catch (error) {
      if (!(error instanceof UndecodableRecordError)) throw error;
      if (options.undecodable === 'skip') {
        consumed.inc({ topic: record.topic, outcome: 'skipped' });
        return undefined;
      }
      log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason: error.message }, 'dead-lettering record');
      const reason = error instanceof IllFormedTextError ? 'VALIDATION_FAILED' : record.value?.[0] === 0 ? 'SCHEMA_MISMATCH' : 'MALFORMED_RECORD';
      await deadLetters.write(record, reason, error.message);
      consumed.inc({ topic: record.topic, outcome: 'dead_lettered' });
      return undefined;
    }
  };
  if (options.handleChunk) {
    const handleChunk = options.handleChunk;
    await consumer.startChunks(async (records) => {
      const items: DecodedRecord<H>[] = [];
      for (const record of records) {
        const decoded = await decode(record);
        if (decoded !== undefined) items.push(decoded);
      }
      if (items.length > 0) await handleChunk(items);
      for (const { record } of items) consumed.inc({ topic: record.topic, outcome: 'processed' });
    }, options.chunkSize ?? 100);
  } else {
    const handle = options.handle;
    if (!handle) throw new Error('consumeDecoded needs handle or handleChunk');
    await consumer.start(async (record) => {
      const decoded = await decode(record);
      if (decoded === undefined) return;
      await handle(decoded);
      consumed.inc({ topic: record.topic, outcome: 'processed' });
    });
  }
  context.onStop(`consumer ${options.groupId}`, () => consumer.stop());
}

/**
 * A consumer's session timeout and, when not the client's default (a third of it, at most 3 s),
 * its heartbeat interval: a background consumer's heartbeat is a sixth of its longer session, so
 * a late heartbeat or two still does not cost it its partitions.
 */
export function groupTimingsOf(
  config: Pick<BaseConfig, 'CONSUMER_SESSION_TIMEOUT_MS' | 'BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS' | 'CONSUMER_HEARTBEAT_INTERVAL_MS'>,
  background: boolean,
): { readonly sessionTimeoutMs: number; readonly heartbeatIntervalMs?: number } {
  const sessionTimeoutMs = background ? config.BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS : config.CONSUMER_SESSION_TIMEOUT_MS;
  if (config.CONSUMER_HEARTBEAT_INTERVAL_MS !== undefined) return { sessionTimeoutMs, heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS };
  return background ? { sessionTimeoutMs, heartbeatIntervalMs: Math.floor(sessionTimeoutMs / BACKGROUND_HEARTBEATS_PER_SESSION) } : { sessionTimeoutMs };
}

/** Heartbeats a background consumer sends within its session timeout. */
const BACKGROUND_HEARTBEATS_PER_SESSION = 6;

/** A topic's name in this deployment (its namespace added). */
function topicNameIn(context: ServiceContext<BaseConfig>): (topic: AnyTopicHandle) => string {
  return (topic) => namespaced(topic.name, context.config.TOPIC_NAMESPACE);
}
