import { inTraceOf, namespaced, Waker, type AvroSerde, type Knex, type Logger, type RecordProducer } from '@cm/service-runtime';
import type { OutboxRecord } from '../records';

/** The statement that writes a decision's records in its transaction; the relay publishes them after commit. */
export function outboxWrite(tx: Knex.Transaction, records: readonly OutboxRecord[]): Knex.Sql[] {
  if (records.length === 0) return [];
  return [
    tx('outbox')
      .insert(records.map((r) => ({ event_id: r.eventId, topic: r.topic, record_key: r.key, payload: JSON.stringify(r.payload), trace_parent: r.traceParent ?? null })))
      .onConflict('event_id')
      .ignore()
      .toSQL(),
  ];
}

/** Only one relay publishes at a time across instances, so one property's records keep their order. */
const RELAY_LOCK = 0x636d6f62; // "cmob"

/**
 * Publishes outbox rows in id order, at least once: a row is deleted only after the broker
 * acknowledged it, so a crash in between publishes it again with the same event id. (Deleting
 * rather than marking keeps the table small; the audit log is the history.)
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();

  constructor(
    private readonly db: Knex,
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly log: Logger,
    private readonly options: { batchSize: number; idleMs: number; namespace: string; onPublished?: (count: number) => void },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Publish now rather than at the next idle tick (called after a decision commits). */
  wake(): void {
    this.waker.wake();
  }

  /** Publishes what is pending, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.publishPending();
  }

  async backlog(): Promise<number> {
    const row = await this.db('outbox').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** Publishes batches until none is left; returns how many records went out. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < this.options.batchSize) return total;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        // A short batch took everything committed before it: the next look waits for a wake-up
        // (a decision committed since; the Waker keeps one that came while this batch ran) or the
        // idle tick, instead of a second transaction that finds nothing.
        if ((await this.publishBatch()) >= this.options.batchSize) continue;
      } catch (error) {
        this.log.error({ err: error }, 'outbox relay failed; retrying');
      }
      await this.waker.sleep(this.options.idleMs);
    }
  }

  private async publishBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Taken and removed in one statement (the advisory lock first: no other relay's rows move);
      // removed for good only when the transaction commits, after the broker took them.
      const taken = await tx.raw(
        `WITH relay AS (SELECT pg_try_advisory_xact_lock(?) AS locked)
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE (SELECT locked FROM relay) ORDER BY id LIMIT ? FOR UPDATE)
         RETURNING id, topic, record_key, payload, trace_parent`,
        [RELAY_LOCK, this.options.batchSize],
      );
      const rows = (taken.rows as { id: number; topic: string; record_key: string; payload: unknown; trace_parent: string | null }[]).sort((a, b) => a.id - b.id);
      if (rows.length === 0) return 0;
      // A send per topic, made in its rows' trace so consumers continue it: with tracing on, a run of
      // consecutive rows of one trace (one command's records) is a send. The producer keeps the
      // order of sends, so a property's records keep theirs.
      const runs: { topic: string; traceParent: string | null; records: { key: string; value: Buffer }[] }[] = [];
      const lastRunOf = new Map<string, (typeof runs)[number]>();
      for (const row of rows) {
        // Rows hold topic-list names; this deployment's namespace is added when publishing.
        const topic = namespaced(row.topic, this.options.namespace);
        let run = lastRunOf.get(topic);
        if (!run || run.traceParent !== row.trace_parent) {
          run = { topic, traceParent: row.trace_parent, records: [] };
          runs.push(run);
          lastRunOf.set(topic, run);
        }
        run.records.push({ key: row.record_key, value: await this.serde.encode(topic, row.payload) });
      }
      await Promise.all(runs.map(({ topic, traceParent, records }) => inTraceOf(traceParent, () => this.producer.send(topic, records))));
      this.options.onPublished?.(rows.length);
      return rows.length;
    });
  }
}
