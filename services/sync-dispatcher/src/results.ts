import { conflictRecord } from '@cm/domain';
import { topics, type Channel, type Conflict, type ReservationActionKind, type Source, type SyncResult, type TopicHandle } from '@cm/schemas';
import { topicValueRecord, type ConflictMetrics, type Knex, type Outbox, type OutboxRecord } from '@cm/service-runtime';

export interface PushReport {
  readonly propertyId: string;
  readonly channel: Channel;
  readonly requestId: string;
  readonly version: number;
  readonly source: Source;
  readonly changeEventId: string;
  readonly correlationId: string;
  readonly attempts: number;
  readonly isReconciliation: boolean;
  readonly completedAt: number;
  /** Set when the outcome is a reservation action's rather than a push's. */
  readonly action?: ActionReport;
}

/** The reservation action an outcome is about. */
export interface ActionReport {
  readonly kind: ReservationActionKind;
  readonly bookingRef: string;
  readonly stayKey: string;
  readonly commandId: string;
  /** Names the action and the reservation, and why it did not happen: the conflict's summary. */
  readonly failureSummary: string;
}

/**
 * Every push's and reservation action's outcome on sync.results.v2; one that failed its last attempt
 * (or that the channel cannot carry out) also raises SYNC_FAILED. The records are written by the
 * store in the statement that records the outcome, so an outcome and its records are kept
 * together or not at all, and published by the outbox once that commits (`recordWith`).
 */
export class ResultWriter {
  constructor(
    private readonly outbox: Pick<Outbox, 'insert' | 'committedAnywhere'>,
    /** The partition of a property's records (`partitionOfKey`). */
    private readonly partitionOf: (propertyId: string) => number,
    private readonly conflictCounts: ConflictMetrics,
  ) {}

  /** `ack`: the channel's id of what it did; null when it did nothing (a reservation action found done already). */
  acknowledged(report: PushReport, ack: string | null): OutboxRecord[] {
    return [this.record(topics.syncResults, resultOf(report, 'ACKNOWLEDGED', ack, null), report)];
  }

  failed(report: PushReport, error: string): OutboxRecord[] {
    const conflict = conflictRecord(
      {
        facts: { type: 'SYNC_FAILED', channel: report.channel, consecutiveFailures: report.attempts, ...(report.action ? { reservationAction: report.action.kind } : {}) },
        resolution: 'RETRIES_EXHAUSTED',
        rule: '5.2 sync failures',
        channel: report.channel,
        summary: report.action?.failureSummary ?? `${report.channel} did not take version ${report.version} after ${report.attempts} attempts: ${error.slice(0, 200)}`,
      },
      {
        eventId: `${report.requestId}:sync_failed`,
        propertyId: report.propertyId,
        version: report.version,
        source: report.source,
        bookingRef: report.action?.bookingRef ?? null,
        commandId: report.action?.commandId ?? null,
        detectedAt: report.completedAt,
        correlationId: report.correlationId,
      },
    );
    return [this.record(topics.syncResults, resultOf(report, 'FAILED', null, error), report), this.record(topics.conflicts, conflict, report)];
  }

  /**
   * Runs the store's statement with the records written in it (`writes`, for the statement to
   * include), then hands them to the outbox and counts the conflicts: an outcome and its records
   * are kept together or not at all.
   */
  async recordWith<T>(records: readonly OutboxRecord[], store: (writes: readonly Knex.Sql[]) => Promise<T>): Promise<T> {
    const stored = await store(this.outbox.insert(records));
    await this.outbox.committedAnywhere(records);
    for (const record of records) {
      if (record.topic !== topics.conflicts.name) continue;
      const conflict = record.payload as Pick<Conflict, 'conflict_type' | 'channel' | 'requires_review'>;
      this.conflictCounts.raised({ type: conflict.conflict_type, channel: conflict.channel, requiresReview: conflict.requires_review });
    }
    return stored;
  }

  private record<V extends { readonly event_id: string }>(topic: TopicHandle<V>, value: NoInfer<V>, report: PushReport): OutboxRecord {
    return { ...topicValueRecord(topic, value, value.event_id), partition: this.partitionOf(report.propertyId) };
  }
}

function resultOf(report: PushReport, outcome: SyncResult['outcome'], ack: string | null, error: string | null): SyncResult {
  return {
    event_id: `${report.requestId}:${outcome.toLowerCase()}:${report.attempts}`,
    property_id: report.propertyId,
    version: report.version,
    source: report.source,
    channel: report.channel,
    change_event_id: report.changeEventId,
    outcome,
    attempts: report.attempts,
    channel_ack: ack,
    error,
    is_reconciliation: report.isReconciliation,
    completed_at: report.completedAt,
    correlation_id: report.correlationId,
    reservation_action: report.action?.kind ?? null,
    booking_ref: report.action?.bookingRef ?? null,
  };
}
