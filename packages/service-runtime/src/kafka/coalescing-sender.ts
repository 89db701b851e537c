import { context, type Context } from '@opentelemetry/api';
import type { OutgoingRecord } from './types';

export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

interface Waiting extends TopicRecords {
  /** The caller's trace context: the request is sent in it, so its records carry the caller's trace. */
  readonly context: Context;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Sends that arrive while one is in flight go out together in the next request. An idempotent
 * producer allows one request in flight (that keeps retried records in order), so without this
 * every concurrent caller waits for every earlier one's round trip; with it, a caller waits for
 * at most the request in flight and its own. Order is kept: requests go one at a time, and the
 * records of one request keep the order their sends were called in.
 *
 * Only sends made in the same trace context share a request: the tracing instrumentation writes
 * the context of the request into every record's headers. With tracing off every send shares the
 * root context and all coalesce; with it on, each traced caller's records still carry its trace.
 */
export class CoalescingSender {
  private readonly waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly sendRequest: (batch: readonly TopicRecords[]) => Promise<void>,
    /** Most records in one request, so a burst does not become one oversized request. */
    private readonly maxRecordsPerRequest = 2_000,
  ) {}

  send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ topic, records, context: context.active(), resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const taken = this.takeRequest();
        try {
          await context.with(taken[0]!.context, () => this.sendRequest(byTopic(taken)));
          for (const w of taken) w.resolve();
        } catch (error) {
          for (const w of taken) w.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The next sends of one trace context, whole, up to the record limit (a single larger send goes alone). */
  private takeRequest(): Waiting[] {
    let count = 0;
    let n = 0;
    const first = this.waiting[0]!;
    const fits = (w: Waiting) => w.context === first.context && count + w.records.length <= this.maxRecordsPerRequest;
    while (n < this.waiting.length && (n === 0 || fits(this.waiting[n]!))) {
      count += this.waiting[n]!.records.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}

/** Records grouped per topic, in the order they were sent. */
function byTopic(sends: readonly TopicRecords[]): TopicRecords[] {
  const groups = new Map<string, OutgoingRecord[]>();
  for (const send of sends) {
    const group = groups.get(send.topic) ?? [];
    group.push(...send.records);
    groups.set(send.topic, group);
  }
  return [...groups].map(([topic, records]) => ({ topic, records }));
}
