import type { BookingEventType, BookingStatus, Source } from '@cm/schemas';
import type { LocalDate } from '@cm/domain';

/** The event types a revision can have: every booking.events type but COMMAND_IGNORED, which changed nothing. */
export type RevisionEventType = Exclude<BookingEventType, 'COMMAND_IGNORED'>;

/** What a change left the stay as, and why, in a few fields: never a guest's personal data. */
export interface RevisionChanges {
  readonly status?: BookingStatus;
  readonly check_in?: LocalDate;
  readonly check_out?: LocalDate;
  readonly previous_check_in?: LocalDate;
  readonly previous_check_out?: LocalDate;
  readonly total?: { readonly amount_minor: number; readonly currency: string };
  readonly rate_plan?: string;
  /** A rejection's reason code (nights_unavailable, ...). */
  readonly reason?: string;
  /** The stay key of the stay holding the nights a rejection wanted. */
  readonly conflicting_stay?: string;
}

/** A revision before it is recorded: the tenant is the directory's, the rest the event's. */
export interface NewRevision {
  readonly tenantId: string;
  readonly propertyId: string;
  readonly eventId: string;
  readonly eventType: RevisionEventType;
  readonly stayKey: string;
  readonly source: Source;
  readonly commandId: string;
  readonly version: number;
  readonly occurredAtMs: number;
  readonly changes: RevisionChanges;
}

/** What becomes of one booking.events record. */
export type RevisionOutcome = 'recorded' | 'duplicate' | 'unknown_property' | 'not_a_change';
