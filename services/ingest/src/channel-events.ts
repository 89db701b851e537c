import type { BookingCommand, ChannelInboundEvent } from '@cm/schemas';
import type { DeadLetterWriter, DecodedRecord, Logger } from '@cm/service-runtime';
import type { CommandWriter } from './command-writer';
import type { Directory } from './directory/directory';
import type { SeenEvents } from './directory/seen-events';
import type { IngestMetrics } from './metrics';
import { channelEventToCommand } from './normalise/channel-event-command';

export interface ChannelEventDeps {
  readonly directory: Directory;
  readonly seen: SeenEvents;
  readonly writer: CommandWriter;
  readonly deadLetters: DeadLetterWriter;
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Takes consecutive channel.inbound records of one partition: each becomes a command, a dead
 * letter with the reason, a calendar report left for the reconciler, or a dropped duplicate.
 * Commands are written before the events are remembered, so a crash repeats work, never loses it.
 */
export async function takeChannelEvents(items: readonly DecodedRecord[], deps: ChannelEventDeps): Promise<void> {
  const events: { event: ChannelInboundEvent; record: DecodedRecord['record'] }[] = [];
  for (const item of items) {
    const event = item.value as ChannelInboundEvent;
    const problems = identityProblems(event);
    if (problems.length === 0) {
      events.push({ event, record: item.record });
      continue;
    }
    await deps.deadLetters.write(item.record, 'VALIDATION_FAILED', problems.join('; '));
    deps.metrics.events.inc({ path: 'kafka', channel: event.channel, outcome: 'dead_lettered' });
  }
  const known = await deps.seen.seenAmong(events.map(({ event }) => ({ channel: event.channel, externalEventId: event.external_event_id })));
  const commands: BookingCommand[] = [];
  const taken: { channel: ChannelInboundEvent['channel']; externalEventId: string; commandId: string }[] = [];
  const count = (event: ChannelInboundEvent, outcome: 'command' | 'calendar_report' | 'dead_lettered' | 'duplicate') =>
    deps.metrics.events.inc({ path: 'kafka', channel: event.channel, outcome });

  for (const { event, record } of events) {
    if (event.event_type === 'AVAILABILITY_REPORTED') {
      count(event, 'calendar_report');
      continue;
    }
    const key = `${event.channel}\u0000${event.external_event_id}`;
    if (known.has(key)) {
      count(event, 'duplicate');
      continue;
    }
    const listing = await deps.directory.listing(event.channel, event.listing_id);
    if (!listing) {
      await deps.deadLetters.write(record, 'UNKNOWN_LISTING', `no property is mapped to ${event.channel} listing '${event.listing_id}'`);
      count(event, 'dead_lettered');
      continue;
    }
    const outcome = channelEventToCommand(event, listing.propertyId, deps.now());
    if (outcome.kind === 'invalid') {
      await deps.deadLetters.write(record, outcome.reason, outcome.problems.join('; '));
      count(event, 'dead_lettered');
      continue;
    }
    if (outcome.kind === 'calendar_report') {
      count(event, 'calendar_report');
      continue;
    }
    known.add(key);
    commands.push(outcome.command);
    taken.push({ channel: event.channel, externalEventId: event.external_event_id, commandId: outcome.command.command_id });
    count(event, 'command');
  }
  await deps.writer.write(commands);
  await deps.seen.remember(taken);
}

const MAX_ID_LENGTH = 200;

/** Ids that cannot be keys (PostgreSQL refuses NUL; a huge id is not an id) are refused before any lookup. */
function identityProblems(event: ChannelInboundEvent): string[] {
  const problems: string[] = [];
  for (const [field, value] of [['external_event_id', event.external_event_id], ['listing_id', event.listing_id]] as const) {
    if (value.length === 0) problems.push(`${field}: empty`);
    else if (value.length > MAX_ID_LENGTH) problems.push(`${field}: longer than ${MAX_ID_LENGTH} characters`);
    else if (value.includes('\u0000')) problems.push(`${field}: contains a NUL character`);
  }
  return problems;
}
