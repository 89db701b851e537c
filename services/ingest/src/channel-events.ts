import type { BookingCommand, ChannelInboundEvent, topics } from '@cm/schemas';
import type { DeadLetterReason, DeadLetterWriter, DecodedRecord, IncomingRecord, Logger } from '@cm/service-runtime';
import type { CommandWriter } from './command-writer';
import type { Directory, ListingEntry } from '@cm/directory';
import { SeenEvents, type EventRef } from './directory/seen-events';
import type { IngestMetrics } from './metrics';
import { channelEventToCommand, commandsOf } from './normalise/channel-event-command';
import type { StayQuotes } from './quotes/stay-quotes';
import { requiredIdentifierProblem } from '@cm/service-runtime';

export interface ChannelEventDeps {
  readonly directory: Directory;
  readonly seen: SeenEvents;
  readonly writer: CommandWriter;
  readonly quotes: StayQuotes;
  readonly deadLetters: DeadLetterWriter;
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Takes consecutive channel.inbound records of one partition: each becomes a command (two for a
 * modification carrying a total: its date change and its price report), a dead letter with the
 * reason, a calendar report left for the reconciler, or a dropped duplicate; each counted once.
 * Commands are written before the events are remembered, so a crash repeats work, never loses it.
 */
export async function takeChannelEvents(items: readonly DecodedRecord<typeof topics.channelInbound>[], deps: ChannelEventDeps): Promise<void> {
  const count = (event: ChannelInboundEvent, outcome: 'command' | 'calendar_report' | 'dead_lettered' | 'duplicate') =>
    deps.metrics.events.inc({ path: 'kafka', channel: event.channel, outcome });
  const deadLetter = async (event: ChannelInboundEvent, record: IncomingRecord, reason: DeadLetterReason, detail: string) => {
    await deps.deadLetters.write(record, reason, detail);
    count(event, 'dead_lettered');
  };

  const mapped: { event: ChannelInboundEvent; record: IncomingRecord; listing: ListingEntry; ref: EventRef }[] = [];
  for (const item of items) {
    const event = item.value;
    const problems = identityProblems(event);
    if (problems.length > 0) {
      await deadLetter(event, item.record, 'VALIDATION_FAILED', problems.join('; '));
      continue;
    }
    if (event.event_type === 'AVAILABILITY_REPORTED') {
      count(event, 'calendar_report');
      continue;
    }
    const listing = await deps.directory.listing(event.channel, event.listing_id);
    if (!listing) {
      await deadLetter(event, item.record, 'UNKNOWN_LISTING', `no property is mapped to ${event.channel} listing '${event.listing_id}'`);
      continue;
    }
    mapped.push({ event, record: item.record, listing, ref: { channel: event.channel, connectionId: listing.connectionId, externalEventId: event.external_event_id } });
  }

  const known = await deps.seen.seenAmong(mapped.map(({ ref }) => ref));
  const commands: BookingCommand[] = [];
  const taken: (EventRef & { commandId: string })[] = [];
  for (const { event, record, listing, ref } of mapped) {
    const key = SeenEvents.keyOf(ref);
    if (known.has(key)) {
      count(event, 'duplicate');
      continue;
    }
    const outcome = channelEventToCommand(event, listing, deps.now(), await deps.quotes.ofEvent(event, listing));
    if (outcome.kind === 'invalid') {
      await deadLetter(event, record, outcome.reason, outcome.problems.join('; '));
      continue;
    }
    if (outcome.kind === 'calendar_report') {
      count(event, 'calendar_report');
      continue;
    }
    known.add(key);
    commands.push(...commandsOf(outcome));
    taken.push({ ...ref, commandId: outcome.command.command_id });
    count(event, 'command');
  }
  await deps.writer.write(commands);
  await deps.seen.remember(taken);
}

/**
 * Ids that cannot be keys are refused before any lookup: empty, huge, or not an identifier
 * (control, format and bidirectional characters). Every other string must be well-formed too:
 * the Avro decoder already refused bytes that are not UTF-8.
 */
function identityProblems(event: ChannelInboundEvent): string[] {
  const ids = [
    ['external_event_id', event.external_event_id],
    ['listing_id', event.listing_id],
    ['external_reservation_id', event.external_reservation_id],
    ['rate_plan', event.rate_plan],
  ] as const;
  return ids.flatMap(([field, value]) => {
    const problem = value === null ? undefined : requiredIdentifierProblem(value);
    return problem ? [`${field}: ${problem}`] : [];
  });
}
