/**
 * The one list of topics: every script, service and test takes names, partition counts and
 * schemas from here.
 */

/** Everything keyed by property_id shares this count, so one property's records stay on one partition. */
export const PROPERTY_PARTITIONS = 12;

import type { AvailabilityChange, BookingCommand, BookingEvent, ChannelInboundEvent, Conflict, DeadLetter, RateChange, ReservationAction, SyncResult } from './generated/records';

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

/**
 * A topic that knows its value type (generated from its .avsc) and its record key: producing,
 * encoding and consuming through it are typed, with no `unknown` in between.
 */
export interface TopicHandle<V, N extends string = string> extends TopicSpec {
  readonly name: N;
  /** The record key of a value. */
  readonly key: (value: V) => string | null;
}

/** Any topic handle, whatever its value type. */
export type AnyTopicHandle = TopicHandle<never>;

/** The value type of a topic handle. */
export type ValueOf<T> = T extends TopicHandle<infer V> ? V : never;

/** A topic handle; its value type is the type its key function takes. */
function topic<V, const N extends string>(spec: Omit<TopicSpec, 'name'> & { readonly name: N; readonly key: (value: V) => string | null }): TopicHandle<V, N> {
  return spec;
}

export const topics = {
  channelInbound: topic({
    name: 'channel.inbound',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'listing_id',
    valueSchema: 'channel-inbound-event',
    key: (v: ChannelInboundEvent) => v.listing_id,
  }),
  bookingCommands: topic({
    name: 'booking.commands.v2',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'booking-command',
    key: (v: BookingCommand) => v.property_id,
  }),
  bookingEvents: topic({
    name: 'booking.events',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'booking-event',
    key: (v: BookingEvent) => v.property_id,
  }),
  availabilityChanges: topic({
    name: 'availability.changes',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'availability-change',
    key: (v: AvailabilityChange) => v.property_id,
  }),
  rateChanges: topic({
    name: 'rate.changes',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'rate-change',
    key: (v: RateChange) => v.property_id,
  }),
  syncResults: topic({
    name: 'sync.results.v2',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'sync-result',
    key: (v: SyncResult) => v.property_id,
  }),
  conflicts: topic({
    name: 'conflicts.v2',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'conflict',
    key: (v: Conflict) => v.property_id,
  }),
  reservationActions: topic({
    name: 'reservation.actions.v2',
    partitions: PROPERTY_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    keyedBy: 'property_id',
    valueSchema: 'reservation-action',
    key: (v: ReservationAction) => v.property_id,
  }),
  channelDlq: topic({
    name: 'channel.dlq',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    keyedBy: 'original key',
    valueSchema: 'dead-letter',
    key: (v: DeadLetter) => v.original_key?.toString('utf8') ?? null,
  }),
} as const satisfies Record<string, AnyTopicHandle>;

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
