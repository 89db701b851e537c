import type { BookingStatus, Source } from '@cm/schemas';
import type { GuestUpdate } from './guest';
import type { CurrencyCode, Money } from './money';
import type { StayKey } from './property-state';
import type { StayDates } from './stay-dates';

/**
 * The reference of a stay taken from a channel's iCal feed (ingest's import): the feed carries no
 * reservation id, and no operation on the reservation can be made through it.
 */
export const ICAL_STAY_REF_PREFIX = 'ical-';

export function isIcalStayRef(ref: string): boolean {
  return ref.startsWith(ICAL_STAY_REF_PREFIX);
}

/** What every command carries: who sends it, about which booking, and its version there. */
export interface CommandBase {
  readonly commandId: string;
  readonly propertyId: string;
  /** Who sends the change. */
  readonly source: Source;
  /** The sender's revision of this booking; must grow with every change it sends. */
  readonly sourceVersion: number;
  /** The booking or block the command is about: its own source and reference. */
  readonly bookingSource: Source;
  readonly ref: string;
  /** When the change happened at its source. */
  readonly occurredAt: number;
  readonly correlationId: string;
  /** The person who issued it (an operator), if a person did: the audit log names them. */
  readonly actor?: string;
  /** The tenant whose property it is, if the sender knew: the audit log records it. */
  readonly tenantId?: string;
}

export interface CreateBooking extends CommandBase {
  readonly type: 'create_booking';
  readonly status: 'PENDING' | 'CONFIRMED';
  readonly dates: StayDates;
  readonly price: Money | null;
  /** What the PMS's rates give for these nights, if known: the reference for a channel's price. */
  readonly pmsQuote: Money | null;
  /** The property's own currency, if the sender knew it: a price in another one is a currency mismatch. */
  readonly propertyCurrency: CurrencyCode | null;
  /** How many guests the booking is for, if the source said. */
  readonly guestCount: number | null;
  readonly ratePlan: string | null;
  readonly guest: GuestUpdate | null;
}

export interface ModifyDates extends CommandBase {
  readonly type: 'modify_dates';
  readonly dates: StayDates;
  /**
   * A guest's alteration request from the booking's channel, waiting there for the host's answer
   * (Airbnb): the decision is the answer. False when the channel changed the reservation itself.
   */
  readonly alterationRequest: boolean;
}

export interface ChangeStatus extends CommandBase {
  readonly type: 'change_status';
  readonly status: BookingStatus;
  /**
   * An operator keeping the guest of a REJECTED channel booking: the stay cancelled in the same
   * decision, and the kept booking's dates (so the arbiter reads the stays holding them).
   */
  readonly keeps?: { readonly cancels: StayKey; readonly dates: StayDates };
}

export interface BlockNights extends CommandBase {
  readonly type: 'block_nights';
  readonly dates: StayDates;
  readonly reason: string;
}

export interface UnblockNights extends CommandBase {
  readonly type: 'unblock_nights';
}

export interface UpdateGuest extends CommandBase {
  readonly type: 'update_guest';
  readonly guest: GuestUpdate;
}

export interface ReportPrice extends CommandBase {
  readonly type: 'report_price';
  readonly price: Money;
  readonly ratePlan: string | null;
  /**
   * What the PMS's rates give for the booking's nights (its new ones, for a channel's
   * modification), if known: then the reference for the price instead of the ledger's.
   */
  readonly pmsQuote: Money | null;
}

export interface FlagDispute extends CommandBase {
  readonly type: 'flag_dispute';
  readonly reason: string;
}

export type Command =
  | CreateBooking
  | ModifyDates
  | ChangeStatus
  | BlockNights
  | UnblockNights
  | UpdateGuest
  | ReportPrice
  | FlagDispute;

export type CommandType = Command['type'];
