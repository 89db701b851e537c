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
  private readonly watchers: FenceWatcher[] = [];

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
   * Keeps a bump's result and tells the watchers; a failed bump is forgotten (and never an
   * unhandled rejection), so the next record tries again.
   */
  private remember(partition: number, generation: Promise<number>): Promise<number> {
    this.generations.set(partition, generation);
    for (const watcher of this.watchers) watcher.bumped(partition, generation);
    generation.catch(() => {
      if (this.generations.get(partition) === generation) this.generations.delete(partition);
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

  private async bump(partition: number): Promise<number> {
    const result = await this.db.raw(
      `INSERT INTO ${this.table} AS fence (topic, partition, generation, owner) VALUES (?, ?, 1, ?)
       ON CONFLICT (topic, partition) DO UPDATE SET generation = fence.generation + 1, owner = EXCLUDED.owner, updated_at = now()
       RETURNING generation`,
      [this.topic, partition, this.owner],
    );
    return Number(result.rows[0].generation);
  }
}

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
