import { propertyOfListing } from '@cm/directory';
import { readLedger, staysChangedSince } from '@cm/ledger-reads';
import { randomUUID } from 'node:crypto';
import { addDays, detectDrift, FIRST_EPOCH_DAY, fromEpochDay, LAST_EPOCH_DAY, nightsOf, type LocalDate } from '@cm/domain';
import type { Channel, ChannelInboundEvent } from '@cm/schemas';
import { requiredIdentifierProblem, type Knex, type Logger } from '@cm/service-runtime';
import type { CorrectionsOutbox } from './corrections-outbox';
import type { ReconcilerMetrics } from './metrics';
import { calendarOf, correctionChanges, driftConflictRecords, type ListingCheck } from './plan';
import { RATES_NOT_READ, type PassStore } from './store/pass-store';

export interface CalendarReportDeps {
  readonly db: Knex;
  readonly passes: PassStore;
  /** Where a report's corrections and conflicts go, with the pass that records them. */
  readonly corrections: Pick<CorrectionsOutbox, 'commit'>;
  readonly metrics: ReconcilerMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

/** How a report ended: compared (and corrected where it differed), or why it was not. */
export type ReportOutcome = 'in_sync' | 'corrected' | 'unknown_listing' | 'empty' | 'invalid';


/**
 * A channel's own calendar report (AVAILABILITY_REPORTED on channel.inbound), compared with the
 * ledger as it arrives, by the same drift rules as a reconciliation pass, for that listing and
 * the nights it reported: what differs is corrected on that channel at once, and the drift is a
 * conflict, so drift is found when the channel tells us rather than on the next daily pass. A
 * report that needs corrections is recorded as a pass of its own (trigger calendar_report), so
 * its corrections are counted fixed only on the channel's acknowledgement, like a pass's. Nights whose stays changed
 * in the ledger after the channel made its report are left out: the channel could not know.
 */
export class CalendarReports {
  constructor(private readonly deps: CalendarReportDeps) {}

  /** `traceParent`: the report record's trace, which its corrections are published in. */
  async take(report: ChannelInboundEvent, traceParent: string | null = null): Promise<ReportOutcome> {
    if (report.nights.length === 0) return 'empty';
    // Ingest takes calendar reports without its command checks: what cannot be a key or a date (years 2000 to 2099, as commands) is skipped here.
    if (requiredIdentifierProblem(report.listing_id) || report.nights.some((n) => !(n.date >= FIRST_EPOCH_DAY && n.date <= LAST_EPOCH_DAY))) return 'invalid';
    const listing = await this.listing(report.channel, report.listing_id);
    if (!listing) return 'unknown_listing';
    const dates = report.nights.map((n) => fromEpochDay(n.date)).sort();
    const from = dates[0]!;
    const to = addDays(dates[dates.length - 1]!, 1);
    const days = nightsOf({ checkIn: from, checkOut: to }).length;
    const ledger = await readLedger(this.deps.db, [listing.propertyId], from, to);
    const changedSince = await this.nightsChangedSince(listing.propertyId, from, to, report.occurred_at);
    const nights = report.nights
      .filter((n) => !changedSince.has(fromEpochDay(n.date)))
      .map((n) => ({ date: fromEpochDay(n.date), available: n.available }));

    const passId = randomUUID();
    const check: ListingCheck = { passId, propertyId: listing.propertyId, channel: report.channel, listingId: report.listing_id, version: ledger.versions.get(listing.propertyId) ?? 0, checkedAtMs: this.deps.now() };
    const drift = detectDrift({ holding: ledger.holding.get(listing.propertyId) ?? [], channel: report.channel, from, days, channelCalendar: calendarOf(nights) });
    const outcome = drift.corrections.length > 0 ? 'pending' : 'in_sync';
    // Only a report that needs corrections is recorded (as a pass whose corrections settle on
    // acknowledgement), with its corrections: channels that report often and agree leave no rows behind.
    const record =
      outcome === 'pending'
        ? async (tx: Knex.Transaction) => {
            await this.deps.passes.start(tx, passId, `${report.channel}:${report.listing_id}`, 'calendar_report', days, check.checkedAtMs);
            await this.deps.passes.record(tx, [
              { passId, propertyId: check.propertyId, channel: check.channel, listingId: check.listingId, compared: drift.compared, driftNights: drift.driftNights, driftRanges: drift.ranges, openWhileBooked: drift.openWhileBooked, correctionRanges: drift.corrections.length, ledgerVersion: check.version, outcome, error: null, ...RATES_NOT_READ },
            ]);
          }
        : undefined;
    await this.deps.corrections.commit({ changes: correctionChanges(check, drift.corrections), rateChanges: [], conflicts: driftConflictRecords(check, drift) }, record, traceParent);
    if (outcome === 'pending') await this.deps.passes.finish(passId, this.deps.now(), null);
    this.deps.metrics.listings.inc({ channel: check.channel, outcome });
    if (outcome === 'pending') this.deps.metrics.corrections.inc({ channel: check.channel, outcome: 'sent' });
    if (drift.driftNights > 0) this.deps.log.info({ channel: check.channel, listingId: check.listingId, driftNights: drift.driftNights, passId }, 'a calendar report differs from the ledger; corrections sent');
    return outcome === 'pending' ? 'corrected' : 'in_sync';
  }

  private async listing(channel: Channel, listingId: string): Promise<{ propertyId: string } | undefined> {
    const propertyId = await propertyOfListing(this.deps.db, channel, listingId);
    return propertyId === undefined ? undefined : { propertyId };
  }

  /** The nights of [from, to) that a stay changed in the ledger after `sinceMs` (held or released). */
  private async nightsChangedSince(propertyId: string, from: LocalDate, to: LocalDate, sinceMs: number): Promise<Set<LocalDate>> {
    const stays = await staysChangedSince(this.deps.db, propertyId, from, to, new Date(sinceMs));
    const nights = new Set<LocalDate>();
    for (const stay of stays) for (const night of nightsOf({ checkIn: stay.check_in as LocalDate, checkOut: stay.check_out as LocalDate })) nights.add(night);
    return nights;
  }
}
