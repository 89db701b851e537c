import { context, type Context } from '@opentelemetry/api';
import type { OutgoingRecord } from './types';

export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** A send's records with the trace context it was made in: its records carry that trace. */
export interface TracedRecords extends TopicRecords {
  readonly context: Context;
}

interface Waiting extends TracedRecords {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Sends made in the same turn of the event loop go out in one request, and sends that arrive
 * while one is in flight go out together in the next. An idempotent producer allows one request
 * in flight (that keeps retried records in order), so without this every concurrent caller waits
 * for every earlier one's round trip; with it, a caller waits for at most the request in flight
 * and its own. A decision's records for three topics are one request, not two or three. Order is
 * kept: requests go one at a time, and the records of one request keep the order their sends
 * were called in.
 *
 * Each send keeps its own trace context (`TracedRecords.context`): the request writes each
 * record's trace into its headers, so sends of different traces share a request.
 */
export class CoalescingSender {
  private readonly waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly sendRequest: (batch: readonly TracedRecords[]) => Promise<void>,
    /** Most records in one request, so a burst does not become one oversized request. */
    private readonly maxRecordsPerRequest = 2_000,
  ) {}

  send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ topic, records, context: context.active(), resolve, reject });
      if (this.sending) return;
      this.sending = true;
      // After the sends made in this turn (a decision's records for each topic), not before them.
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const taken = this.takeRequest();
        try {
          // In call order: a partition's records keep the order they were sent in.
          await this.sendRequest(taken);
          for (const w of taken) w.resolve();
        } catch (error) {
          for (const w of taken) w.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The next sends, whole, up to the record limit (a single larger send goes alone). */
  private takeRequest(): Waiting[] {
    let count = 0;
    let n = 0;
    while (n < this.waiting.length && (n === 0 || count + this.waiting[n]!.records.length <= this.maxRecordsPerRequest)) {
      count += this.waiting[n]!.records.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}
