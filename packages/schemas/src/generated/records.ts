// Generated from packages/schemas/avro/*.avsc by `pnpm --filter @cm/schemas generate`. Do not edit.

/** Avro `date`: days since 1970-01-01, a property-local calendar date. */
export type EpochDay = number;
/** Avro `timestamp-millis`: milliseconds since the epoch, UTC. */
export type EpochMillis = number;

/** Where a change came from: the PMS (direct bookings, manual blocks, host edits) or a channel. */
export const SourceSymbols = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const;
export type Source = (typeof SourceSymbols)[number];

/** An amount in integer minor units of an ISO 4217 currency (EUR 12.34 is 1234 EUR; JPY 500 is 500 JPY). */
export interface Money {
  /** Integer minor units; never a float. */
  amount_minor: number;
  /** ISO 4217 alphabetic code, upper case. */
  currency: string;
}

export const AvailabilityReasonSymbols = ['BOOKING', 'CANCELLATION', 'DATE_CHANGE', 'BLOCK', 'UNBLOCK', 'RECONCILIATION'] as const;
export type AvailabilityReason = (typeof AvailabilityReasonSymbols)[number];

/** A booking platform. Direct bookings are not a channel: they come from the PMS. */
export const ChannelSymbols = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const;
export type Channel = (typeof ChannelSymbols)[number];

/** Nights of a property that opened or closed in the ledger (or must be corrected on one channel), for the sync-dispatcher to push. Key: property_id. */
export interface AvailabilityChange {
  /** Unique id of this record; consumers are idempotent on it. */
  event_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** Per-property ledger version; an older version is never pushed after a newer one. */
  version: number;
  /** Where the change came from. */
  source: Source;
  /** First night, property-local date. */
  from_date: EpochDay;
  /** End of the range (exclusive), property-local date. */
  to_date: EpochDay;
  /** True if the nights can be booked. */
  available: boolean;
  /** Price corrections: the PMS's nightly rate to push. */
  nightly_price: null | Money;
  /** Why. */
  reason: AvailabilityReason;
  /** The channel the change came from: it already knows, so it is not pushed there. */
  except_channel: null | Channel;
  /** Reconciliation: push to this channel only. */
  only_channel: null | Channel;
  /** When it happened at its source. */
  occurred_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
}

/** Names the variant: always CREATE_BOOKING. */
export const CreateBookingKindSymbols = ['CREATE_BOOKING'] as const;
export type CreateBookingKind = (typeof CreateBookingKindSymbols)[number];

/** PENDING and CONFIRMED hold nights; CANCELLED and REJECTED do not. */
export const BookingStatusSymbols = ['PENDING', 'CONFIRMED', 'CANCELLED', 'REJECTED'] as const;
export type BookingStatus = (typeof BookingStatusSymbols)[number];

/** A postal address, kept whole: lines from two sources are never mixed. */
export interface PostalAddress {
  /** First address line. */
  line1: string;
  /** Second address line. */
  line2: null | string;
  /** City or town. */
  city: null | string;
  /** Postal code as written in its country. */
  postal_code: null | string;
  /** State, province or county. */
  region: null | string;
  /** ISO 3166-1 alpha-2 code, upper case. */
  country: null | string;
}

/** Guest fields as one source knows them, each with its own update time. */
export interface GuestDetails {
  /** Guest's full name. */
  name: null | string;
  /** When this source last changed the name. */
  name_updated_at: null | EpochMillis;
  /** Guest's email address. */
  email: null | string;
  /** When this source last changed the email. */
  email_updated_at: null | EpochMillis;
  /** Guest's phone number, as given. */
  phone: null | string;
  /** When this source last changed the phone. */
  phone_updated_at: null | EpochMillis;
  /** Guest's postal address. */
  address: null | PostalAddress;
  /** When this source last changed the address. */
  address_updated_at: null | EpochMillis;
  /** The guest's language, a BCP 47 tag (pt-BR). */
  language: null | string;
  /** When this source last changed the language. */
  language_updated_at: null | EpochMillis;
  /** The guest's preferences by key (bed, arrival_time, ...): a key left out says nothing about it. */
  preferences: Record<string, string>;
  /** When this source last changed the preferences it sends. */
  preferences_updated_at: null | EpochMillis;
}

/** A new booking or request to book, with the nights it asks for. */
export interface CreateBooking {
  /** The variant's tag, for readers that dispatch on it. */
  kind: CreateBookingKind;
  /** The status the source gave it (PENDING or CONFIRMED). */
  status: BookingStatus;
  /** First night, property-local date. */
  check_in: EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: EpochDay;
  /** The stay's total as the source states it. */
  price: null | Money;
  /** What the PMS's rates give for these nights, when known: the reference a channel price is compared with. */
  pms_quote: null | Money;
  /** The rate plan code of the booking. */
  rate_plan: null | string;
  /** Guest details as this source knows them. */
  guest: null | GuestDetails;
  /** The property's ISO 4217 currency as the directory holds it, when ingest knows it: a price in another currency is recorded as a currency mismatch. */
  property_currency: null | string;
  /** How many guests the booking is for, when the source says. */
  guest_count: null | number;
  /** Why, in words, when a person or the system says (a review task's resolution, a relocation); the ledger records the decision, not this. */
  reason: null | string;
}

/** Names the variant: always MODIFY_DATES. */
export const ModifyDatesKindSymbols = ['MODIFY_DATES'] as const;
export type ModifyDatesKind = (typeof ModifyDatesKindSymbols)[number];

/** Move a booking to new dates. */
export interface ModifyDates {
  /** The variant's tag, for readers that dispatch on it. */
  kind: ModifyDatesKind;
  /** First night, property-local date. */
  check_in: EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: EpochDay;
  /** From a channel: true when the guest asks for check_in/check_out and the channel waits for the host's answer, which the ledger's decision gives (accept if applied, else decline). */
  alteration_request: boolean;
}

/** Names the variant: always CHANGE_STATUS. */
export const ChangeStatusKindSymbols = ['CHANGE_STATUS'] as const;
export type ChangeStatusKind = (typeof ChangeStatusKindSymbols)[number];

/** To CONFIRMED of a REJECTED channel booking, by an operator keeping that guest: the stay cancelled in the same decision, so its nights pass to the kept guest without ever opening. */
export interface KeptGuest {
  /** The stay ('<source>:<reference>') cancelled in the same decision. */
  cancels_stay: string;
  /** The kept booking's first night, property-local date. */
  check_in: EpochDay;
  /** The kept booking's departure day (exclusive), property-local date. */
  check_out: EpochDay;
}

/** Change a booking's status. */
export interface ChangeStatus {
  /** The variant's tag, for readers that dispatch on it. */
  kind: ChangeStatusKind;
  /** The new status. */
  status: BookingStatus;
  /** Set when an operator keeps the guest of a rejected channel booking; null for any other status change. */
  keeps: null | KeptGuest;
  /** Why, in words, when a person or the system says (a review task's resolution, a relocation); the ledger records the decision, not this. */
  reason: null | string;
}

/** Names the variant: always BLOCK_NIGHTS. */
export const BlockNightsKindSymbols = ['BLOCK_NIGHTS'] as const;
export type BlockNightsKind = (typeof BlockNightsKindSymbols)[number];

/** Block nights as the host (a manual block, by the PMS). */
export interface BlockNights {
  /** The variant's tag, for readers that dispatch on it. */
  kind: BlockNightsKind;
  /** First night, property-local date. */
  check_in: EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: EpochDay;
  /** Why the host blocks. */
  reason: null | string;
}

/** Names the variant: always UNBLOCK_NIGHTS. */
export const UnblockNightsKindSymbols = ['UNBLOCK_NIGHTS'] as const;
export type UnblockNightsKind = (typeof UnblockNightsKindSymbols)[number];

/** Remove a manual block (by the PMS). */
export interface UnblockNights {
  /** The variant's tag, for readers that dispatch on it. */
  kind: UnblockNightsKind;
}

/** Names the variant: always UPDATE_GUEST. */
export const UpdateGuestKindSymbols = ['UPDATE_GUEST'] as const;
export type UpdateGuestKind = (typeof UpdateGuestKindSymbols)[number];

/** Update a booking's guest details. */
export interface UpdateGuest {
  /** The variant's tag, for readers that dispatch on it. */
  kind: UpdateGuestKind;
  /** Guest details as this source knows them. */
  guest: GuestDetails;
}

/** Names the variant: always REPORT_PRICE. */
export const ReportPriceKindSymbols = ['REPORT_PRICE'] as const;
export type ReportPriceKind = (typeof ReportPriceKindSymbols)[number];

/** Report a booking's price as its source states it. */
export interface ReportPrice {
  /** The variant's tag, for readers that dispatch on it. */
  kind: ReportPriceKind;
  /** The stay's total as the source states it. */
  price: Money;
  /** The rate plan code of the booking. */
  rate_plan: null | string;
  /** What the PMS's rates give for the booking's nights (the new ones, for a channel's modification), when known: the reference the price is compared with instead of the ledger's. */
  pms_quote: null | Money;
}

/** Names the variant: always FLAG_DISPUTE. */
export const FlagDisputeKindSymbols = ['FLAG_DISPUTE'] as const;
export type FlagDisputeKind = (typeof FlagDisputeKindSymbols)[number];

/** A guest dispute a channel flagged. */
export interface FlagDispute {
  /** The variant's tag, for readers that dispatch on it. */
  kind: FlagDisputeKind;
  /** The platform's words. */
  reason: null | string;
}

/** A request to change a property's ledger, for the booking-arbiter to decide. Key: property_id. An envelope (who, which booking, when) and the command itself, one of the variants of a union tagged by kind (see docs/conflict-rules.md). */
export interface BookingCommand {
  /** Unique id; the arbiter's dedupe key and the seed of the ids of the events it causes. */
  command_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** The tenant whose property this is, as the directory holds it when the command is issued: the audit log records it. */
  tenant_id: null | string;
  /** Where the change came from. */
  source: Source;
  /** The source's own revision of this booking (or its update time in ms); a change older than the ledger's is stale. */
  source_version: number;
  /** The source's reference of the booking or block; with the booking's source, its identity. */
  booking_ref: string;
  /** Source of the booking the command is about, when it differs from the command's source (a PMS change to an Airbnb booking). Null: the command's source. */
  booking_source: null | Source;
  /** When the source says the change happened (for a new booking: when it was confirmed there). */
  occurred_at: EpochMillis;
  /** When ingest turned it into a command. */
  issued_at: EpochMillis;
  /** True when a caller waits synchronously for the decision (direct bookings). */
  reply_requested: boolean;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
  /** The person who issued the command (an operator resolving a review task), recorded as resolved_by in the audit log; null when a system or a channel did. */
  actor: null | string;
  /** What the command asks for: one of the variants, each tagged by its kind, with the fields it always has. */
  command: CreateBooking | ModifyDates | ChangeStatus | BlockNights | UnblockNights | UpdateGuest | ReportPrice | FlagDispute;
}

export const BookingEventTypeSymbols = ['BOOKING_ACCEPTED', 'BOOKING_REJECTED', 'BOOKING_DATES_CHANGED', 'BOOKING_STATUS_CHANGED', 'BOOKING_PRICE_CHANGED', 'NIGHTS_BLOCKED', 'NIGHTS_UNBLOCKED', 'GUEST_UPDATED', 'DISPUTE_FLAGGED', 'COMMAND_REJECTED', 'COMMAND_IGNORED'] as const;
export type BookingEventType = (typeof BookingEventTypeSymbols)[number];

/** A decision the booking-arbiter recorded in the ledger: every command ends as exactly one decision, and each applied change is one event. Key: property_id. */
export interface BookingEvent {
  /** Stable: derived from the command id, so a replay republishes the same id. */
  event_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** Per-property ledger version after this event; consumers ignore a version older than one they applied. */
  version: number;
  /** Source of the command that caused the event. */
  source: Source;
  /** The command that caused this record. */
  command_id: string;
  /** What happened. */
  event_type: BookingEventType;
  /** The source's reference of the booking or block. */
  booking_ref: string;
  /** Source of the booking or block the event is about. */
  booking_source: Source;
  /** The booking's status after the event. */
  status: null | BookingStatus;
  /** First night, property-local date. */
  check_in: null | EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: null | EpochDay;
  /** BOOKING_DATES_CHANGED: the dates before. */
  previous_check_in: null | EpochDay;
  /** BOOKING_DATES_CHANGED: the departure day before. */
  previous_check_out: null | EpochDay;
  /** The amount. */
  price: null | Money;
  /** The rate plan code of the booking. */
  rate_plan: null | string;
  /** BOOKING_REJECTED, COMMAND_REJECTED and COMMAND_IGNORED: the named reason (for example nights_unavailable, stale_version). */
  reason: null | string;
  /** BOOKING_REJECTED and COMMAND_REJECTED: the first stay that holds the nights. */
  conflicting_ref: null | string;
  /** When it happened at its source. */
  occurred_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
}

export const ChannelEventTypeSymbols = ['RESERVATION_CREATED', 'RESERVATION_MODIFIED', 'RESERVATION_CANCELLED', 'RESERVATION_STATUS_CHANGED', 'GUEST_UPDATED', 'PRICE_REPORTED', 'AVAILABILITY_REPORTED', 'GUEST_DISPUTE_FLAGGED'] as const;
export type ChannelEventType = (typeof ChannelEventTypeSymbols)[number];

/** One night of a channel's calendar. */
export interface ChannelNight {
  /** The night, property-local date. */
  date: EpochDay;
  /** True if the nights can be booked. */
  available: boolean;
  /** Nightly rate, if the channel reports it. */
  price: null | Money;
  /** Minimum stay restriction in nights, if any. */
  min_stay: null | number;
}

/** What a channel connector saw on its platform, before validation and mapping to a property. Key: the channel's listing id. */
export interface ChannelInboundEvent {
  /** Unique id of this record, assigned by the connector. */
  event_id: string;
  /** The channel involved. */
  channel: Channel;
  /** The channel's own id of the listing; ingest maps it to a property_id. */
  listing_id: string;
  /** The platform's id of the event; with channel, the dedupe key. */
  external_event_id: string;
  /** What happened. */
  event_type: ChannelEventType;
  /** The platform's reservation id; required for reservation, guest, price and dispute events. */
  external_reservation_id: null | string;
  /** The platform's revision of the reservation or calendar (or its update time in ms): a lower one than the ledger holds is stale. */
  source_version: number;
  /** The reservation's status on the platform. */
  reservation_status: null | BookingStatus;
  /** First night, property-local date. */
  check_in: null | EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: null | EpochDay;
  /** What the guest pays for the whole stay. */
  total_price: null | Money;
  /** The channel's rate plan code of the reservation. */
  rate_plan: null | string;
  /** Guest details as this source knows them. */
  guest: null | GuestDetails;
  /** For AVAILABILITY_REPORTED: the calendar nights the channel reported. */
  nights: ChannelNight[];
  /** For GUEST_DISPUTE_FLAGGED: the platform's words. */
  dispute_reason: null | string;
  /** When the platform says the event happened. */
  occurred_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
  /** How many guests the booking is for, when the source says. */
  guest_count: null | number;
  /** RESERVATION_MODIFIED only: true when the guest asks for these dates and the channel waits for the host to accept or decline (Airbnb's alteration request); false when the channel changed the reservation itself. */
  alteration_request: boolean;
}

export const ConflictTypeSymbols = ['DOUBLE_BOOKING', 'OVERBOOKING', 'STATUS_MISMATCH', 'GUEST_DATA', 'PRICE_DISCREPANCY', 'DATE_MODIFICATION', 'AVAILABILITY_DRIFT', 'BLOCK_OVERLAP', 'STALE_DATA', 'PRICE_DRIFT', 'CURRENCY_MISMATCH', 'RATE_PLAN', 'SYNC_FAILED', 'GUEST_DISPUTE'] as const;
export type ConflictType = (typeof ConflictTypeSymbols)[number];

export const SeveritySymbols = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SeveritySymbols)[number];

/** What the rule did. */
export const ResolutionSymbols = ['ACCEPTED_INCOMING', 'KEPT_LEDGER', 'REJECTED_INCOMING', 'MERGED', 'FLAGGED_FOR_REVIEW', 'IGNORED_STALE', 'CORRECTED_CHANNEL', 'RETRIES_EXHAUSTED'] as const;
export type Resolution = (typeof ResolutionSymbols)[number];

/** Names the variant: always OVERBOOKING. */
export const OverbookingFactsKindSymbols = ['OVERBOOKING'] as const;
export type OverbookingFactsKind = (typeof OverbookingFactsKindSymbols)[number];

/** A stay's nights: [check_in, check_out). */
export interface StayNights {
  /** First night, property-local date. */
  check_in: EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: EpochDay;
}

/** Two stays hold the same nights and the losing one is a channel booking. */
export interface OverbookingFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: OverbookingFactsKind;
  /** The losing booking's channel. */
  channel: Channel;
  /** The stay that lost. A stay key, '<source>:<reference>'. */
  losing_key: string;
  /** The stay that holds the nights. A stay key, '<source>:<reference>'. */
  winning_key: string;
  /** The losing stay's nights, when the rule knows them. */
  losing_dates: null | StayNights;
}

/** Names the variant: always DOUBLE_BOOKING. */
export const DoubleBookingFactsKindSymbols = ['DOUBLE_BOOKING'] as const;
export type DoubleBookingFactsKind = (typeof DoubleBookingFactsKindSymbols)[number];

/** Two stays asked for the same nights; the later one lost. */
export interface DoubleBookingFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: DoubleBookingFactsKind;
  /** The stay that lost. A stay key, '<source>:<reference>'. */
  losing_key: string;
  /** The stay that holds the nights. A stay key, '<source>:<reference>'. */
  winning_key: string;
}

/** Names the variant: always BLOCK_OVERLAP. */
export const BlockOverlapFactsKindSymbols = ['BLOCK_OVERLAP'] as const;
export type BlockOverlapFactsKind = (typeof BlockOverlapFactsKindSymbols)[number];

/** A manual block met stays holding its nights. */
export interface BlockOverlapFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: BlockOverlapFactsKind;
  /** The block. A stay key, '<source>:<reference>'. */
  block_key: string;
  /** The stays that hold its nights (stay keys). */
  held_by: string[];
  /** True when one of them is a booking (not another block). */
  overlaps_booking: boolean;
}

/** Names the variant: always STATUS_MISMATCH. */
export const StatusMismatchFactsKindSymbols = ['STATUS_MISMATCH'] as const;
export type StatusMismatchFactsKind = (typeof StatusMismatchFactsKindSymbols)[number];

/** A source reported a status the ledger does not hold. */
export interface StatusMismatchFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: StatusMismatchFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The status the ledger held. */
  ledger_status: BookingStatus;
  /** The status the source reported. */
  incoming_status: BookingStatus;
  /** Whose status the rule kept. */
  winner: Source;
}

/** Names the variant: always GUEST_DATA. */
export const GuestDataFactsKindSymbols = ['GUEST_DATA'] as const;
export type GuestDataFactsKind = (typeof GuestDataFactsKindSymbols)[number];

/** Guest details disagree between sources. */
export interface GuestDataFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: GuestDataFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The guest fields (name, email, phone, address, language, preferences) where the ledger's value was kept. */
  kept_fields: string[];
}

/** Names the variant: always PRICE_DISCREPANCY. */
export const PriceDiscrepancyFactsKindSymbols = ['PRICE_DISCREPANCY'] as const;
export type PriceDiscrepancyFactsKind = (typeof PriceDiscrepancyFactsKindSymbols)[number];

/** A channel total differs from the PMS quote. */
export interface PriceDiscrepancyFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: PriceDiscrepancyFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The difference in basis points of the PMS quote. */
  difference_bp: number;
  /** The booking's status. */
  booking_status: BookingStatus;
  /** True for a new booking, false for a change to an existing one. */
  new_booking: boolean;
}

/** Names the variant: always CURRENCY_MISMATCH. */
export const CurrencyMismatchFactsKindSymbols = ['CURRENCY_MISMATCH'] as const;
export type CurrencyMismatchFactsKind = (typeof CurrencyMismatchFactsKindSymbols)[number];

/** A price came in another currency than the property's. */
export interface CurrencyMismatchFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: CurrencyMismatchFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The property's ISO 4217 currency. */
  ledger_currency: string;
  /** The ISO 4217 currency that came in. */
  incoming_currency: string;
  /** True when a conversion rate was given. */
  rate_given: boolean;
}

/** Names the variant: always RATE_PLAN. */
export const RatePlanFactsKindSymbols = ['RATE_PLAN'] as const;
export type RatePlanFactsKind = (typeof RatePlanFactsKindSymbols)[number];

/** A source's rate plan differs from the ledger's. */
export interface RatePlanFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: RatePlanFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The ledger's rate plan code. */
  ledger_plan: string;
  /** The source's rate plan code. */
  incoming_plan: string;
}

/** Names the variant: always DATE_MODIFICATION. */
export const DateModificationFactsKindSymbols = ['DATE_MODIFICATION'] as const;
export type DateModificationFactsKind = (typeof DateModificationFactsKindSymbols)[number];

/** Who asked for a date change. */
export const DateChangeRequesterSymbols = ['channel', 'pms'] as const;
export type DateChangeRequester = (typeof DateChangeRequesterSymbols)[number];

/** A date change the ledger could not take. */
export interface DateModificationFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: DateModificationFactsKind;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The nights asked for. */
  requested: StayNights;
  /** Who asked. */
  requested_by: DateChangeRequester;
  /** The stays that hold the nights asked for (stay keys). */
  held_by: string[];
}

/** Names the variant: always STALE_DATA. */
export const StaleDataFactsKindSymbols = ['STALE_DATA'] as const;
export type StaleDataFactsKind = (typeof StaleDataFactsKindSymbols)[number];

/** A change older than what the ledger holds. */
export interface StaleDataFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: StaleDataFactsKind;
  /** The booking or block. A stay key, '<source>:<reference>'. */
  key: string;
  /** The source's version of the change. */
  incoming_version: number;
  /** The version the ledger holds. */
  ledger_version: number;
}

/** Names the variant: always AVAILABILITY_DRIFT. */
export const AvailabilityDriftFactsKindSymbols = ['AVAILABILITY_DRIFT'] as const;
export type AvailabilityDriftFactsKind = (typeof AvailabilityDriftFactsKindSymbols)[number];

/** A channel's calendar differs from the ledger. */
export interface AvailabilityDriftFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: AvailabilityDriftFactsKind;
  /** The channel that drifted. */
  channel: Channel;
  /** Nights that differ. */
  drift_nights: number;
  /** Of those, nights open on the channel that the ledger holds. */
  open_while_booked: number;
  /** How many days ahead were compared. */
  window_days: number;
}

/** Names the variant: always PRICE_DRIFT. */
export const PriceDriftFactsKindSymbols = ['PRICE_DRIFT'] as const;
export type PriceDriftFactsKind = (typeof PriceDriftFactsKindSymbols)[number];

/** A channel's nightly prices differ from the PMS's. */
export interface PriceDriftFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: PriceDriftFactsKind;
  /** The channel that drifted. */
  channel: Channel;
  /** Nights whose price differs. */
  nights: number;
}

/** Names the variant: always SYNC_FAILED. */
export const SyncFailedFactsKindSymbols = ['SYNC_FAILED'] as const;
export type SyncFailedFactsKind = (typeof SyncFailedFactsKindSymbols)[number];

/** Pushes or a reservation action failed on a channel. */
export interface SyncFailedFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: SyncFailedFactsKind;
  /** The channel that failed. */
  channel: Channel;
  /** Failed attempts in a row. */
  consecutive_failures: number;
  /** The kind of reservation action that failed (ACKNOWLEDGE, DECLINE_REQUEST, HOST_CANCEL, CHANGE_DATES, ACCEPT_ALTERATION, DECLINE_ALTERATION); null for a push. */
  reservation_action: null | string;
}

/** Names the variant: always GUEST_DISPUTE. */
export const GuestDisputeFactsKindSymbols = ['GUEST_DISPUTE'] as const;
export type GuestDisputeFactsKind = (typeof GuestDisputeFactsKindSymbols)[number];

/** A channel flagged a guest dispute. */
export interface GuestDisputeFacts {
  /** The variant's tag, for readers that dispatch on it. */
  kind: GuestDisputeFactsKind;
  /** The channel that flagged it. */
  channel: Channel;
  /** The booking. A stay key, '<source>:<reference>'. */
  key: string;
  /** The platform's words. */
  reason: string;
}

/** A conflict that was detected and how it was resolved (seed sections 1, 5.1 and 5.2). Key: property_id. */
export interface Conflict {
  /** Unique id of this record; consumers are idempotent on it. */
  event_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** Ledger version when the conflict was resolved. */
  version: number;
  /** Source of the change that met the conflict. */
  source: Source;
  /** Which conflict of seed section 1. */
  conflict_type: ConflictType;
  /** How bad it is, by the escalation rules. */
  severity: Severity;
  /** What the rule did. */
  resolution: Resolution;
  /** The rule that decided, as named in docs/conflict-rules.md (for example '5.1 double booking'). */
  rule: string;
  /** True when seed 5.2 (or our rule for rows it does not cover) says a human must look. */
  requires_review: boolean;
  /** For reviews: how soon a human must act. */
  sla_minutes: null | number;
  /** The channel involved, if one is. */
  channel: null | Channel;
  /** The source's reference of the booking or block. */
  booking_ref: null | string;
  /** One line for the operator. */
  summary: string;
  /** The facts the rule used: one variant per conflict type, each tagged by its kind (the conflict_type). */
  facts: OverbookingFacts | DoubleBookingFacts | BlockOverlapFacts | StatusMismatchFacts | GuestDataFacts | PriceDiscrepancyFacts | CurrencyMismatchFacts | RatePlanFacts | DateModificationFacts | StaleDataFacts | AvailabilityDriftFacts | PriceDriftFacts | SyncFailedFacts | GuestDisputeFacts;
  /** The command that met the conflict, if one did. */
  command_id: null | string;
  /** When the conflict was detected. */
  detected_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
}

export const DeadLetterReasonSymbols = ['MALFORMED_RECORD', 'SCHEMA_MISMATCH', 'UNKNOWN_LISTING', 'VALIDATION_FAILED', 'UNSUPPORTED_EVENT'] as const;
export type DeadLetterReason = (typeof DeadLetterReasonSymbols)[number];

/** A record that could not become a command, kept whole with the reason. Key: the original key. */
export interface DeadLetter {
  /** Unique id of this record; consumers are idempotent on it. */
  event_id: string;
  /** Why. */
  reason: DeadLetterReason;
  /** Human-readable reason. */
  detail: string;
  /** Topic the record was read from. */
  source_topic: string;
  /** Partition the record was read from. */
  source_partition: number;
  /** Offset of the record in that partition. */
  source_offset: number;
  /** The record key, byte for byte. */
  original_key: null | Buffer;
  /** The record value, byte for byte. */
  original_value: null | Buffer;
  /** The record headers, byte for byte. */
  original_headers: Record<string, Buffer>;
  /** When the record was dead-lettered. */
  failed_at: EpochMillis;
}

/** A night's price and stay rules for one rate plan, in the property's currency, before any channel's conversion or markup. */
export interface NightTerms {
  /** The nightly price; null if the PMS never set one. */
  price: null | Money;
  /** Fewest nights of a stay arriving this night; null: no rule. */
  min_stay_arrival: null | number;
  /** Fewest nights of any stay including this night; null: no rule. */
  min_stay_through: null | number;
  /** Most nights of a stay arriving this night; null: no rule. */
  max_stay: null | number;
  /** No stay may arrive this night. */
  closed_to_arrival: boolean;
  /** No stay may leave on this day. */
  closed_to_departure: boolean;
  /** Nothing that includes this night is sold. */
  stop_sell: boolean;
}

/** Nights [from_date, to_date) of one rate plan whose terms are equal. */
export interface RatePlanRange {
  /** The PMS's rate plan id; each channel listing maps it to the channel's own. */
  rate_plan: string;
  /** First night, property-local date. */
  from_date: EpochDay;
  /** End of the range (exclusive), property-local date. */
  to_date: EpochDay;
  /** What each night of the range holds. */
  terms: NightTerms;
}

/** Rates and restrictions the PMS set for nights of a property, as kept after the update (the newest version wins per night and field), for the sync-dispatcher to push to every channel. One record per PMS request; a retried request is published again. Key: property_id. */
export interface RateChange {
  /** Unique id of this record; consumers are idempotent on it. */
  event_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** The PMS's version of the update: per night and field, an older version is never applied after a newer one. */
  version: number;
  /** Who set the rates: the PMS. */
  source: Source;
  /** Every night the update named, as ranges of equal terms after it was applied (what each night holds now, which is not the update's value where a newer version held the field). */
  ranges: RatePlanRange[];
  /** A correction (the reconciler found this channel's rates drifted): push to this channel only; null: every channel. */
  only_channel: null | Channel;
  /** When the PMS's request was taken in. */
  occurred_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
}

/** Names the variant: always ACKNOWLEDGE. */
export const AcknowledgeReservationKindSymbols = ['ACKNOWLEDGE'] as const;
export type AcknowledgeReservationKind = (typeof AcknowledgeReservationKindSymbols)[number];

/** Tell the channel its reservation (this revision of it) was taken. */
export interface AcknowledgeReservation {
  /** The variant's tag, for readers that dispatch on it. */
  kind: AcknowledgeReservationKind;
  /** The channel's revision of the reservation being acknowledged. */
  revision: number;
}

/** Names the variant: always DECLINE_REQUEST. */
export const DeclineRequestKindSymbols = ['DECLINE_REQUEST'] as const;
export type DeclineRequestKind = (typeof DeclineRequestKindSymbols)[number];

/** Decline a request to book that the ledger could not take (its nights are held). */
export interface DeclineRequest {
  /** The variant's tag, for readers that dispatch on it. */
  kind: DeclineRequestKind;
  /** Why, for the guest and the platform. */
  reason: string;
}

/** Names the variant: always HOST_CANCEL. */
export const HostCancellationKindSymbols = ['HOST_CANCEL'] as const;
export type HostCancellationKind = (typeof HostCancellationKindSymbols)[number];

/** Cancel a confirmed reservation as the host. */
export interface HostCancellation {
  /** The variant's tag, for readers that dispatch on it. */
  kind: HostCancellationKind;
  /** Why, for the guest and the platform. */
  reason: string;
}

/** Names the variant: always ACCEPT_ALTERATION. */
export const AcceptAlterationKindSymbols = ['ACCEPT_ALTERATION'] as const;
export type AcceptAlterationKind = (typeof AcceptAlterationKindSymbols)[number];

/** Accept the guest's alteration request (new dates) waiting on the channel: the ledger has moved the stay. */
export interface AcceptAlteration {
  /** The variant's tag, for readers that dispatch on it. */
  kind: AcceptAlterationKind;
}

/** Names the variant: always DECLINE_ALTERATION. */
export const DeclineAlterationKindSymbols = ['DECLINE_ALTERATION'] as const;
export type DeclineAlterationKind = (typeof DeclineAlterationKindSymbols)[number];

/** Decline the guest's alteration request waiting on the channel: the ledger refused the new dates, the stay keeps its own. */
export interface DeclineAlteration {
  /** The variant's tag, for readers that dispatch on it. */
  kind: DeclineAlterationKind;
  /** Why, for the guest and the platform. */
  reason: string;
}

/** Names the variant: always CHANGE_DATES. */
export const ChangeDatesKindSymbols = ['CHANGE_DATES'] as const;
export type ChangeDatesKind = (typeof ChangeDatesKindSymbols)[number];

/** Move the reservation to the dates the PMS set. */
export interface ChangeDates {
  /** The variant's tag, for readers that dispatch on it. */
  kind: ChangeDatesKind;
  /** First night, property-local date. */
  check_in: EpochDay;
  /** Departure day (exclusive), property-local date. */
  check_out: EpochDay;
}

/** Something the ledger decided must be done to a reservation on its own channel, for the sync-dispatcher to carry out through the channel's API. Key: property_id. The event id is the request id the channel sees, so a replayed or retried action happens once. */
export interface ReservationAction {
  /** Stable, derived from the command that decided it: the request id of the action on the channel. */
  event_id: string;
  /** The property; the record key. */
  property_id: string;
  /** The property's ledger version of the decision. */
  version: number;
  /** Who sent the command whose decision asked for it. */
  source: Source;
  /** The reservation's channel. */
  channel: Channel;
  /** The channel's reservation id. */
  booking_ref: string;
  /** The stay in the ledger, '<source>:<reference>'. */
  stay_key: string;
  /** The command whose decision asked for it. */
  command_id: string;
  /** What to do: one of the variants, each tagged by its kind. */
  action: AcknowledgeReservation | DeclineRequest | HostCancellation | AcceptAlteration | DeclineAlteration | ChangeDates;
  /** When the decision was made. */
  occurred_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
}

export const SyncOutcomeSymbols = ['ACKNOWLEDGED', 'FAILED'] as const;
export type SyncOutcome = (typeof SyncOutcomeSymbols)[number];

/** The kind of a reservation action carried out on its channel (reservation.actions.v2). */
export const ReservationActionKindSymbols = ['ACKNOWLEDGE', 'DECLINE_REQUEST', 'HOST_CANCEL', 'CHANGE_DATES', 'ACCEPT_ALTERATION', 'DECLINE_ALTERATION'] as const;
export type ReservationActionKind = (typeof ReservationActionKindSymbols)[number];

/** The outcome of one push to one channel, or of one reservation action on its channel. Key: property_id. */
export interface SyncResult {
  /** Unique id of this record; consumers are idempotent on it. */
  event_id: string;
  /** The property (rental unit) this is about; the record key. */
  property_id: string;
  /** The ledger version that was pushed. */
  version: number;
  /** Where the pushed change came from. */
  source: Source;
  /** The channel pushed to. */
  channel: Channel;
  /** The availability change or booking event this push carried. */
  change_event_id: string;
  /** Whether the channel took the push. */
  outcome: SyncOutcome;
  /** How many pushes were tried, the last included. */
  attempts: number;
  /** The channel's acknowledgement id on success. */
  channel_ack: null | string;
  /** Why the last attempt failed. */
  error: null | string;
  /** True when the push corrected drift found by the reconciler. */
  is_reconciliation: boolean;
  /** When the last attempt finished. */
  completed_at: EpochMillis;
  /** Follows one business flow across topics and services. */
  correlation_id: string;
  /** Set when this is the outcome of a reservation action (its kind) rather than of a push; change_event_id is then the action's event id. */
  reservation_action: null | ReservationActionKind;
  /** The channel's reservation id, for the outcome of a reservation action. */
  booking_ref: null | string;
}
