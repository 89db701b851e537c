import type { Knex } from 'knex';
import { FencedError } from '../errors';
import { preparedRaw } from '../postgres';

/**
 * Partition fences. Every assignment bumps the partition's generation in PostgreSQL; every
 * write made for a partition (a decision, an outbox sweep) checks, in its own transaction, that
 * the generation is still the one this instance took. The check takes a share lock on the fence
 * row, so a new owner's bump waits for a write in flight and every write after the bump sees it.
 *
 * The table (`fenceTableMigration`) lives in the schema of the service that writes.
 */
export class PartitionFences {
  private readonly generations = new Map<number, Promise<number>>();
  /** Each partition's latest bump, settled or not: the next one starts after it, so generations are taken in order. */
  private readonly lastBumps = new Map<number, Promise<unknown>>();
  private readonly watchers: FenceWatcher[] = [];
  /** The partitions of the latest assignment: a failed bump of one of them is tried again until it holds. */
  private held = new Set<number>();

  constructor(
    private readonly db: Knex,
    /** The fence table, schema-qualified when not in the search path. */
    readonly table: string,
    readonly topic: string,
    private readonly owner: string,
  ) {}

  /** Tells `watcher` of every assignment and every bump from now on. */
  watch(watcher: FenceWatcher): void {
    this.watchers.push(watcher);
  }

  /** On a new assignment: take a new generation of each partition now held. */
  assigned(partitions: readonly number[]): void {
    this.generations.clear();
    this.held = new Set(partitions);
    for (const watcher of this.watchers) watcher.assigned(partitions);
    for (const partition of partitions) this.remember(partition, this.bump(partition));
  }

  /** The generation this instance holds for a partition (taken now if the assignment was missed). */
  generationFor(partition: number): Promise<number> {
    const held = this.generations.get(partition);
    if (held) return held;
    return this.remember(partition, this.bump(partition));
  }

  /**
   * Keeps a bump's result and tells the watchers. A failed bump is forgotten (and never an
   * unhandled rejection); one of a partition still assigned is tried again a second later, so
   * its owner does not wait for its next record (or the next rebalance) to hold it.
   */
  private remember(partition: number, generation: Promise<number>): Promise<number> {
    this.generations.set(partition, generation);
    for (const watcher of this.watchers) watcher.bumped(partition, generation);
    generation.catch(() => {
      if (this.generations.get(partition) !== generation) return;
      this.generations.delete(partition);
      const assignment = this.held;
      setTimeout(() => {
        if (this.held === assignment && assignment.has(partition) && !this.generations.has(partition)) this.remember(partition, this.bump(partition));
      }, BUMP_RETRY_MS).unref();
    });
    return generation;
  }

  async check(tx: Knex.Transaction, partition: number, mine: number): Promise<void> {
    const { sql, bindings } = this.generationsQuery([partition]);
    const row = await preparedRaw(tx, sql, bindings);
    this.verify(partition, mine, (row.rows as { generation: number }[])[0]?.generation ?? null);
  }

  /** The statement (fixed text) that reads partitions' generations (`partition`, `generation`) under a share lock, for `verify`, or for a larger statement to include. */
  generationsQuery(partitions: readonly number[]): { sql: string; bindings: Knex.RawBinding[] } {
    return { sql: `SELECT partition, generation FROM ${this.table} WHERE topic = ? AND partition = ANY(?::int[]) FOR SHARE`, bindings: [this.topic, [...partitions]] };
  }

  /** Throws unless `current`, read by `generationsQuery` in the deciding transaction, is the generation this instance holds. */
  verify(partition: number, mine: number, current: number | null): void {
    const generation = Number(current ?? -1);
    if (generation !== mine) throw new FencedError(this.topic, partition, mine, generation);
  }

  private bump(partition: number): Promise<number> {
    // Two joins close together bump twice: the second waits for the first, or the first could
    // commit last and leave this instance holding a generation that is no longer the newest.
    const previous = this.lastBumps.get(partition) ?? Promise.resolve();
    const bump = previous.catch(() => undefined).then(() => this.bumpNow(partition));
    this.lastBumps.set(partition, bump);
    void bump.catch(() => undefined).finally(() => {
      if (this.lastBumps.get(partition) === bump) this.lastBumps.delete(partition);
    });
    return bump;
  }

  private async bumpNow(partition: number): Promise<number> {
    const result = await this.db.raw(
      `INSERT INTO ${this.table} AS fence (topic, partition, generation, owner) VALUES (?, ?, 1, ?)
       ON CONFLICT (topic, partition) DO UPDATE SET generation = fence.generation + 1, owner = EXCLUDED.owner, updated_at = now()
       RETURNING generation`,
      [this.topic, partition, this.owner],
    );
    return Number(result.rows[0].generation);
  }
}

const BUMP_RETRY_MS = 1_000;

/**
 * What follows a partition's ownership (an outbox relay): told of each assignment, and of each
 * bump with its generation, settled once done (until then a previous owner's write in flight may
 * still commit).
 */
export interface FenceWatcher {
  assigned(partitions: readonly number[]): void;
  bumped(partition: number, generation: Promise<number>): void;
}

/** The fence table's migration, for a service's schema (null: the search path's). */
export async function createFenceTable(knex: Knex, schema: string | null): Promise<void> {
  const builder = schema ? knex.schema.withSchema(schema) : knex.schema;
  await builder.createTable('partition_fences', (t) => {
    t.text('topic').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('generation').notNullable().comment('Bumped by every instance that is assigned the partition.');
    t.text('owner').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['topic', 'partition']);
  });
}
