import type { ChannelRatePlan } from '@cm/channel-adapters';
import { conflictRecord, type ChannelNightView, type Correction, type LocalDate, type NightTerms, type RaisedConflict, type RateCorrection } from '@cm/domain';
import { rateChangeRecord } from '@cm/rates';
import type { AvailabilityChange, Channel, Conflict, RateChange } from '@cm/schemas';

/**
 * Pure pieces of a pass: the property-local day a window starts on, the channel's calendar and
 * rate plans as the domain compares them, and the records a drift report becomes.
 */

const DAY_MS = 86_400_000;

/** Today in the property's time zone: the first night of its window. */
export function localToday(timeZone: string, nowMs: number): LocalDate {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(nowMs)) as LocalDate;
}

export function epochDay(date: LocalDate): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/** The nights a channel reported, keyed by date: whether each is open (its calendar's price is not compared: rates are, per plan). */
export function calendarOf(nights: readonly { date: string; available: boolean }[]): Map<LocalDate, ChannelNightView> {
  return new Map(nights.map((n) => [n.date as LocalDate, { available: n.available }]));
}

/** What a channel shows of each of its rate plans, keyed by the channel's plan id and date. */
export function channelRatesOf(ratePlans: readonly ChannelRatePlan[]): Map<string, Map<LocalDate, NightTerms>> {
  return new Map(ratePlans.map((plan) => [plan.ratePlanId, new Map(plan.nights.map(({ date, ...terms }) => [date as LocalDate, terms]))]));
}

export interface ListingCheck {
  readonly passId: string;
  readonly propertyId: string;
  readonly channel: Channel;
  readonly listingId: string;
  /** The ledger version the comparison was made at. */
  readonly version: number;
  readonly checkedAtMs: number;
}

/**
 * Each correction as an availability change for this channel only, marked as a reconciliation,
 * at the ledger version it was computed from (the dispatcher lets no older state overwrite a
 * newer one, and re-pushes a state the channel lost at the same version).
 */
export function correctionChanges(check: ListingCheck, corrections: readonly Correction[]): AvailabilityChange[] {
  return corrections.map((c, i) => ({
    event_id: `reconcile:${check.passId}:${check.channel}:${check.listingId}:${i}`,
    property_id: check.propertyId,
    version: check.version,
    source: 'PMS',
    from_date: epochDay(c.dates.checkIn),
    to_date: epochDay(c.dates.checkOut),
    available: c.available,
    // Availability only: prices and stay rules are compared and corrected per rate plan (rate.changes).
    nightly_price: null,
    reason: 'RECONCILIATION',
    except_channel: null,
    only_channel: check.channel,
    occurred_at: check.checkedAtMs,
    correlation_id: `reconcile:${check.passId}`,
  }));
}

/**
 * A listing's rate drift corrected: one rate.changes record for this channel only, naming each
 * PMS plan's drifted nights with the terms the PMS holds (the dispatcher marks the nights and
 * pushes them from the rates store as they are then, converted and marked up for the listing).
 * A correction restates the store and is no PMS update: version 0, older than any, so nothing
 * that applies versions could take it over the PMS's own.
 */
export function rateCorrectionRecord(check: ListingCheck, corrections: readonly RateCorrection[]): RateChange {
  return rateChangeRecord({
    eventId: `reconcile:${check.passId}:${check.channel}:${check.listingId}:rates`,
    propertyId: check.propertyId,
    version: 0,
    ranges: corrections,
    occurredAt: check.checkedAtMs,
    correlationId: `reconcile:${check.passId}`,
    onlyChannel: check.channel,
  });
}

/** A report's conflicts (availability drift, price drift) as records, assessed by the 5.2 rules. */
export function driftConflictRecords(check: ListingCheck, report: { readonly conflicts: readonly RaisedConflict[] }): Conflict[] {
  return report.conflicts.map((raised) =>
    conflictRecord(raised, {
      eventId: `reconcile:${check.passId}:${check.channel}:${check.listingId}:${raised.facts.type}`,
      propertyId: check.propertyId,
      version: check.version,
      source: check.channel,
      bookingRef: null,
      commandId: null,
      detectedAt: check.checkedAtMs,
      correlationId: `reconcile:${check.passId}`,
    }),
  );
}
