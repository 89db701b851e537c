import type { Knex } from '@cm/service-runtime';

/** A statement as knex sent it: its text (with $n placeholders) and its values. */
export interface SentStatement {
  readonly sql: string;
  readonly bindings: readonly Knex.RawBinding[];
}

/** The statements `work` sent through `db`, in order: what a cache saves or a merge of reads takes out. */
export async function statementsOf(db: Knex, work: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  const onQuery = (query: { sql: string; bindings?: readonly Knex.RawBinding[] }) => sent.push({ sql: query.sql, bindings: query.bindings ?? [] });
  db.on('query', onQuery);
  try {
    await work();
  } finally {
    db.off('query', onQuery);
  }
  return sent;
}
