import type { Channel } from '@cm/schemas';
import { Coalescer, type Knex } from '@cm/service-runtime';

export interface SeenEvent {
  readonly channel: Channel;
  readonly externalEventId: string;
}

const keyOf = (e: SeenEvent) => `${e.channel}\u0000${e.externalEventId}`;

/**
 * Channel events already taken in, by channel and the platform's event id: the lasting record,
 * and the Kafka path's dedupe (checked per chunk before its commands are written, recorded
 * after, so a crash in between lets a replay through: the command id is derived from the same
 * two values, and the arbiter decides a command once). Records from concurrent webhook requests
 * share one insert.
 */
export class SeenEvents {
  private readonly records: Coalescer<SeenEvent & { commandId: string | null }, boolean>;

  constructor(private readonly db: Knex) {
    // Recorded after the answer, so no caller waits: a linger gathers a burst's events into one insert.
    this.records = new Coalescer(
      async (events) => {
        await this.remember(events);
        return events.map(() => true);
      },
      { lingerMs: 50 },
    );
  }

  async rememberOne(channel: Channel, externalEventId: string, commandId: string | null): Promise<void> {
    await this.records.call({ channel, externalEventId, commandId });
  }

  /** Which of these were taken in before, as `<channel>\u0000<event id>` keys. */
  async seenAmong(events: readonly SeenEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { channel: Channel; external_event_id: string }[] = await this.db('ingest.seen_events')
      .whereIn(['channel', 'external_event_id'], events.map((e) => [e.channel, e.externalEventId]))
      .select('channel', 'external_event_id');
    return new Set(rows.map((r) => keyOf({ channel: r.channel, externalEventId: r.external_event_id })));
  }

  /** Records events as taken in; returns how many were new (a concurrent twin makes it fewer). */
  async remember(events: readonly (SeenEvent & { commandId: string | null })[]): Promise<number> {
    if (events.length === 0) return 0;
    const unique = [...new Map(events.map((e) => [keyOf(e), e])).values()];
    const rows = await this.db('ingest.seen_events')
      .insert(unique.map((e) => ({ channel: e.channel, external_event_id: e.externalEventId, command_id: e.commandId })))
      .onConflict(['channel', 'external_event_id'])
      .ignore()
      .returning('channel');
    return rows.length;
  }
}
