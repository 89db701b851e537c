import { inTraceOf, namespaced, preparedRaw, Waker, type AvroSerde, type Knex, type Logger, type RecordProducer } from '@cm/service-runtime';
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

/** How long the relay publishes directly before it sweeps once, for rows nobody handed over. */
const SAFETY_SWEEP_MS = 30_000;

/** A record to publish: as a decision hands it over, or as the outbox holds it. */
interface Publishable {
  readonly eventId: string;
  /** The topic-list name; this deployment's namespace is added when publishing. */
  readonly topic: string;
  readonly key: string;
  readonly payload: unknown;
  readonly traceParent?: string | null;
}

/**
 * Publishes the outbox at least once, in commit order per property: a row is deleted only after
 * the broker acknowledged it, so a crash in between publishes it again with the same event id.
 * (Deleting rather than marking keeps the table small; the audit log is the history.)
 *
 * Two ways, one at a time. Sweeping takes rows from the table in id order, under an advisory lock
 * so one relay of all instances does it. Publishing directly sends each decision's records as
 * the arbiter hands them over at commit, in that order, then deletes their rows, without reading
 * them back. The relay publishes directly only once a sweep that held the lock found the table
 * empty. It returns to sweeping at start, after a failed send or delete, after a rebalance (until
 * this instance's fence bumps are done: another instance may have left rows behind), when a
 * decision is in doubt, and every SAFETY_SWEEP_MS: so nothing newer goes out before rows left
 * behind. Records handed over while sweeping are kept until a sweep publishes them; those
 * committed after the last sweep's snapshot go out directly (a record a sweep published as well
 * goes out twice, with the same event id).
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private direct = false;
  /** The latest rebalance: sweeping goes on at least until its fence bumps are done. */
  private lastMove = { settled: true };
  private directSinceMs = 0;
  /** Handed over by the arbiter, in commit order, not yet published. */
  private handed: Publishable[] = [];

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

  /** A decision committed with these outbox records: publish them now. */
  committed(records: readonly OutboxRecord[]): void {
    this.handed.push(...records);
    this.waker.wake();
  }

  /** Whether decisions' records go out directly (true) or the table is being swept. */
  get publishingDirectly(): boolean {
    return this.direct;
  }

  /**
   * A decision's transaction ended in doubt (its commit may have happened unseen) or found its
   * commands already decided: rows nobody handed over may be in the table. Sweep until it is empty.
   */
  sweepFirst(): void {
    this.direct = false;
    this.waker.wake();
  }

  /**
   * Partitions moved between instances: rows another instance committed and did not publish may
   * be in the table, older than anything decided from now on. Sweep (in id order) until it is
   * empty, and not before `fencesTaken` (this instance's bumps of the partitions' fences) is done.
   */
  partitionsMoved(fencesTaken: Promise<unknown> = Promise.resolve()): void {
    this.direct = false;
    // A previous owner's decision in flight commits before this instance's fence bump completes
    // (the bump waits for its share lock): only a sweep after the bumps is sure to see its rows.
    const moved = { settled: false };
    this.lastMove = moved;
    void fencesTaken.catch(() => undefined).finally(() => {
      moved.settled = true;
      this.waker.wake();
    });
    this.waker.wake();
  }

  /** Publishes what is pending, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loop;
    if (this.direct) await this.publishHanded().catch((error: unknown) => this.log.warn({ err: error }, 'could not publish the last records directly; the sweep below takes them'));
    await this.publishPending();
  }

  async backlog(): Promise<number> {
    const row = await this.db('outbox').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** Sweeps batches until none is left (or another relay sweeps); returns how many records went out. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.sweepBatch();
      if (published === null) return total;
      total += published;
      if (published < this.options.batchSize) return total;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.direct && Date.now() - this.directSinceMs >= SAFETY_SWEEP_MS) {
          // Rows nobody handed over (a commit whose answer was lost) would wait for a rebalance:
          // a sweep now and then takes them, in id order with everything newer.
          this.direct = false;
        }
        if (this.direct) {
          if (this.handed.length > 0) {
            await this.publishHanded();
            continue;
          }
        } else {
          // Read before the sweep: a move that settles while the sweep runs may have let rows
          // commit after its snapshot.
          const move = this.lastMove;
          const settledBefore = move.settled;
          const handedBefore = this.handed.length;
          const published = await this.sweepBatch();
          if (published !== null && published > 0) continue;
          if (published === 0) {
            // The table was empty as this sweep saw it, under the lock. What was handed over
            // before the sweep committed before its snapshot, so it is gone (another relay
            // published it); what came since committed after, and goes out directly, first.
            this.handed.splice(0, handedBefore);
            if (settledBefore && move === this.lastMove) {
              this.direct = true;
              this.directSinceMs = Date.now();
            }
          }
          // Another relay sweeping (null) may still hold older rows: look again after the pause.
        }
      } catch (error) {
        if (this.direct) this.log.warn({ err: error }, 'publishing directly failed; sweeping the outbox until it is empty');
        else this.log.error({ err: error }, 'outbox relay failed; retrying');
        this.direct = false;
      }
      await this.waker.sleep(this.options.idleMs);
    }
  }

  /** Sends what was handed over, in order, then deletes its rows. */
  private async publishHanded(): Promise<void> {
    const batch = this.handed.slice(0, this.options.batchSize);
    await this.send(batch);
    await preparedRaw(this.db, 'DELETE FROM outbox WHERE event_id = ANY(?::text[])', [batch.map((r) => r.eventId)]);
    this.handed.splice(0, batch.length);
    this.options.onPublished?.(batch.length);
  }

  /**
   * Sweeps one batch: how many rows went out, or `null` when another relay holds the sweep (its
   * rows are not known to be gone, so this relay must not publish directly yet).
   */
  private async sweepBatch(): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      // Taken and removed in one statement (the advisory lock first: no other relay's rows move);
      // removed for good only when the transaction commits, after the broker took them.
      const taken = await preparedRaw(
        tx,
        `WITH relay AS (SELECT pg_try_advisory_xact_lock(?) AS locked),
         taken AS (
           DELETE FROM outbox WHERE id IN (
             SELECT id FROM outbox WHERE (SELECT locked FROM relay) ORDER BY id LIMIT ? FOR UPDATE)
           RETURNING id, event_id, topic, record_key, payload, trace_parent)
         SELECT (SELECT locked FROM relay) AS locked,
                coalesce((SELECT json_agg(taken ORDER BY id) FROM taken), '[]'::json) AS rows`,
        [RELAY_LOCK, this.options.batchSize],
      );
      const { locked, rows } = taken.rows[0] as { locked: boolean; rows: { id: number; event_id: string; topic: string; record_key: string; payload: unknown; trace_parent: string | null }[] };
      if (!locked) return null;
      if (rows.length === 0) return 0;
      await this.send(rows.map((r) => ({ eventId: r.event_id, topic: r.topic, key: r.record_key, payload: r.payload, traceParent: r.trace_parent })));
      // Handed-over records this sweep published need not go out again.
      const swept = new Set(rows.map((r) => r.event_id));
      this.handed = this.handed.filter((r) => !swept.has(r.eventId));
      this.options.onPublished?.(rows.length);
      return rows.length;
    });
  }

  /**
   * A send per topic, made in its records' trace so consumers continue it: with tracing on, a run
   * of consecutive records of one trace (one command's records) is a send. The producer keeps the
   * order of sends, so a property's records keep theirs.
   */
  private async send(records: readonly Publishable[]): Promise<void> {
    const runs: { topic: string; traceParent: string | null; records: { key: string; value: Buffer }[] }[] = [];
    const lastRunOf = new Map<string, (typeof runs)[number]>();
    for (const record of records) {
      const topic = namespaced(record.topic, this.options.namespace);
      let run = lastRunOf.get(topic);
      const traceParent = record.traceParent ?? null;
      if (!run || run.traceParent !== traceParent) {
        run = { topic, traceParent, records: [] };
        runs.push(run);
        lastRunOf.set(topic, run);
      }
      run.records.push({ key: record.key, value: await this.serde.encodeRaw(topic, record.payload) });
    }
    await Promise.all(runs.map(({ topic, traceParent, records: batch }) => inTraceOf(traceParent, () => this.producer.send(topic, batch))));
  }
}
