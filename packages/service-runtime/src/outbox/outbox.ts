import { wireCodec, type TopicHandle } from '@cm/schemas';
import type { Knex } from 'knex';
import type { RecordProducer } from '../kafka/types';
import type { Logger } from '../logger';
import { preparedRaw } from '../postgres';
import { PgListener } from '../pg-listener';
import type { AvroSerde } from '../schema-registry';
import { namespaced } from '../topic-names';
import { inTraceOf } from '../trace-context';
import { Waker } from '../waker';
import { JSON_COLUMN, jsonTexts } from '../array-literals';
import { columnsWrite, writeTogether } from './inbox-step';
import type { PartitionFences } from './partition-fences';

/** A value of a topic as an outbox holds it: keyed by the topic's key function, in its wire form. */
export interface TopicValueRecord {
  /** Stable, so a record published twice (after a crash, or by two owners during a move) is taken once. */
  readonly eventId: string;
  /** The topic-list name; this deployment's namespace is added when publishing. */
  readonly topic: string;
  readonly key: string;
  /** The record as Avro writes it (unions of records wrapped), so the relay encodes it as it is. */
  readonly payload: unknown;
}

export function topicValueRecord<V>(topic: TopicHandle<V>, value: NoInfer<V>, eventId: string): TopicValueRecord {
  const key = topic.key(value);
  if (key === null) throw new Error(`${topic.name} has no record key for ${eventId}`);
  return { eventId, topic: topic.name, key, payload: wireCodec(topic).toWire(value) };
}

/** A record to publish after the transaction that wrote it commits. */
export interface OutboxRecord extends TopicValueRecord {
  /** The trace the record's cause came in (null when tracing is off): it is published in it. */
  readonly traceParent?: string | null;
  /**
   * The Kafka partition whose owner publishes the record: the partition of the consumed record it
   * was decided from, or `partitionOfKey` of its key for a write no record started.
   */
  readonly partition: number;
}

/**
 * The statement part that writes records to an outbox table: fixed text, each column one array
 * binding, so a writer's statement made of such parts is prepared once per connection
 * (writeTogether) instead of parsed and planned with a parameter per value every time. Rows are
 * inserted, and so numbered, in the records' order (ORDER BY the arrays' ordinality: the relay
 * publishes a key's records in id order).
 */
export function outboxInsert(db: Knex | Knex.Transaction, table: string, records: readonly OutboxRecord[]): Knex.Sql[] {
  if (records.length === 0) return [];
  return [
    columnsWrite(
      db,
      `INSERT INTO ${table} (kafka_partition, event_id, topic, record_key, payload, trace_parent)
       SELECT p, e, t, k, v, tp FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ${JSON_COLUMN}, ?::text[]) WITH ORDINALITY AS r(p, e, t, k, v, tp, n)
       ORDER BY n ON CONFLICT (event_id) DO NOTHING`,
      [records.map((r) => r.partition), records.map((r) => r.eventId), records.map((r) => r.topic), records.map((r) => r.key), jsonTexts(records.map((r) => JSON.stringify(r.payload))), records.map((r) => r.traceParent ?? null)],
    ),
  ];
}

export interface OutboxOptions {
  /** The outbox table (`createOutboxTable`), schema-qualified when not in the search path. */
  readonly table: string;
  /** The fences of the consumed topic whose partitions own the rows. */
  readonly fences: PartitionFences;
  readonly namespace: string;
  readonly batchSize: number;
  /**
   * How long the relay sleeps when nothing was handed over or swept while a partition is still
   * being swept. Once every partition is published directly it sleeps until the next safety
   * sweep is due: whatever brings records (a hand-over, a NOTIFY, an assignment) wakes it.
   */
  readonly idleMs: number;
  /**
   * Set when rows are written by instances that may not own their partition (an operator's
   * request served by any instance): such a commit notifies the owner on this PostgreSQL channel.
   */
  readonly notifyChannel?: string;
  readonly onPublished?: (count: number) => void;
  /**
   * How long records handed over may wait to be sent with those handed over after them (a full
   * batch goes at once; a stop sends what waits). Only for records nobody waits for on a
   * booking's path, such as the dispatcher's push outcomes: at a few bookings a second each
   * commit's records were a produce request, and a wake-up of its sender, of their own. 0: each
   * hand-over goes out at once.
   */
  readonly publishLingerMs?: number;
}

/** How long a partition is published directly before it is swept once, for rows nobody handed over. */
const SAFETY_SWEEP_MS = 30_000;

/**
 * How long the rows of records published directly may wait to be deleted together (a full batch
 * goes at once). At 50 ms a booking at 25/s had a DELETE of its own in each relay; a row kept a
 * second longer is at worst sent again after a crash or a move, with its event id.
 */
const DELETE_LINGER_MS = 1_000;

/** A partition this instance owns, as its relay sees it. */
interface Owned {
  /** The fence generation taken for it; undefined until the bump is done. */
  generation: number | undefined;
  mode: 'sweeping' | 'direct';
  /** Bumped by whatever sends the partition back to sweeping, so a sweep in flight cannot then switch it to direct. */
  epoch: number;
  /** Counts fence bumps, so only the latest one's generation is kept. */
  bumps: number;
  directSinceMs: number;
  /** Handed over at commit, in commit order, not yet published. */
  handed: OutboxRecord[];
}

interface SweptRow {
  readonly id: number;
  readonly kafka_partition: number | null;
  readonly event_id: string;
  readonly topic: string;
  readonly record_key: string;
  readonly payload: unknown;
  readonly trace_parent: string | null;
}

/**
 * The transactional outbox of a service: records are written in the transaction of the change
 * they announce, each under the Kafka partition of its key, and published at least once, in
 * commit order per partition, by the instance that owns the partition (its fenced owner in the
 * consumer group); a row is deleted once the broker took it. No lock is shared across partitions.
 *
 * Per partition, two ways, one at a time. Sweeping reads the partition's rows in id order under a
 * fence check, sends them, then deletes them (no lock is held across the send).
 * Publishing directly sends each commit's records as the writer hands them over, then deletes
 * their rows without reading them back. A partition is swept on assignment (once this instance's
 * fence bump is done: a previous owner's write in flight commits before it), after a failed send
 * or delete, when a write is in doubt (its commit may have happened unseen), when another
 * instance wrote rows for it, and every SAFETY_SWEEP_MS; it is published directly once a sweep
 * found it empty. A record a sweep published as well as handed over goes out twice, with the same
 * event id; consumers take it once.
 */
export class Outbox {
  private readonly owned = new Map<number, Owned>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  /** Hears other instances' writes to partitions this one owns (`notifyChannel`): each is swept. */
  private readonly listener: PgListener | undefined;
  /** Event ids published directly whose rows are not deleted yet (`deletePublished`). */
  private readonly published: string[] = [];
  private lastDeleteAtMs = 0;
  /** The delete of published rows under way (`deleteWhenDue`); a sweep and a stop wait for it. */
  private deleting: Promise<void> | undefined;
  /** When the oldest record handed over and not sent yet was handed over (publishLingerMs). */
  private handedSinceMs: number | undefined;
  private readonly lingerMs: number;

  constructor(
    private readonly db: Knex,
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly log: Logger,
    private readonly options: OutboxOptions,
  ) {
    this.lingerMs = options.publishLingerMs ?? 0;
    if (options.notifyChannel) {
      this.listener = new PgListener(
        db,
        [options.notifyChannel],
        {
          notified: (payload) => {
            const owned = this.owned.get(Number(payload));
            if (!owned) return;
            this.backToSweeping(owned);
            this.waker.wake();
          },
          // Writes made while nobody listened are found by sweeping every partition once.
          listening: () => this.inDoubt(),
        },
        log,
        "other instances' outbox writes",
      );
    }
    options.fences.watch({
      assigned: (partitions) => {
        // Partitions given to other instances are theirs to publish; what was handed over for them is swept there.
        const kept = new Set(partitions);
        for (const partition of [...this.owned.keys()]) if (!kept.has(partition)) this.owned.delete(partition);
      },
      bumped: (partition, generation) => this.bumped(partition, generation),
    });
  }

  /**
   * The statement that writes records, for a statement or transaction of the writer's to run
   * (built here, run there: the rows commit with the change they announce).
   */
  insert(records: readonly OutboxRecord[]): Knex.Sql[] {
    return outboxInsert(this.db, this.options.table, records);
  }

  /**
   * Writes records in the writer's transaction and tells their partitions' owners, whichever
   * instance they are (this one included: its own listener hears it). For writers that are not
   * their partition's fenced owner; needs `notifyChannel`.
   */
  async write(tx: Knex.Transaction, records: readonly OutboxRecord[]): Promise<void> {
    const notifyChannel = this.options.notifyChannel;
    if (!notifyChannel) throw new Error('Outbox.write tells the owners by NOTIFY: give the outbox a notifyChannel');
    await writeTogether(tx, this.insert(records));
    // Delivered at commit, and only then: the owner sweeps what is there to see.
    await this.notify(tx, notifyChannel, new Set(records.map((r) => r.partition)));
  }

  /**
   * A transaction committed with these records: those of partitions this instance owns go out now,
   * or once they lingered (publishLingerMs), or with the sweep under way; the others are their
   * owner's to sweep.
   */
  committed(records: readonly OutboxRecord[]): void {
    let handed = 0;
    for (const record of records) {
      const owned = this.owned.get(record.partition);
      if (!owned) continue;
      owned.handed.push(record);
      handed++;
    }
    if (handed === 0) return;
    // While records linger the relay is asleep until the oldest one's time: woken by the first,
    // and by a full batch, not by every hand-over in between.
    const lingering = this.handedSinceMs !== undefined;
    this.handedSinceMs ??= Date.now();
    if (!lingering || this.lingerMs === 0 || this.sendableCount() >= this.options.batchSize) this.waker.wake();
  }

  /**
   * For a writer that may not own its records' partitions (a push leased by any instance): once
   * its statement committed, what this instance owns goes out now, and the owners of the rest are
   * told by NOTIFY (needs `notifyChannel`). Should that fail, their safety sweep finds the rows.
   */
  async committedAnywhere(records: readonly OutboxRecord[]): Promise<void> {
    this.committed(records);
    const notifyChannel = this.options.notifyChannel;
    if (!notifyChannel) throw new Error('Outbox.committedAnywhere tells the owners by NOTIFY: give the outbox a notifyChannel');
    const elsewhere = [...new Set(records.map((r) => r.partition))].filter((partition) => !this.owned.has(partition));
    await this.notify(this.db, notifyChannel, elsewhere).catch((error: unknown) => this.log.warn({ err: error }, 'could not tell the owners of outbox rows; their safety sweep publishes them'));
  }

  /** Tells the owners of these partitions, in one statement, that rows were written for them. */
  private async notify(db: Knex | Knex.Transaction, channel: string, partitions: Iterable<number>): Promise<void> {
    const list = [...partitions];
    if (list.length > 0) await preparedRaw(db, 'SELECT pg_notify(?, p::text) FROM unnest(?::int[]) AS p', [channel, list]);
  }

  /**
   * A write's transaction ended in doubt (its commit may have happened unseen) or found its work
   * done already: rows nobody handed over may be in the table. Sweep every partition until empty.
   */
  inDoubt(): void {
    for (const owned of this.owned.values()) this.backToSweeping(owned);
    this.waker.wake();
  }

  /** Whether a partition's records go out as they are handed over (true), or it is being swept. */
  publishesDirectly(partition: number): boolean {
    return this.owned.get(partition)?.mode === 'direct';
  }

  /**
   * Rows written before the outbox was partitioned (no partition) get the partition of their key,
   * so each goes out with, and before, the newer records of its key. Run before `start`.
   */
  async placeUnpartitioned(partitionOfKey: (key: string) => number): Promise<number> {
    const rows: { id: number; record_key: string }[] = await this.db(this.options.table).whereNull('kafka_partition').select('id', 'record_key');
    if (rows.length > 0) {
      await preparedRaw(this.db, `UPDATE ${this.options.table} o SET kafka_partition = p.partition FROM unnest(?::bigint[], ?::int[]) AS p(id, partition) WHERE o.id = p.id`, [rows.map((r) => r.id), rows.map((r) => partitionOfKey(r.record_key))]);
    }
    return rows.length;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
    this.listener?.start();
  }

  /** Publishes what is pending in the partitions it owns, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loop;
    await this.listener?.stop();
    await this.publishHanded(true).catch((error: unknown) => this.log.warn({ err: error }, 'could not publish the last records directly; the sweep below takes them'));
    await this.deleteAllPublished().catch((error: unknown) => this.log.warn({ err: error }, 'could not delete the rows of published records; the next owner sends them again'));
    for (const owned of this.owned.values()) this.backToSweeping(owned);
    while ((await this.sweep()) === 'more');
  }

  /** Rows not yet published, of every partition. */
  async backlog(): Promise<number> {
    const row = await this.db(this.options.table).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** The fences moved a partition to this instance: swept once the bump is done. */
  private bumped(partition: number, generation: Promise<number>): void {
    const owned = this.track(partition);
    this.backToSweeping(owned);
    owned.generation = undefined;
    const bump = ++owned.bumps;
    generation.then(
      (taken) => {
        if (owned.bumps === bump) owned.generation = taken;
        this.waker.wake();
      },
      () => {
        // No generation: the partition is not this instance's to publish until a bump succeeds.
        if (owned.bumps === bump && this.owned.get(partition) === owned) this.owned.delete(partition);
      },
    );
    this.waker.wake();
  }

  private track(partition: number): Owned {
    let owned = this.owned.get(partition);
    if (!owned) {
      owned = { generation: undefined, mode: 'sweeping', epoch: 0, bumps: 0, directSinceMs: 0, handed: [] };
      this.owned.set(partition, owned);
    }
    return owned;
  }

  private backToSweeping(owned: Owned): void {
    owned.mode = 'sweeping';
    owned.epoch++;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      try {
        const now = Date.now();
        for (const owned of this.owned.values()) {
          // Rows nobody handed over (a commit whose answer was lost) would wait for a move: a
          // sweep now and then takes them, in id order with everything newer.
          if (owned.mode === 'direct' && now - owned.directSinceMs >= SAFETY_SWEEP_MS) this.backToSweeping(owned);
        }
        more = (await this.sweep()) === 'more';
        more = (await this.publishHanded()) || more;
        this.deleteWhenDue();
      } catch (error) {
        this.log.warn({ err: error }, 'publishing the outbox failed; sweeping it until it is empty');
        for (const owned of this.owned.values()) this.backToSweeping(owned);
      }
      if (!more) await this.waker.sleep(Math.min(this.published.length > 0 ? DELETE_LINGER_MS : this.idleSleepMs(), this.lingerLeftMs() ?? Infinity));
    }
  }

  /**
   * idleMs while a partition is swept or waits for its fence; else until the first safety sweep
   * is due. Issue 22.3: a 200 ms poll was 5 wake-ups a second per idle service that found nothing
   * to do, every record being announced by a wake-up anyway.
   */
  private idleSleepMs(): number {
    let firstSweepDueMs = Infinity;
    for (const owned of this.owned.values()) {
      if (owned.mode === 'sweeping') return this.options.idleMs;
      firstSweepDueMs = Math.min(firstSweepDueMs, owned.directSinceMs + SAFETY_SWEEP_MS);
    }
    return Math.max(this.options.idleMs, Math.min(SAFETY_SWEEP_MS, firstSweepDueMs - Date.now()));
  }

  /**
   * Sweeps one batch of every partition being swept whose fence is taken, in one statement; a
   * partition found empty is published directly from then on. 'more' when the batch was full.
   */
  private async sweep(): Promise<'more' | 'done'> {
    const sweeping = [...this.owned.entries()].filter(([, o]) => o.mode === 'sweeping' && o.generation !== undefined);
    if (sweeping.length === 0) return 'done';
    await this.deleteAllPublished();
    // Read before the sweep: only what was true before its snapshot may switch a partition to direct.
    const before = new Map(sweeping.map(([partition, o]) => [partition, { owned: o, epoch: o.epoch, bumps: o.bumps, handed: o.handed.length }]));
    const { table, fences, batchSize } = this.options;
    // Read under the fence (a partition another instance took since is not read), sent, then
    // deleted: no transaction or lock is held across the send, so a frozen or slow instance
    // never holds back a new owner's fence bump. A row read by two owners during a move goes out
    // twice, with its event id; it is deleted only once the broker took it.
    const read = await preparedRaw(
      this.db,
      `WITH mine AS (SELECT * FROM unnest(?::int[], ?::bigint[]) AS m(partition, generation)),
       fence AS (
         SELECT f.partition FROM ${fences.table} f JOIN mine m ON m.partition = f.partition AND m.generation = f.generation
         WHERE f.topic = ?),
       taken AS (
         SELECT o.id, o.kafka_partition, o.event_id, o.topic, o.record_key, o.payload, o.trace_parent FROM ${table} o
         WHERE o.kafka_partition IN (SELECT partition FROM fence)
         ORDER BY o.id LIMIT ?)
       SELECT coalesce((SELECT json_agg(partition) FROM fence), '[]'::json) AS held,
              coalesce((SELECT json_agg(taken ORDER BY id) FROM taken), '[]'::json) AS rows`,
      [sweeping.map(([p]) => p), sweeping.map(([, o]) => o.generation!), fences.topic, batchSize],
    );
    const { held, rows } = read.rows[0] as { held: number[]; rows: SweptRow[] };
    if (rows.length > 0) {
      await this.send(rows.map((r) => ({ eventId: r.event_id, topic: r.topic, key: r.record_key, payload: r.payload, traceParent: r.trace_parent, partition: r.kafka_partition! })));
      await preparedRaw(this.db, `DELETE FROM ${table} WHERE id = ANY(?::bigint[])`, [rows.map((r) => r.id)]);
    }
    const heldNow = new Set(held);
    for (const [partition, { owned, bumps }] of before) {
      // Fenced: another instance owns it now, and sweeps what is left. Unless this instance took
      // the partition again meanwhile (a bump since the sweep read its generation): then the
      // sweep was fenced by its own newer generation, and the next sweep uses that one.
      if (!heldNow.has(partition) && this.owned.get(partition) === owned && owned.bumps === bumps) this.owned.delete(partition);
    }
    // Handed-over records this sweep published need not go out again.
    const swept = new Set(rows.map((r) => r.event_id));
    if (swept.size > 0) for (const { owned } of before.values()) owned.handed = owned.handed.filter((r) => !swept.has(r.eventId));
    if (rows.length > 0) this.options.onPublished?.(rows.length);
    if (rows.length >= this.options.batchSize) return 'more';
    const sweptPartitions = new Set(rows.map((r) => r.kafka_partition!));
    const now = Date.now();
    for (const [partition, { owned, epoch, handed }] of before) {
      if (!heldNow.has(partition) || sweptPartitions.has(partition) || owned.epoch !== epoch) continue;
      // Empty as this sweep saw it. What was handed over before the sweep committed before its
      // snapshot, so it is gone; what came since committed after, and goes out directly, first.
      owned.handed.splice(0, handed);
      owned.mode = 'direct';
      owned.directSinceMs = now;
    }
    return sweptPartitions.size > 0 ? 'more' : 'done';
  }

  /** Records handed over in partitions published directly: what publishHanded would send. */
  private sendableCount(): number {
    let count = 0;
    for (const owned of this.owned.values()) if (owned.mode === 'direct') count += owned.handed.length;
    return count;
  }

  /**
   * How long the oldest record handed over may still wait to be sent (0: send now; undefined:
   * nothing waits to be sent directly). Records of a partition being swept go with its sweep, at
   * its pace: they never shorten the relay's sleep.
   */
  private lingerLeftMs(): number | undefined {
    if (this.handedSinceMs === undefined) return undefined;
    const count = this.sendableCount();
    if (count === 0) {
      // Sent, or taken by a sweep or a partition's move; what a sweep leaves goes at once.
      this.handedSinceMs = undefined;
      return undefined;
    }
    if (this.lingerMs === 0 || count >= this.options.batchSize) return 0;
    return Math.max(0, this.handedSinceMs + this.lingerMs - Date.now());
  }

  /**
   * Sends what was handed over for partitions published directly, in order, then deletes their
   * rows. Whether any went out. Unless `now`, not before the oldest has lingered its time.
   */
  private async publishHanded(now = false): Promise<boolean> {
    if (!now && (this.lingerLeftMs() ?? 0) > 0) return false;
    const batch: OutboxRecord[] = [];
    const taken: { owned: Owned; count: number }[] = [];
    for (const owned of this.owned.values()) {
      if (owned.mode !== 'direct' || owned.handed.length === 0) continue;
      const room = this.options.batchSize - batch.length;
      if (room <= 0) break;
      const records = owned.handed.slice(0, room);
      batch.push(...records);
      taken.push({ owned, count: records.length });
    }
    if (batch.length === 0) return false;
    try {
      await this.send(batch);
    } catch (error) {
      this.log.warn({ err: error }, 'publishing directly failed; sweeping the partitions until they are empty');
      for (const { owned } of taken) this.backToSweeping(owned);
      return false;
    }
    for (const { owned, count } of taken) owned.handed.splice(0, count);
    // What is left past a full batch counts from now.
    this.handedSinceMs = this.sendableCount() > 0 ? Date.now() : undefined;
    this.published.push(...batch.map((r) => r.eventId));
    this.options.onPublished?.(batch.length);
    return true;
  }

  /**
   * Deletes the rows of records published directly: many sends' rows in one statement, at most
   * DELETE_LINGER_MS after their send (a statement per send put a round trip and a PostgreSQL
   * statement on every publish), and always before a sweep reads, so a sweep does not send them
   * again. A crash in between sends them again, with their event ids.
   *
   * The relay does not wait for it: records committed while it runs go out meanwhile (awaited in
   * the relay's loop, it held them back once a second, for as long as the DELETE took).
   */
  private deleteWhenDue(): void {
    if (this.deleting || this.published.length === 0) return;
    if (this.published.length < this.options.batchSize && Date.now() - this.lastDeleteAtMs < DELETE_LINGER_MS) return;
    this.deleting = this.deletePublished()
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not delete the rows of published records; trying again (a sweep before then sends them again, with their event ids)'))
      .finally(() => {
        this.deleting = undefined;
      });
  }

  /** Every published record's row deleted: the delete under way, then the rest. */
  private async deleteAllPublished(): Promise<void> {
    await this.deleting;
    await this.deletePublished();
  }

  private async deletePublished(): Promise<void> {
    if (this.published.length === 0) return;
    const eventIds = this.published.splice(0);
    try {
      await preparedRaw(this.db, `DELETE FROM ${this.options.table} WHERE event_id = ANY(?::text[])`, [eventIds]);
    } catch (error) {
      this.published.unshift(...eventIds);
      throw error;
    } finally {
      // A failed delete is tried again a linger later, not on the next wake-up.
      this.lastDeleteAtMs = Date.now();
    }
  }

  /**
   * A send per topic, made in its records' trace so consumers continue it: with tracing on, a run
   * of consecutive records of one trace (one command's records) is a send. The producer keeps the
   * order of sends, so a partition's records keep theirs.
   */
  private async send(records: readonly OutboxRecord[]): Promise<void> {
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

/**
 * The outbox table's migration, for a service's schema (null: the search path's). No index on the
 * partition: the table holds only what is not published yet, a sweep reads it in id order by the
 * primary key, and an index would cost every write.
 */
export async function createOutboxTable(knex: Knex, schema: string | null): Promise<void> {
  const builder = schema ? knex.schema.withSchema(schema) : knex.schema;
  await builder.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.integer('kafka_partition').nullable().comment('The partition whose owner publishes the row (null: written before the outbox was partitioned, until the service places it by its key at start).');
    t.text('event_id').notNullable().unique().comment('Stable: a record published twice is taken once. A row is deleted once published.');
    t.text('topic').notNullable();
    t.text('record_key').notNullable();
    t.jsonb('payload').notNullable().comment('The Avro record, encoded when published.');
    t.text('trace_parent').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}
