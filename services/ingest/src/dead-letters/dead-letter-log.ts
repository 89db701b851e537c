import { topics, type ChannelInboundEvent, type DeadLetter } from '@cm/schemas';
import { waitFor, type AvroSerde, type IncomingRecord, type KafkaClient, type OutgoingRecord } from '@cm/service-runtime';
import { randomUUID } from 'node:crypto';

/**
 * channel.dlq as an operator reads it: every dead letter kept, where it sits, and the record it
 * holds. A dead letter of channel.inbound can be replayed: its record, byte for byte, goes back to
 * channel.inbound and through ingest again. That cannot make a command twice: ingest remembers
 * each channel event it made a command of by (channel, connection, external event id) in the
 * same store it checks first (directory/seen-events.ts), so a replayed event already taken is
 * dropped as a duplicate, and one that is still wrong becomes a new dead letter.
 */
export interface StoredDeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly letter: DeadLetter;
}

/** Header naming the dead letter a replayed record came from (topic/partition/offset), for whoever traces it. */
export const REPLAYED_FROM_HEADER = 'cm-replayed-from';

/**
 * Every dead letter the topic holds now, in partition and offset order. Reads with a group of its
 * own, so no service's offsets move; letters written while it reads may or may not be in.
 */
export async function readDeadLetters(kafka: KafkaClient, serde: AvroSerde, topic: string, options: { timeoutMs: number }): Promise<StoredDeadLetter[]> {
  const admin = await kafka.admin();
  const ranges = await admin.offsetRanges(topic).finally(() => admin.disconnect());
  const pending = new Map(ranges.filter((r) => r.end > r.start).map((r) => [r.partition, r.end - 1n]));
  const letters: StoredDeadLetter[] = [];
  if (pending.size === 0) return letters;
  const consumer = kafka.consumer({ groupId: `cm.dead-letters.${randomUUID()}`, topics: [topic], fromBeginning: true, commitIntervalMs: 60_000 });
  await consumer.start(async (record: IncomingRecord) => {
    const last = pending.get(record.partition);
    if (last === undefined || BigInt(record.offset) > last) return;
    letters.push({ partition: record.partition, offset: record.offset, letter: (await serde.decode(record.value, topic)) as DeadLetter });
    if (BigInt(record.offset) === last) pending.delete(record.partition);
  });
  try {
    await waitFor(`every dead letter of ${topic}`, () => pending.size === 0, { timeoutMs: options.timeoutMs, intervalMs: 50 });
  } finally {
    await consumer.stop();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Why a dead letter cannot go back through ingest; undefined when it can. */
export function replayProblem(letter: DeadLetter, inboundTopic: string): string | undefined {
  if (letter.source_topic !== inboundTopic) return `it came from ${letter.source_topic}, not ${inboundTopic}: only ingest's channel events are replayed through ingest`;
  if (letter.original_value === null) return 'it holds no record value';
  return undefined;
}

/** The record a replay sends: the original key, value and headers, and where it was dead-lettered. */
export function replayRecord(stored: StoredDeadLetter, dlqTopic: string): OutgoingRecord {
  const { letter } = stored;
  const headers: Record<string, string> = {};
  // Our producers' headers are text (trace context); they go back as they came.
  for (const [name, value] of Object.entries(letter.original_headers)) if (name !== REPLAYED_FROM_HEADER) headers[name] = value.toString('utf8');
  headers[REPLAYED_FROM_HEADER] = `${dlqTopic}/${stored.partition}/${stored.offset}`;
  return { key: letter.original_key?.toString('utf8') ?? null, value: letter.original_value!, headers };
}

/** The channel event a dead letter holds, when its bytes still decode as one. */
export async function heldEvent(serde: AvroSerde, letter: DeadLetter): Promise<ChannelInboundEvent | { undecodable: string }> {
  try {
    return await serde.decodeValue(topics.channelInbound, letter.original_value);
  } catch (error) {
    return { undecodable: error instanceof Error ? error.message : String(error) };
  }
}
