import { pricingOfProperties } from '@cm/directory';
import { readLedger } from '@cm/ledger-reads';
import { randomUUID } from 'node:crypto';
import { addDays, detectDrift, detectRateDrift, type CurrencyCode, type LocalDate, type Markup, type RateDriftReport, type RateLookup, type ListingRatePricing } from '@cm/domain';
import type { ChannelAdapter, ChannelAdapters, PushResult } from '@cm/channel-adapters';
import type { RatesStore } from '@cm/rates';
import type { AvailabilityChange, Channel, Conflict, RateChange } from '@cm/schemas';
import { withinPerMinute, type Knex, type Logger, type TokenBuckets } from '@cm/service-runtime';
import type { CorrectionsOutbox } from './corrections-outbox';
import type { ReconcilerMetrics } from './metrics';
import { EVERYTHING, type PassScope } from './pass-scope';
import { calendarOf, channelRatesOf, correctionChanges, driftConflictRecords, localToday, rateCorrectionRecord, type ListingCheck } from './plan';
import { RATES_NOT_READ, type PassListingRow, type PassStore, type RatesFound } from './store/pass-store';
import { propertyBatches, type PortfolioProperty } from './store/portfolio';

export interface PassDeps {
  readonly db: Knex;
  readonly passes: PassStore;
  /** Each channel's kind and capabilities, and each listing's adapter through its connection. */
  readonly adapters: ChannelAdapters;
  /** The PMS's rates and restrictions, compared with what each channel that shows rates holds. */
  readonly rates: Pick<RatesStore, 'nights'>;
  /** Converts a PMS price to a listing's currency (the reference rates, as the dispatcher converts them). */
  readonly fx: RateLookup;
  readonly buckets: TokenBuckets;
  /** Where a batch's corrections and conflicts go, with the rows that record them. */
  readonly corrections: Pick<CorrectionsOutbox, 'commit'>;
  readonly metrics: ReconcilerMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

export interface PassOptions {
  readonly windowDays: number;
  readonly readConcurrency: number;
  readonly readsPerMinute: number;
  readonly batchProperties: number;
  /** How often a running pass renews itself; one not renewed for ABANDONED_AFTER_RENEWALS of these gives up its scope. */
  readonly renewEveryMs: number;
}

/** A pass started, or (`alreadyRunning`) the pass of the same scope that was running. */
export type StartedPass = { readonly alreadyRunning: false; readonly passId: string; readonly done: Promise<void> } | { readonly alreadyRunning: true; readonly passId: string };

/** Missed renewals after which a running pass counts as abandoned (its instance died without recording the end). */
const ABANDONED_AFTER_RENEWALS = 6;

/** A channel asked us to wait this many times in a row: the listing is left unread this pass. */
const MAX_RATE_LIMITED_READS = 5;

/**
 * One reconciliation pass (seed section 4): for every channel listing of every property (or of
 * one), reads the channel's calendar over the window, compares it with the ledger, and sends the
 * corrections as this-channel-only availability changes (through the outbox, written with each
 * batch's rows); the results of their pushes settle them later (see PassStore.settle). Where the
 * channel shows rates, it also reads every rate plan over the window and compares it with the
 * PMS's rates (price drift, issue 20.4); drifted nights go to rate.changes for that channel only,
 * in the same transaction.
 * Properties stream through in batches, so memory holds one batch whatever the portfolio's size;
 * reads go at most `readConcurrency` at once and within each channel's per-property rate.
 */
export class Reconciliation {
  private stopping = false;

  constructor(
    private readonly deps: PassDeps,
    private readonly options: PassOptions,
  ) {}

  /**
   * Records an on-demand pass over the scope and runs it in the background, answering its id and
   * its completion; while a pass of the same scope runs (on any instance), answers that one instead.
   */
  async start(scope: PassScope): Promise<StartedPass> {
    const passId = randomUUID();
    const recorded = await this.deps.passes.startOnDemand(passId, scope, this.options.windowDays, this.deps.now(), this.options.renewEveryMs * ABANDONED_AFTER_RENEWALS);
    if (!recorded.started) return { alreadyRunning: true, passId: recorded.runningPassId };
    return { alreadyRunning: false, passId, done: this.run(passId, 'on_demand', scope) };
  }

  /**
   * Runs the scheduled pass if it is due and no other instance has started it; answers its id
   * and completion (wrapped: an async function returning a promise would wait for it).
   */
  async startIfDue(everyMs: number): Promise<{ passId: string; done: Promise<void> } | null> {
    const passId = randomUUID();
    if (!(await this.deps.passes.claimScheduled(passId, everyMs, this.options.windowDays, this.deps.now()))) return null;
    return { passId, done: this.run(passId, 'schedule', EVERYTHING) };
  }

  /** Passes in progress end after their current batch, recorded as stopped (shutdown). */
  stop(): void {
    this.stopping = true;
  }

  private async run(passId: string, trigger: 'schedule' | 'on_demand', scope: PassScope): Promise<void> {
    const started = this.deps.now();
    let error: string | null = null;
    const renewal = setInterval(() => void this.deps.passes.renew(passId, this.deps.now()).catch((e: unknown) => this.deps.log.warn({ err: e, passId }, 'could not renew a running pass')), this.options.renewEveryMs);
    renewal.unref();
    try {
      for await (const batch of propertyBatches(this.deps.db, this.options.batchProperties, scope)) {
        if (this.stopping) throw new Error('stopped by a shutdown before the last batch; the next pass covers it');
        await this.reconcileBatch(passId, batch);
      }
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      this.deps.log.error({ err: caught, passId }, 'reconciliation pass failed');
    } finally {
      clearInterval(renewal);
    }
    await this.deps.passes.finish(passId, this.deps.now(), error).catch((e: unknown) => this.deps.log.error({ err: e, passId }, 'could not record the end of a pass'));
    this.deps.metrics.passDuration.observe({ trigger }, (this.deps.now() - started) / 1000);
    this.deps.metrics.lastPassFinished.set({ trigger }, this.deps.now() / 1000);
  }

  private async reconcileBatch(passId: string, batch: readonly PortfolioProperty[]): Promise<void> {
    const now = this.deps.now();
    const starts = new Map(batch.map((p) => [p.propertyId, localToday(p.timeZone, now)]));
    const earliest = [...starts.values()].reduce((a, b) => (a < b ? a : b));
    const latest = [...starts.values()].reduce((a, b) => (a > b ? a : b));
    const ledger = await readLedger(this.deps.db, batch.map((p) => p.propertyId), earliest, addDays(latest, this.options.windowDays));
    const pricings = await this.pricingsOf(batch);
    // The PMS's rates of a property, read once per batch and only for properties with a listing whose channel shows rates.
    const pmsRates = new Map<string, ReturnType<RatesStore['nights']>>();
    const pmsRatesOf = (propertyId: string, from: LocalDate) => {
      let read = pmsRates.get(propertyId);
      if (!read) pmsRates.set(propertyId, (read = this.deps.rates.nights(propertyId, from, addDays(from, this.options.windowDays))));
      return read;
    };

    const rows: PassListingRow[] = [];
    const changes: AvailabilityChange[] = [];
    const rateChanges: RateChange[] = [];
    const conflicts: Conflict[] = [];
    // An iCal channel's own feed holds its own reservations (ingest imports them), not the nights
    // our feed closed there: read as a calendar, every night we closed would look open. Its sync is
    // known from its fetches of our feed instead (the dispatcher acknowledges on fetch).
    const work = batch.flatMap((property) => property.listings.filter((listing) => this.deps.adapters.byChannel.get(listing.channel)?.kind !== 'ical').map((listing) => ({ property, listing })));
    await forEachLimit(work, this.options.readConcurrency, async ({ property, listing }) => {
      const check: ListingCheck = { passId, propertyId: property.propertyId, channel: listing.channel, listingId: listing.listingId, version: ledger.versions.get(property.propertyId) ?? 0, checkedAtMs: this.deps.now() };
      const from = starts.get(property.propertyId)!;
      const to = addDays(from, this.options.windowDays);
      const adapter = await this.deps.adapters.of(check.channel, check.listingId);
      const read = await this.readWithinRate(check, () => adapter.readCalendar(check.listingId, from, to));
      if (!read.ok) {
        rows.push(row(check, 'unread', read.error));
        this.deps.metrics.listings.inc({ channel: check.channel, outcome: 'unread' });
        return;
      }
      const report = detectDrift({ holding: ledger.holding.get(property.propertyId) ?? [], channel: check.channel, from, days: this.options.windowDays, channelCalendar: calendarOf(read.nights) });
      const outcome = report.corrections.length > 0 ? 'pending' : 'in_sync';

      const pricing = pricings.get(listingKey(check.channel, check.listingId));
      let rates = RATES_NOT_READ;
      if (adapter.rateCapabilities.has('read_rates') && pricing) {
        const compared = await this.compareRates(check, adapter, from, pricing, () => pmsRatesOf(check.propertyId, from));
        rates = compared.found;
        if (compared.correction) rateChanges.push(compared.correction);
        conflicts.push(...compared.conflicts);
      }

      rows.push({ ...row(check, outcome, null), compared: report.compared, driftNights: report.driftNights, driftRanges: report.ranges, openWhileBooked: report.openWhileBooked, correctionRanges: report.corrections.length, ...rates });
      changes.push(...correctionChanges(check, report.corrections));
      conflicts.push(...driftConflictRecords(check, report));
      this.deps.metrics.listings.inc({ channel: check.channel, outcome });
      if (outcome === 'pending') this.deps.metrics.corrections.inc({ channel: check.channel, outcome: 'sent' });
      if (report.driftNights > 0) this.deps.metrics.driftDays.set({ channel_type: check.channel, property_id: check.propertyId }, report.driftNights);
      else this.deps.metrics.driftDays.remove({ channel_type: check.channel, property_id: check.propertyId });
    });
    await this.deps.corrections.commit({ changes, rateChanges, conflicts }, (tx) => this.deps.passes.record(tx, rows));
  }

  /** How each listing of the batch takes the PMS's rates (the directory's pricing), if any of its channels shows rates. */
  private async pricingsOf(batch: readonly PortfolioProperty[]): Promise<Map<string, ListingRatePricing>> {
    const showsRates = (channel: Channel) => this.deps.adapters.byChannel.get(channel)?.rateCapabilities.has('read_rates') === true;
    const propertyIds = batch.filter((p) => p.listings.some((l) => showsRates(l.channel))).map((p) => p.propertyId);
    if (propertyIds.length === 0) return new Map();
    const rows = await pricingOfProperties(this.deps.db, propertyIds);
    return new Map(rows.map((r) => [listingKey(r.channel, r.listingId), { currency: r.currency as CurrencyCode, markup: r.markup as Markup, ratePlans: r.ratePlans }]));
  }

  /**
   * Reads every rate plan the channel shows over the window and compares it with the PMS's rates:
   * what the row records, the rate.changes correction for this channel (if anything drifted) and
   * the PRICE_DRIFT conflict. Rates that cannot be read are recorded unread; the calendar's
   * comparison stands.
   */
  private async compareRates(check: ListingCheck, adapter: ChannelAdapter, from: LocalDate, pricing: ListingRatePricing, pms: () => ReturnType<RatesStore['nights']>): Promise<{ found: RatesFound; correction: RateChange | null; conflicts: Conflict[] }> {
    const shown = await this.readWithinRate(check, () => adapter.readRates(check.listingId, from, addDays(from, this.options.windowDays)));
    if (!shown.ok) {
      this.deps.metrics.rateChecks.inc({ channel: check.channel, outcome: 'unread' });
      return { found: { ...RATES_NOT_READ, ratesOutcome: 'unread', ratesError: shown.error }, correction: null, conflicts: [] };
    }
    const report = detectRateDrift({ channel: check.channel, from, days: this.options.windowDays, pms: await pms(), channelRates: channelRatesOf(shown.ratePlans), pricing, fx: this.deps.fx });
    return {
      found: this.ratesFound(check, report),
      correction: report.corrections.length > 0 ? rateCorrectionRecord(check, report.corrections) : null,
      conflicts: driftConflictRecords(check, report),
    };
  }

  /** A listing's rate comparison as its row records it, counted in the metrics. */
  private ratesFound(check: ListingCheck, report: RateDriftReport): RatesFound {
    const { metrics } = this.deps;
    const series = { channel_type: check.channel, property_id: check.propertyId };
    const corrected = report.corrections.length > 0;
    metrics.rateChecks.inc({ channel: check.channel, outcome: corrected ? 'corrected' : 'in_sync' });
    if (report.priceNights > 0) metrics.rateDriftNights.inc({ channel: check.channel, kind: 'price' }, report.priceNights);
    if (report.restrictionNights > 0) metrics.rateDriftNights.inc({ channel: check.channel, kind: 'restriction' }, report.restrictionNights);
    if (report.driftNights > 0) metrics.priceDriftNights.set(series, report.driftNights);
    else metrics.priceDriftNights.remove(series);
    return { ratesOutcome: corrected ? 'corrected' : 'in_sync', ratesCompared: report.compared, rateDriftNights: report.driftNights, rateCorrectionRanges: report.corrections.length, ratesError: null };
  }

  /** Reads within the channel's rate for the property (a calendar's or rates' read takes one call each); a 429 is waited out a few times. */
  private async readWithinRate<R extends { ok: true } | Extract<PushResult, { ok: false }>>(check: ListingCheck, read: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      for (;;) {
        const taken = await this.deps.buckets.take(`reconcile:${check.channel}:${check.propertyId}`, withinPerMinute(this.options.readsPerMinute));
        if (taken.allowed) break;
        await sleep(taken.retryAfterMs);
      }
      const answer = await read();
      if (answer.ok || answer.outcome !== 'rate_limited' || attempt >= MAX_RATE_LIMITED_READS) return answer;
      await sleep(answer.retryAfterMs ?? 1_000);
    }
  }
}

function row(check: ListingCheck, outcome: PassListingRow['outcome'], error: string | null): PassListingRow {
  return { passId: check.passId, propertyId: check.propertyId, channel: check.channel, listingId: check.listingId, compared: 0, driftNights: 0, driftRanges: [], openWhileBooked: 0, correctionRanges: 0, ledgerVersion: check.version, outcome, error, ...RATES_NOT_READ };
}

function listingKey(channel: Channel, listingId: string): string {
  return `${channel}\u0000${listingId}`;
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
