import { createHash } from 'node:crypto';
import { ICAL_STAY_REF_PREFIX, toEpochDay, type LocalDate } from '@cm/domain';
import type { FeedChange, HeldEntry } from '@cm/ical';
import type { Channel, ChannelEventType, ChannelInboundEvent } from '@cm/schemas';

/** A feed's event as held: the feed's entry, how many times its UID has appeared, and how many changes of it were taken in. */
export interface HeldEvent extends HeldEntry {
  readonly generation: number;
  readonly revision: number;
}

/** One change of an imported feed, ready to be sent and then recorded. */
export interface ImportedChange {
  readonly event: ChannelInboundEvent;
  /** What the feed's UID holds once the change is taken in. */
  readonly held: HeldEvent & { readonly present: boolean };
}

/**
 * The reservation a feed's event is in the ledger: stable for as long as the UID stays in the
 * feed, a new one when it comes back after it left (that is a new stay). UIDs are long and free
 * text (`1418fb94e984-ab1f@airbnb.com`), so the reference is a digest of it, which is an identifier.
 */
export function stayRefOf(uid: string, generation: number): string {
  const digest = createHash('sha256').update(uid).digest('hex').slice(0, 24);
  return generation <= 1 ? `${ICAL_STAY_REF_PREFIX}${digest}` : `${ICAL_STAY_REF_PREFIX}${digest}-${generation}`;
}

/**
 * A feed's changes as channel events, which ingest takes in like a webhook's or a connector's:
 * an event that appeared is a confirmed reservation, one whose dates moved is a date change, one
 * that left is a cancellation. A "Not available" block is a reservation too: the ledger must hold
 * its nights against every other channel, and iCal says no more of it than its dates.
 * Event ids are derived from what changed and the UID's revision, so a change sent again after a
 * crash (before it was recorded) is the same event, which ingest takes once, and a stay moved back
 * to dates it had before is a new one.
 */
export function feedChangeEvents(input: {
  readonly channel: Channel;
  readonly listingId: string;
  readonly changes: readonly FeedChange[];
  /** The UIDs the feed ever had, present or not: their generation and revision. */
  readonly known: (uid: string) => { readonly generation: number; readonly revision: number } | undefined;
  readonly sourceVersion: number;
  readonly occurredAt: number;
  readonly correlationId: string;
}): ImportedChange[] {
  return input.changes.map((change) => {
    // What the change is about: the event as the feed shows it now, or as it was held when it left.
    const entry = change.change === 'disappeared' ? change.before : change.entry;
    const { uid } = entry;
    const known = input.known(uid) ?? { generation: 0, revision: 0 };
    const generation = change.change === 'appeared' ? known.generation + 1 : Math.max(known.generation, 1);
    const revision = known.revision + 1;
    const type: ChannelEventType = change.change === 'appeared' ? 'RESERVATION_CREATED' : change.change === 'moved' ? 'RESERVATION_MODIFIED' : 'RESERVATION_CANCELLED';
    const externalEventId = `ical-${createHash('sha256').update([input.channel, input.listingId, uid, generation, revision, change.change, entry.checkIn, entry.checkOut].join('\n')).digest('hex').slice(0, 40)}`;
    const event: ChannelInboundEvent = {
      event_id: externalEventId,
      channel: input.channel,
      listing_id: input.listingId,
      external_event_id: externalEventId,
      event_type: type,
      external_reservation_id: stayRefOf(uid, generation),
      source_version: input.sourceVersion,
      reservation_status: change.change === 'appeared' ? 'CONFIRMED' : change.change === 'disappeared' ? 'CANCELLED' : null,
      // parseFeed gives ISO calendar dates only.
      check_in: toEpochDay(entry.checkIn as LocalDate),
      check_out: toEpochDay(entry.checkOut as LocalDate),
      total_price: null,
      rate_plan: null,
      guest: null,
      nights: [],
      dispute_reason: null,
      occurred_at: input.occurredAt,
      correlation_id: input.correlationId,
      guest_count: null,
      alteration_request: false,
    };
    return { event, held: { uid, kind: entry.kind, checkIn: entry.checkIn, checkOut: entry.checkOut, generation, revision, present: change.change !== 'disappeared' } };
  });
}
