import { Coalescer, writeTogetherAnsweringEach, type Knex } from '@cm/service-runtime';

/**
 * How the end of one kind of work is written (a push acknowledged, a reservation action
 * finished): a batch's writes and the answer whose rows give each item its result.
 */
export interface Settling<I, O> {
  settle(items: readonly I[]): { readonly writes: readonly Knex.Sql[]; readonly answer: Knex.Sql; results(rows: readonly unknown[]): O[] };
}

/**
 * How long ends gather before they are written together. A booking's pushes to its other
 * channels and its acknowledgement on its own are answered within a few milliseconds of each
 * other, and other bookings' soon after. Nothing measured waits for it (a push's result is on
 * sync.results.v2 before); the work stays leased meanwhile, so a newer change of a listing is
 * pushed this much later.
 */
const SETTLE_LINGER_MS = 20;

interface Pending {
  readonly kind: Settling<unknown, unknown>;
  readonly item: unknown;
}

/**
 * Ends of work of every kind that come within SETTLE_LINGER_MS of each other, written in one
 * statement: a booking's three push acknowledgements and its reservation's finish were two
 * statements, two commits and two sends of their outcomes (issue 22).
 */
export class SettleTogether {
  private readonly batches: Coalescer<Pending, unknown>;

  constructor(private readonly db: Knex) {
    this.batches = new Coalescer((batch) => this.write(batch), { maxBatch: 200, lingerMs: SETTLE_LINGER_MS });
  }

  call<I, O>(kind: Settling<I, O>, item: I): Promise<O> {
    return this.batches.call({ kind: kind as Settling<unknown, unknown>, item }) as Promise<O>;
  }

  private async write(batch: readonly Pending[]): Promise<unknown[]> {
    // Each kind's items in the order they came; the answers in the order the kinds came.
    const byKind = new Map<Settling<unknown, unknown>, number[]>();
    batch.forEach(({ kind }, at) => {
      const of = byKind.get(kind);
      if (of) of.push(at);
      else byKind.set(kind, [at]);
    });
    const settled = [...byKind].map(([kind, at]) => ({ at, ...kind.settle(at.map((i) => batch[i]!.item)) }));
    const answers = await writeTogetherAnsweringEach(this.db, settled.flatMap((s) => s.writes), settled.map((s) => s.answer));
    const results: unknown[] = new Array(batch.length);
    settled.forEach((s, k) => s.results(answers[k]!).forEach((result, i) => (results[s.at[i]!] = result)));
    return results;
  }
}
