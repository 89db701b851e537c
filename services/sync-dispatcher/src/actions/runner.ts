import type { ChannelAdapters } from '@cm/channel-adapters';
import type { Channel, ReservationAction } from '@cm/schemas';
import { inTraceOf, withinPerMinute, type Knex, type Logger, type TokenBuckets } from '@cm/service-runtime';
import { LeaseLoop } from '../lease-loop';
import type { DispatcherMetrics } from '../metrics';
import type { RetryPolicy } from '../policy/backoff';
import type { ActionReport, PushReport, ResultWriter } from '../results';
import type { ActionStore, ActionWork } from '../store/action-store';
import type { Lease } from '../store/sync-store';
import type { ChannelListings } from '../store/channel-listings';
import { judge, planAction, resultKindOf, withoutCapability, type ActionPlan, type OutcomeLabel, type Verdict } from './plan';

export interface ActionRunnerConfig {
  readonly owner: string;
  /** Longer than a call's timeout, or a second instance could take an action still in flight. */
  readonly leaseMs: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  /** Reservation operations a channel allows per property a minute. */
  readonly callsPerMinute: number;
  /** After the last attempt failed (and was reported), the action is tried again this much later. */
  readonly afterFailureMs: number;
}

export interface ActionRunnerDeps {
  readonly store: ActionStore;
  readonly listings: Pick<ChannelListings, 'ofProperties'>;
  /** Each channel's operations (what it offers), and each listing's adapter through its connection. */
  readonly channels: ChannelAdapters;
  readonly buckets: TokenBuckets;
  readonly results: ResultWriter;
  readonly metrics: DispatcherMetrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/**
 * Carries out reservation actions on their channels: leases due actions, checks the channel
 * offers the operation, calls it within the channel's rate with the action's event id as the
 * request id, retries what another call could change with the pushes' backoff, and records every
 * final outcome on sync.results.v2 (a failure also raises SYNC_FAILED) before it lets the action go.
 */
export class ActionRunner {
  private readonly leases: LeaseLoop<ActionWork>;

  constructor(
    private readonly deps: ActionRunnerDeps,
    private readonly config: ActionRunnerConfig,
  ) {
    const { log } = deps;
    this.leases = new LeaseLoop<ActionWork>({
      owner: config.owner,
      leaseMs: config.leaseMs,
      concurrency: config.concurrency,
      now: deps.now,
      claim: (lease, nowMs, limit) => deps.store.claimDue(lease, nowMs, limit),
      claimFailed: (error) => log.warn({ err: error }, 'could not claim reservation actions; retrying'),
      // An action holds its slot until its outcome is recorded.
      work: (work) => this.carryOut(work),
      workFailed: (error, work) => log.error({ err: error, action: work.record.event_id }, 'reservation action failed unexpectedly; its lease will lapse and it is tried again'),
      releaseUnstarted: (work) => deps.store.release(work.record.event_id, config.owner, deps.now(), work.attempts, null),
    });
  }

  start(): void {
    this.leases.start();
  }

  /** New actions were recorded: look now rather than at the next poll. */
  wake(): void {
    this.leases.wake();
  }

  /** A lease for actions recorded and leased in one statement (ActionStore.record). */
  nextLease(): Lease {
    return this.leases.nextLease();
  }

  /** Carries out actions leased as they were recorded, as soon as slots are free, before any claim. */
  carryOutLeased(leased: readonly ActionWork[]): void {
    this.leases.offer(leased);
  }

  async stop(): Promise<void> {
    await this.leases.stop();
  }

  private async carryOut(work: ActionWork): Promise<void> {
    const { record } = work;
    const { now } = this.deps;
    const plan = planAction(record.action);
    const offered = this.deps.channels.byChannel.get(record.channel);
    if (plan.kind === 'unsupported') return this.conclude(work, plan, { kind: 'unsupported', error: `${record.channel}: ${plan.why}` }, work.attempts);
    if (!offered || !offered.capabilities.has(plan.capability)) return this.conclude(work, plan, withoutCapability(plan, record.channel), work.attempts);
    const listingId = (await this.deps.listings.ofProperties([record.property_id])).get(record.property_id)?.find((l) => l.channel === record.channel)?.listingId;
    if (listingId === undefined) {
      return this.conclude(work, plan, { kind: 'refused', error: `property ${record.property_id} has no listing on ${record.channel}` }, work.attempts);
    }
    const taken = await this.deps.buckets.take(`reservation:${record.channel}:${record.property_id}`, withinPerMinute(this.config.callsPerMinute));
    if (!taken.allowed) {
      await this.releaseUntil(record.event_id, now() + taken.retryAfterMs, work.attempts, null);
      return;
    }
    const channel = await this.deps.channels.of(record.channel, listingId);
    const attempt = work.attempts + 1;
    const result = await inTraceOf(work.traceParent, () => plan.call(channel, { listingId, reservationId: record.booking_ref, requestId: record.event_id }));
    const verdict = judge(plan, result, attempt, this.config.retry, this.deps.random());
    if (verdict.kind === 'retry') {
      await this.releaseUntil(record.event_id, now() + verdict.delayMs, attempt, verdict.error);
      return;
    }
    await this.conclude(work, plan, verdict, attempt);
  }

  /**
   * The reservation's next action, leased as this one finished: carried out without a claim. When
   * it was not due or another instance held it, the poll or its wait finds it.
   */
  private carryOutNext(next: ActionWork | null): void {
    if (next) this.leases.offer([next]);
  }

  /** Gives the action back until `dueAtMs`, `writes` in the same statement, and claims it again then. */
  private async releaseUntil(eventId: string, dueAtMs: number, attempts: number, error: string | null, outcome: OutcomeLabel | null = null, writes: readonly Knex.Sql[] = []): Promise<void> {
    await this.deps.store.release(eventId, this.config.owner, dueAtMs, attempts, error, outcome, writes);
    this.leases.dueAt(dueAtMs);
  }

  /**
   * Records an outcome in the store, in the statement that writes it to the outbox for
   * sync.results.v2 (a failure also raising SYNC_FAILED): both are kept, or neither, and then the
   * action is done again (the channel answers the same request id with its first answer).
   */
  private async conclude(work: ActionWork, plan: ActionPlan, verdict: Exclude<Verdict, { kind: 'retry' }>, attempts: number): Promise<void> {
    const { record } = work;
    const completedAt = this.deps.now();
    const labels = { channel: record.channel, kind: record.action.kind };
    this.deps.metrics.reservationActions.inc({ ...labels, outcome: verdict.kind });
    const report = reportOf(record, attempts, completedAt, plan, verdict);
    const owner = this.config.owner;
    switch (verdict.kind) {
      case 'done':
      case 'already_done':
      case 'not_needed':
        this.deps.metrics.reservationActionSeconds.observe({ ...labels, outcome: 'acknowledged' }, Math.max(0, completedAt - record.occurred_at) / 1000);
        this.carryOutNext(await this.deps.results.recordWith(this.deps.results.acknowledged(report, verdict.kind === 'done' ? verdict.ack : null), (writes) => this.deps.store.finish({ action: record, owner, status: 'done', outcome: verdict.kind, error: null, nowMs: completedAt, writes, next: this.leases.nextLease() })));
        return;
      case 'retries_exhausted':
        this.deps.log.warn({ channel: record.channel, action: record.event_id, kind: record.action.kind, attempts, error: verdict.error }, 'reservation action failed after its last attempt; tried again later');
        this.deps.metrics.reservationActionSeconds.observe({ ...labels, outcome: 'failed' }, Math.max(0, completedAt - record.occurred_at) / 1000);
        // Reported, not given up: tried again later until it lands.
        await this.deps.results.recordWith(this.deps.results.failed(report, verdict.error), (writes) => this.releaseUntil(record.event_id, completedAt + this.config.afterFailureMs, 0, verdict.error, verdict.kind, writes));
        return;
      case 'unsupported':
      case 'refused':
        this.deps.log.warn({ channel: record.channel, action: record.event_id, kind: record.action.kind, error: verdict.error }, 'reservation action cannot be carried out on its channel');
        this.deps.metrics.reservationActionSeconds.observe({ ...labels, outcome: 'failed' }, Math.max(0, completedAt - record.occurred_at) / 1000);
        this.carryOutNext(await this.deps.results.recordWith(this.deps.results.failed(report, verdict.error), (writes) => this.deps.store.finish({ action: record, owner, status: 'refused', outcome: verdict.kind, error: verdict.error, nowMs: completedAt, writes, next: this.leases.nextLease() })));
        return;
      default:
        return assertNever(verdict);
    }
  }
}

/** The outcome as sync.results.v2 and the SYNC_FAILED conflict tell it. */
function reportOf(record: ReservationAction, attempts: number, completedAt: number, plan: ActionPlan, verdict: { kind: OutcomeLabel; error?: string }): PushReport {
  const action: ActionReport = {
    kind: resultKindOf(record.action),
    bookingRef: record.booking_ref,
    stayKey: record.stay_key,
    commandId: record.command_id,
    failureSummary: failureSummary(record, plan, verdict.kind, attempts, verdict.error ?? ''),
  };
  return {
    propertyId: record.property_id,
    channel: record.channel,
    requestId: record.event_id,
    version: record.version,
    source: record.source,
    changeEventId: record.event_id,
    correlationId: record.correlation_id,
    attempts,
    isReconciliation: false,
    completedAt,
    action,
  };
}

function failureSummary(record: ReservationAction, plan: ActionPlan, outcome: OutcomeLabel, attempts: number, error: string): string {
  const what = `${record.action.kind} (${plan.describe}) of ${record.channel} reservation ${record.booking_ref}`;
  const why = outcome === 'retries_exhausted' ? `failed after ${attempts} attempts` : outcome === 'unsupported' ? 'is not offered by the channel' : 'was refused';
  return `${what} ${why}: ${error.slice(0, 200)}`;
}

function assertNever(value: never): never {
  throw new Error(`unhandled verdict: ${JSON.stringify(value)}`);
}
