import { readLedger } from '@cm/ledger-reads';
import { randomUUID } from 'node:crypto';
import { addDays, detectDrift } from '@cm/domain';
import type { ChannelAdapter } from '@cm/channel-adapters';
import type { AvailabilityChange, Channel, Conflict } from '@cm/schemas';
import { withinPerMinute, type Knex, type Logger, type TokenBuckets } from '@cm/service-runtime';
import type { CorrectionsOutbox } from './corrections-outbox';
import type { ReconcilerMetrics } from './metrics';
import { EVERYTHING, type PassScope } from './pass-scope';
import { calendarOf, correctionChanges, driftConflictRecords, localToday, type ListingCheck } from './plan';
import type { PassListingRow, PassStore } from './store/pass-store';
import { propertyBatches, type PortfolioProperty } from './store/portfolio';

export interface PassDeps {
  readonly db: Knex;
  readonly passes: PassStore;
  readonly adapters: ReadonlyMap<Channel, ChannelAdapter>;
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
 * batch's rows); the results of their pushes settle them later (see PassStore.settle).
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

    const rows: PassListingRow[] = [];
    const changes: AvailabilityChange[] = [];
    const conflicts: Conflict[] = [];
    const work = batch.flatMap((property) => property.listings.map((listing) => ({ property, listing })));
    await forEachLimit(work, this.options.readConcurrency, async ({ property, listing }) => {
      const check: ListingCheck = { passId, propertyId: property.propertyId, channel: listing.channel, listingId: listing.listingId, version: ledger.versions.get(property.propertyId) ?? 0, checkedAtMs: this.deps.now() };
      const from = starts.get(property.propertyId)!;
      const read = await this.readCalendar(check, from, addDays(from, this.options.windowDays));
      if (!read.ok) {
        rows.push(row(check, 'unread', read.error));
        this.deps.metrics.listings.inc({ channel: check.channel, outcome: 'unread' });
        return;
      }
      const report = detectDrift({ holding: ledger.holding.get(property.propertyId) ?? [], channel: check.channel, from, days: this.options.windowDays, channelCalendar: calendarOf(read.nights) });
      const outcome = report.corrections.length > 0 ? 'pending' : 'in_sync';
      rows.push({ ...row(check, outcome, null), compared: report.compared, driftNights: report.driftNights, openWhileBooked: report.openWhileBooked, correctionRanges: report.corrections.length });
      changes.push(...correctionChanges(check, report.corrections));
      conflicts.push(...driftConflictRecords(check, report));
      this.deps.metrics.listings.inc({ channel: check.channel, outcome });
      if (outcome === 'pending') this.deps.metrics.corrections.inc({ channel: check.channel, outcome: 'sent' });
      if (report.driftNights > 0) this.deps.metrics.driftDays.set({ channel_type: check.channel, property_id: check.propertyId }, report.driftNights);
      else this.deps.metrics.driftDays.remove({ channel_type: check.channel, property_id: check.propertyId });
    });
    await this.deps.corrections.commit({ changes, conflicts }, (tx) => this.deps.passes.record(tx, rows));
  }

  /** Reads within the channel's rate for the property; a 429 is waited out a few times. */
  private async readCalendar(check: ListingCheck, from: string, to: string) {
    const adapter = this.deps.adapters.get(check.channel);
    if (!adapter) return { ok: false as const, error: `no adapter for ${check.channel}` };
    for (let attempt = 1; ; attempt++) {
      for (;;) {
        const taken = await this.deps.buckets.take(`reconcile:${check.channel}:${check.propertyId}`, withinPerMinute(this.options.readsPerMinute));
        if (taken.allowed) break;
        await sleep(taken.retryAfterMs);
      }
      const answer = await adapter.readCalendar(check.listingId, from, to);
      if (answer.ok || answer.outcome !== 'rate_limited' || attempt >= MAX_RATE_LIMITED_READS) return answer;
      await sleep(answer.retryAfterMs ?? 1_000);
    }
  }
}

function row(check: ListingCheck, outcome: PassListingRow['outcome'], error: string | null): PassListingRow {
  return { passId: check.passId, propertyId: check.propertyId, channel: check.channel, listingId: check.listingId, compared: 0, driftNights: 0, openWhileBooked: 0, correctionRanges: 0, ledgerVersion: check.version, outcome, error };
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
