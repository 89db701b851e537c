import type { BookingEvent, topics } from '@cm/schemas';
import type { DecodedRecord, Logger } from '@cm/service-runtime';
import type { Directory } from '@cm/directory';
import { revisionOfEvent } from './revision-of-event';
import type { RevisionStore } from './store';
import type { NewRevision, RevisionOutcome } from './types';

export interface BookingEventDeps {
  readonly directory: Directory;
  readonly store: RevisionStore;
  readonly count: (outcome: RevisionOutcome, records: number) => void;
  readonly log: Logger;
}

/**
 * Takes consecutive booking.events records of one partition: each change becomes a revision of
 * its property's tenant, recorded once per event id in one transaction. An event of a property the
 * directory does not know is counted and skipped with a log line (nobody could acknowledge it);
 * COMMAND_IGNORED changed nothing and is no revision. Offsets are committed after the
 * transaction, so a crash records again what it recorded, which the event id turns into nothing.
 */
export async function takeBookingEvents(items: readonly DecodedRecord<typeof topics.bookingEvents>[], deps: BookingEventDeps): Promise<void> {
  const revisions: NewRevision[] = [];
  for (const item of items) {
    const event = item.value;
    const of = revisionOfEvent(event);
    if (of.kind === 'skip') {
      deps.count(of.reason, 1);
      continue;
    }
    const property = await deps.directory.property(event.property_id);
    if (!property) {
      deps.log.warn({ propertyId: event.property_id, eventId: event.event_id, partition: item.record.partition, offset: item.record.offset }, 'booking event of a property the directory does not know: no revision recorded');
      deps.count('unknown_property', 1);
      continue;
    }
    revisions.push({ ...of.revision, tenantId: property.tenantId });
  }
  const recorded = await deps.store.record(revisions);
  if (recorded > 0) deps.count('recorded', recorded);
  if (revisions.length > recorded) deps.count('duplicate', revisions.length - recorded);
}
