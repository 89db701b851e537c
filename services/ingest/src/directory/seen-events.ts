import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';

/**
 * Channel events already taken in, by channel and the platform's event id. Checked before an
 * event is written and recorded after, so a crash in between lets a retry through: the command
 * id is derived from the same two values, and the arbiter decides a command once.
 */
export class SeenEvents {
  constructor(private readonly db: Knex) {}

  async seen(channel: Channel, externalEventId: string): Promise<boolean> {
    const row = await this.db('ingest.seen_events').where({ channel, external_event_id: externalEventId }).first('channel');
    return row !== undefined;
  }

  /** Which of these were taken in before, as `<channel>\u0000<event id>` keys. */
  async seenAmong(events: readonly { channel: Channel; externalEventId: string }[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { channel: string; external_event_id: string }[] = await this.db('ingest.seen_events')
      .whereIn(['channel', 'external_event_id'], events.map((e) => [e.channel, e.externalEventId]))
      .select('channel', 'external_event_id');
    return new Set(rows.map((r) => `${r.channel}\u0000${r.external_event_id}`));
  }

  /** Records events as taken in; returns how many were new (a concurrent twin makes it fewer). */
  async remember(events: readonly { channel: Channel; externalEventId: string; commandId: string | null }[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows = await this.db('ingest.seen_events')
      .insert(events.map((e) => ({ channel: e.channel, external_event_id: e.externalEventId, command_id: e.commandId })))
      .onConflict(['channel', 'external_event_id'])
      .ignore()
      .returning('channel');
    return rows.length;
  }
}
