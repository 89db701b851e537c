import type { Channel } from '@cm/schemas';
import { Coalescer, type Knex } from '@cm/service-runtime';

/**
 * One channel event, as the platform names it: event ids are unique per platform account at
 * best, so the connection it came through is part of its name.
 */
export interface EventRef {
  readonly channel: Channel;
  readonly connectionId: string;
  readonly externalEventId: string;
}

const keyOf = (e: EventRef) => `${e.channel}\u0000${e.connectionId}\u0000${e.externalEventId}`;

/**
 * Channel events already taken in, by connection and the platform's event id: the lasting
 * record, and the Kafka path's dedupe (checked per chunk before its commands are written,
 * recorded after, so a crash in between lets a replay through: the command id is derived from
 * the same values, and the arbiter decides a command once). Records from concurrent webhook
 * requests share one insert.
 */
export class SeenEvents {
  private readonly records: Coalescer<EventRef & { commandId: string | null }, boolean>;

  constructor(private readonly db: Knex) {
    // Recorded after the answer, so no caller waits: a linger gathers a second's events into one
    // insert (at 50 ms, a webhook at 25/s had an insert of its own). An event not recorded yet is
    // caught by its Redis claim, and the arbiter drops a command it decided before.
    this.records = new Coalescer(
      async (events) => {
        await this.remember(events);
        return events.map(() => true);
      },
      { lingerMs: 1_000 },
    );
  }

  async rememberOne(event: EventRef & { commandId: string | null }): Promise<void> {
    await this.records.call(event);
  }

  /** Records what is lingering now (a stop, before the database goes). */
  flush(): Promise<void> {
    return this.records.flush();
  }

  /** Which of these were taken in before, as keys for `SeenEvents.has`. */
  async seenAmong(events: readonly EventRef[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { channel: Channel; connection_id: string; external_event_id: string }[] = await this.db('ingest.seen_events')
      .whereIn(['channel', 'connection_id', 'external_event_id'], events.map((e) => [e.channel, e.connectionId, e.externalEventId]))
      .select('channel', 'connection_id', 'external_event_id');
    return new Set(rows.map((r) => keyOf({ channel: r.channel, connectionId: r.connection_id, externalEventId: r.external_event_id })));
  }

  static keyOf(event: EventRef): string {
    return keyOf(event);
  }

  /** Records events as taken in; returns how many were new (a concurrent twin makes it fewer). */
  async remember(events: readonly (EventRef & { commandId: string | null })[]): Promise<number> {
    if (events.length === 0) return 0;
    const unique = [...new Map(events.map((e) => [keyOf(e), e])).values()];
    const rows = await this.db('ingest.seen_events')
      .insert(unique.map((e) => ({ channel: e.channel, connection_id: e.connectionId, external_event_id: e.externalEventId, command_id: e.commandId })))
      .onConflict(['channel', 'connection_id', 'external_event_id'])
      .ignore()
      .returning('channel');
    return rows.length;
  }
}
