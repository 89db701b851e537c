import { conflictRecord } from '@cm/domain';
import { topics, type Channel, type ReservationActionKind, type Source, type SyncResult } from '@cm/schemas';
import { produceValues, type AvroSerde, type ConflictMetrics, type RecordProducer } from '@cm/service-runtime';

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
 * (or that the channel cannot carry out) also raises SYNC_FAILED.
 */
export class ResultWriter {
  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly conflictCounts: ConflictMetrics,
  ) {}

  /** `ack`: the channel's id of what it did; null when it did nothing (a reservation action found done already). */
  async acknowledged(report: PushReport, ack: string | null): Promise<void> {
    await this.write(report, 'ACKNOWLEDGED', ack, null);
  }

  async failed(report: PushReport, error: string): Promise<void> {
    await this.write(report, 'FAILED', null, error);
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
    await produceValues(this.producer, this.serde, topics.conflicts, [conflict]);
    this.conflictCounts.raised({ type: conflict.conflict_type, channel: conflict.channel, requiresReview: conflict.requires_review });
  }

  private async write(report: PushReport, outcome: SyncResult['outcome'], ack: string | null, error: string | null): Promise<void> {
    const result: SyncResult = {
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
    await produceValues(this.producer, this.serde, topics.syncResults, [result]);
  }
}
