import { randomUUID } from 'node:crypto';
import { topics, type DeadLetter } from '@cm/schemas';
import type { IncomingRecord, RecordProducer } from './kafka/types';
import { topicRecord } from './produce';
import type { AvroSerde } from './schema-registry';

export type DeadLetterReason =
  | 'MALFORMED_RECORD'
  | 'SCHEMA_MISMATCH'
  | 'UNKNOWN_LISTING'
  | 'VALIDATION_FAILED'
  | 'UNSUPPORTED_EVENT';

/** Writes a record that cannot be processed to channel.dlq, whole, with the reason. */
export class DeadLetterWriter {
  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    /** The dead-letter topic's name in this deployment. */
    private readonly topic: string,
    private readonly now: () => number = Date.now,
  ) {}

  async write(record: IncomingRecord, reason: DeadLetterReason, detail: string): Promise<void> {
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(record.headers)) if (value) headers[name] = value;
    const letter: DeadLetter = {
      event_id: randomUUID(),
      reason,
      detail,
      source_topic: record.topic,
      source_partition: record.partition,
      source_offset: Number(record.offset),
      original_key: record.key,
      original_value: record.value,
      original_headers: headers,
      failed_at: this.now(),
    };
    await this.producer.send(this.topic, [await topicRecord(this.serde, topics.channelDlq, letter)]);
  }
}
