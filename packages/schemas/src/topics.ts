/**
 * The one list of topics: every script, service and test takes names, partition counts and
 * schemas from here.
 */

/** Everything keyed by property_id shares this count, so one property's records stay on one partition. */
export const PROPERTY_PARTITIONS = 12;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly retentionMs: number;
  /** The field whose value is the record key. */
  readonly keyedBy: string;
  /** File name (without .avsc) in packages/schemas/avro of the value schema. */
  readonly valueSchema: string;
}

export const topics = {
  channelInbound: {
    name: 'channel.inbound',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'listing_id',
    valueSchema: 'channel-inbound-event',
  },
  bookingCommands: {
    name: 'booking.commands',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'booking-command',
  },
  bookingEvents: {
    name: 'booking.events',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'booking-event',
  },
  availabilityChanges: {
    name: 'availability.changes',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'availability-change',
  },
  syncResults: {
    name: 'sync.results',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'sync-result',
  },
  conflicts: {
    name: 'conflicts',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'conflict',
  },
  reservationActions: {
    name: 'reservation.actions',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'reservation-action',
  },
  channelDlq: {
    name: 'channel.dlq',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'original key',
    valueSchema: 'dead-letter',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof topics;
export type TopicName = (typeof topics)[TopicKey]['name'];

export const allTopics: readonly TopicSpec[] = Object.values(topics);

/** Confluent TopicNameStrategy: the value schema of topic T lives under subject "T-value". */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}

export function topicByName(name: string): TopicSpec {
  const spec = allTopics.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown topic '${name}': add it to packages/schemas/src/topics.ts`);
  return spec;
}
