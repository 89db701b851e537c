import type { TopicHandle } from '@cm/schemas';
import type { OutgoingRecord, RecordProducer } from './kafka/types';
import type { AvroSerde } from './schema-registry';

/** A value of a topic as a record to send: encoded, and keyed by the topic's key function. */
export async function topicRecord<V>(serde: AvroSerde, topic: TopicHandle<V>, value: NoInfer<V>, headers?: Readonly<Record<string, string>>): Promise<OutgoingRecord> {
  return { key: topic.key(value), value: await serde.encode(topic, value), ...(headers ? { headers } : {}) };
}

/** Sends values of one topic (to its name in the serde's deployment), each keyed by the topic's key function. */
export async function produceValues<V>(producer: RecordProducer, serde: AvroSerde, topic: TopicHandle<V>, values: readonly NoInfer<V>[]): Promise<void> {
  if (values.length === 0) return;
  await producer.send(serde.topicName(topic), await Promise.all(values.map((value) => topicRecord(serde, topic, value))));
}
