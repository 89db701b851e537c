import type { KafkaClient } from './types';

/**
 * The partition Kafka's default partitioner (Java's) gives a record key: murmur2 of the key's
 * UTF-8 bytes, made positive, modulo the partition count. A service that writes a row to its outbox
 * outside a consumed record (an operator's request) knows by it which partition's owner publishes
 * the row.
 */
export function partitionOfKey(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  return positiveMurmur2(Buffer.from(key, 'utf8')) % partitions;
}

/** The key's hash as Java's partitioner takes it before the modulo: murmur2 with the sign bit cleared. */
export function positiveMurmur2(key: Buffer): number {
  return murmur2(key) & 0x7fffffff;
}

/** Kafka's murmur2 (seed 0x9747b28c), on 32-bit integers. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail's bytes, as Java's switch without breaks takes them.
  const tail = length % 4;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** A topic's partition count, as the cluster has it (the topic must exist: provisioning made it). */
export async function partitionCountOf(kafka: KafkaClient, topic: string): Promise<number> {
  const admin = await kafka.admin();
  try {
    const count = (await admin.partitionCounts([topic]))[topic];
    if (count === undefined) throw new Error(`topic '${topic}' does not exist (run: scripts/stack up)`);
    return count;
  } finally {
    await admin.disconnect();
  }
}
