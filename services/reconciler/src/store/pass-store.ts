import type { DriftRange, LocalDate, MismatchKind } from '@cm/domain';
import type { Channel, SyncResult } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { scopeKey, tenantOf, type Caller, type PassScope } from '../pass-scope';

export type ListingOutcome = 'in_sync' | 'pending' | 'fixed' | 'failed' | 'unread';

/** What became of a listing's rates: compared and equal, a correction sent (nothing acknowledges it: the next pass checks), or not read. */
export type RatesOutcome = 'in_sync' | 'corrected' | 'unread';

/** A listing's rates as a pass found them. */
export interface RatesFound {
  /** null: the channel shows no rates (an iCal feed), or the listing's calendar could not be read. */
  readonly ratesOutcome: RatesOutcome | null;
  readonly ratesCompared: number;
  readonly rateDriftNights: number;
  readonly rateCorrectionRanges: number;
  readonly ratesError: string | null;
}

/** A listing whose rates were not read. */
export const RATES_NOT_READ: RatesFound = { ratesOutcome: null, ratesCompared: 0, rateDriftNights: 0, rateCorrectionRanges: 0, ratesError: null };

export interface PassListingRow extends RatesFound {
  readonly passId: string;
  readonly propertyId: string;
  readonly channel: Channel;
  readonly listingId: string;
  readonly compared: number;
  readonly driftNights: number;
  /** The runs of nights found differing, each of one kind. */
  readonly driftRanges: readonly DriftRange[];
  readonly openWhileBooked: number;
  readonly correctionRanges: number;
  readonly ledgerVersion: number;
  readonly outcome: ListingOutcome;
  readonly error: string | null;
}

export interface PassSummary {
  readonly passId: string;
  readonly scope: string;
  readonly trigger: string;
  readonly status: string;
  readonly windowDays: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
  readonly listings: number;
  /** Listings whose calendar differed, and their drifting nights. */
  readonly found: { listings: number; nights: number; openWhileBooked: number };
  readonly corrected: number;
  readonly failed: number;
  readonly pending: number;
  readonly unread: number;
  /** Listings whose rates differed from the PMS's (their drifting nights; corrections sent, settled by the next pass), and those whose rates could not be read. */
  readonly rates: { readonly found: { readonly listings: number; readonly nights: number }; readonly unread: number };
}

const SCHEDULE_LOCK = 0x636d7263; // "cmrc"

/** An on-demand pass recorded as running, or the pass of its scope already running. */
export type OnDemandStart = { readonly started: true } | { readonly started: false; readonly runningPassId: string };

/** The reconcile schema: passes, and what each channel listing of a pass found and became. */
export class PassStore {
  constructor(private readonly db: Knex) {}

  /** A calendar report's pass, in the transaction of its row (on-demand passes go through startOnDemand, scheduled ones through claimScheduled). */
  async start(tx: Knex.Transaction, passId: string, scope: string, trigger: 'calendar_report', windowDays: number, nowMs: number): Promise<void> {
    await tx('reconcile.passes').insert({ pass_id: passId, scope, trigger, window_days: windowDays, status: 'running', started_at_ms: nowMs });
  }

  /**
   * Records an on-demand pass unless one of the same scope is running (a partial unique index
   * decides, so across instances too); then answers the running one. A running pass not renewed
   * within `abandonedAfterMs` (its instance died) is recorded failed and gives up its scope.
   */
  async startOnDemand(passId: string, scope: PassScope, windowDays: number, nowMs: number, abandonedAfterMs: number): Promise<OnDemandStart> {
    const key = scopeKey(scope);
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db.raw(
        `INSERT INTO reconcile.passes (pass_id, scope, tenant_id, scope_key, trigger, window_days, status, started_at_ms, alive_at_ms)
         VALUES (?, ?, ?, ?, 'on_demand', ?, 'running', ?, ?)
         ON CONFLICT (scope_key) WHERE status = 'running' AND scope_key IS NOT NULL DO NOTHING
         RETURNING pass_id`,
        [passId, scope.propertyId ?? 'all', scope.tenantId, key, windowDays, nowMs, nowMs],
      );
      if (inserted.rows.length === 1) return { started: true };
      const running: { pass_id: string; alive_at_ms: string | number | null } | undefined = await this.db('reconcile.passes').where({ scope_key: key, status: 'running' }).first('pass_id', 'alive_at_ms');
      if (!running) continue; // it finished in between: try again
      if (Number(running.alive_at_ms ?? 0) >= nowMs - abandonedAfterMs) return { started: false, runningPassId: running.pass_id };
      await this.db('reconcile.passes')
        .where({ pass_id: running.pass_id, status: 'running' })
        .where('alive_at_ms', '<', nowMs - abandonedAfterMs)
        .update({ status: 'failed', finished_at_ms: nowMs, error: 'abandoned: the instance running it stopped renewing it' });
    }
    throw new Error(`could not start a pass for ${key}, nor find the one running`);
  }

  /** The running pass is alive (see startOnDemand). */
  async renew(passId: string, nowMs: number): Promise<void> {
    await this.db('reconcile.passes').where({ pass_id: passId, status: 'running' }).update({ alive_at_ms: nowMs });
  }

  async finish(passId: string, nowMs: number, error: string | null): Promise<void> {
    await this.db('reconcile.passes').where({ pass_id: passId }).update({ status: error ? 'failed' : 'finished', finished_at_ms: nowMs, error });
  }

  /**
   * Recorded in the transaction that writes the corrections to the outbox (CorrectionsOutbox): a
   * row says pending only of corrections that go out, and their results always find the row.
   */
  async record(tx: Knex.Transaction, rows: readonly PassListingRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx('reconcile.pass_listings').insert(
      rows.map((r) => ({
        pass_id: r.passId,
        property_id: r.propertyId,
        channel: r.channel,
        listing_id: r.listingId,
        compared: r.compared,
        drift_nights: r.driftNights,
        drift_ranges: JSON.stringify(r.driftRanges.map((d) => ({ check_in: d.dates.checkIn, check_out: d.dates.checkOut, kind: d.kind }))),
        open_while_booked: r.openWhileBooked,
        correction_ranges: r.correctionRanges,
        ledger_version: r.ledgerVersion,
        outcome: r.outcome,
        error: r.error,
        rates_outcome: r.ratesOutcome,
        rates_compared: r.ratesCompared,
        rate_drift_nights: r.rateDriftNights,
        rate_correction_ranges: r.rateCorrectionRanges,
        rates_error: r.ratesError,
      })),
    );
  }

  /**
   * A push's outcome settles the corrections it carried: acknowledged at their version or later
   * (a reconciliation push) or at a strictly newer version (the channel took a newer state
   * anyway) is fixed; a reconciliation push that failed after its last attempt is failed, until a
   * later acknowledgement fixes it. Answers how many listings turned fixed and failed.
   */
  async settle(result: SyncResult, nowMs: number): Promise<{ fixed: number; failed: number }> {
    const pending = this.db('reconcile.pass_listings').where({ property_id: result.property_id, channel: result.channel });
    if (result.outcome === 'ACKNOWLEDGED') {
      const fixed = await pending
        .clone()
        .whereIn('outcome', ['pending', 'failed'])
        .where('ledger_version', result.is_reconciliation ? '<=' : '<', result.version)
        .update({ outcome: 'fixed', settled_at_ms: nowMs, error: null });
      return { fixed, failed: 0 };
    }
    if (!result.is_reconciliation) return { fixed: 0, failed: 0 };
    const failed = await pending.clone().where({ outcome: 'pending' }).where('ledger_version', '<=', result.version).update({ outcome: 'failed', settled_at_ms: nowMs, error: result.error });
    return { fixed: 0, failed };
  }

  /**
   * Records a scheduled pass if none started within `everyMs`; with several instances, one
   * records it (a transaction-scoped advisory lock orders them). Answers whether it did.
   */
  async claimScheduled(passId: string, everyMs: number, windowDays: number, nowMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.raw('SELECT pg_advisory_xact_lock(?)', [SCHEDULE_LOCK]);
      const row = (await tx('reconcile.passes').where({ trigger: 'schedule' }).max('started_at_ms as at').first()) as { at: string | number | null } | undefined;
      if (row?.at != null && Number(row.at) + everyMs > nowMs) return false;
      await tx('reconcile.passes').insert({ pass_id: passId, scope: 'all', trigger: 'schedule', window_days: windowDays, status: 'running', started_at_ms: nowMs, alive_at_ms: nowMs });
      return true;
    });
  }

  /** The pass, if this caller may read it: a tenant reads the passes it started, the operator every pass. */
  private visible(passId: string, caller: Caller): Knex.QueryBuilder {
    const tenantId = tenantOf(caller);
    return this.db('reconcile.passes').where({ pass_id: passId }).modify((q) => (tenantId === null ? q : q.where({ tenant_id: tenantId })));
  }

  async has(passId: string, caller: Caller): Promise<boolean> {
    return (await this.visible(passId, caller).first('pass_id')) !== undefined;
  }

  async summary(passId: string, caller: Caller): Promise<PassSummary | undefined> {
    const pass = await this.visible(passId, caller).first();
    if (!pass) return undefined;
    const totals = (await this.db('reconcile.pass_listings')
      .where({ pass_id: passId })
      .first(
        this.db.raw('count(*)::int as listings'),
        this.db.raw('(count(*) filter (where drift_nights > 0))::int as drifting'),
        this.db.raw('coalesce(sum(drift_nights), 0)::int as nights'),
        this.db.raw('coalesce(sum(open_while_booked), 0)::int as open_while_booked'),
        this.db.raw(`(count(*) filter (where outcome = 'fixed'))::int as fixed`),
        this.db.raw(`(count(*) filter (where outcome = 'failed'))::int as failed`),
        this.db.raw(`(count(*) filter (where outcome = 'pending'))::int as pending`),
        this.db.raw(`(count(*) filter (where outcome = 'unread'))::int as unread`),
        this.db.raw('(count(*) filter (where rate_drift_nights > 0))::int as rates_drifting'),
        this.db.raw('coalesce(sum(rate_drift_nights), 0)::int as rate_nights'),
        this.db.raw(`(count(*) filter (where rates_outcome = 'unread'))::int as rates_unread`),
      )) as Record<string, number>;
    return {
      passId,
      scope: pass.scope,
      trigger: pass.trigger,
      status: pass.status,
      windowDays: pass.window_days,
      startedAtMs: Number(pass.started_at_ms),
      finishedAtMs: pass.finished_at_ms == null ? null : Number(pass.finished_at_ms),
      listings: totals.listings!,
      found: { listings: totals.drifting!, nights: totals.nights!, openWhileBooked: totals.open_while_booked! },
      corrected: totals.fixed!,
      failed: totals.failed!,
      pending: totals.pending!,
      unread: totals.unread!,
      rates: { found: { listings: totals.rates_drifting!, nights: totals.rate_nights! }, unread: totals.rates_unread! },
    };
  }

  /** Found, corrected and failed per property and channel of a pass (what an operator drills into). */
  async listings(passId: string, limit = 1_000): Promise<PassListingRow[]> {
    const rows = await this.db('reconcile.pass_listings').where({ pass_id: passId }).orderBy(['property_id', 'channel', 'listing_id']).limit(limit);
    return rows.map((r) => ({
      passId: r.pass_id,
      propertyId: r.property_id,
      channel: r.channel,
      listingId: r.listing_id,
      compared: r.compared,
      driftNights: r.drift_nights,
      driftRanges: rangesOf(r.drift_ranges),
      openWhileBooked: r.open_while_booked,
      correctionRanges: r.correction_ranges,
      ledgerVersion: Number(r.ledger_version),
      outcome: r.outcome,
      error: r.error,
      ratesOutcome: r.rates_outcome,
      ratesCompared: r.rates_compared,
      rateDriftNights: r.rate_drift_nights,
      rateCorrectionRanges: r.rate_correction_ranges,
      ratesError: r.rates_error,
    }));
  }
}

/** The stored runs of drifting nights ([{check_in, check_out, kind}]) as the drift report has them. */
function rangesOf(stored: { check_in: string; check_out: string; kind: MismatchKind }[]): DriftRange[] {
  return stored.map((d) => ({ dates: { checkIn: d.check_in as LocalDate, checkOut: d.check_out as LocalDate }, kind: d.kind }));
}
