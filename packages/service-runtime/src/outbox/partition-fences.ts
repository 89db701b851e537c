import { preparedRaw, type Knex } from '@cm/service-runtime';
import { FencedError } from '../errors';

export { FencedError };

/**
 * Partition fences. Every assignment bumps the partition's generation in PostgreSQL; every
 * decision checks, in its own transaction, that the generation is still the one this instance
 * took. The check takes a share lock on the fence row, so a new owner's bump waits for a decision
 * in flight and every decision after the bump sees it.
 */
export class PartitionFences {
  private readonly generations = new Map<number, Promise<number>>();

  constructor(
    private readonly db: Knex,
    private readonly topic: string,
    private readonly owner: string,
    /**
     * Told of every set of bumps (an assignment's, or one made later because that one failed or
     * was missed), settled once they are done: until then, a previous owner's decision in flight
     * may still commit.
     */
    private readonly onBumps: (done: Promise<void>) => void = () => undefined,
  ) {}

  /** On a new assignment: take a new generation of each partition now held. */
  assigned(partitions: readonly number[]): void {
    this.generations.clear();
    this.onBumps(Promise.allSettled(partitions.map((partition) => this.remember(partition, this.bump(partition)))).then(() => undefined));
  }

  /** The generation this instance holds for a partition (taken now if the assignment was missed). */
  generationFor(partition: number): Promise<number> {
    const held = this.generations.get(partition);
    if (held) return held;
    const bump = this.remember(partition, this.bump(partition));
    this.onBumps(bump.then(() => undefined, () => undefined));
    return bump;
  }

  /** Keeps a bump's result; a failed bump is forgotten (and never an unhandled rejection), so the next record tries again. */
  private remember(partition: number, generation: Promise<number>): Promise<number> {
    this.generations.set(partition, generation);
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
    return { sql: 'SELECT partition, generation FROM partition_fences WHERE topic = ? AND partition = ANY(?::int[]) FOR SHARE', bindings: [this.topic, [...partitions]] };
  }

  /** Throws unless `current`, read by `generationsQuery` in the deciding transaction, is the generation this instance holds. */
  verify(partition: number, mine: number, current: number | null): void {
    const generation = Number(current ?? -1);
    if (generation !== mine) throw new FencedError(this.topic, partition, mine, generation);
  }

  private async bump(partition: number): Promise<number> {
    const result = await this.db.raw(
      `INSERT INTO partition_fences (topic, partition, generation, owner) VALUES (?, ?, 1, ?)
       ON CONFLICT (topic, partition) DO UPDATE SET generation = partition_fences.generation + 1, owner = EXCLUDED.owner, updated_at = now()
       RETURNING generation`,
      [this.topic, partition, this.owner],
    );
    return Number(result.rows[0].generation);
  }
}
