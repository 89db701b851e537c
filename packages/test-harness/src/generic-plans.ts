import type { Knex } from '@cm/service-runtime';

/** A read of a table in a plan: how (the node), by which index, on which condition. */
export interface Scan {
  readonly table: string;
  readonly node: string;
  readonly index: string | null;
  readonly condition: string;
}

/**
 * The generic plan PostgreSQL keeps for `sql` (knex's `?` placeholders, or `$n` as a pool's
 * 'query' event gives it) on a connection of `db` (its settings included), as a list of the table
 * reads in it. PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): the statement is prepared and
 * explained with plan_cache_mode=force_generic_plan, whose values do not matter.
 */
export async function genericPlanScans(db: Knex, sql: string): Promise<Scan[]> {
  const native = /\$\d/.test(sql) ? { sql, parameters: Math.max(...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))) } : fromKnexText(db, sql);
  return db.transaction(async (tx) => {
    await tx.raw('SET LOCAL plan_cache_mode = force_generic_plan');
    await tx.raw(`PREPARE generic_plan_probe AS ${native.sql}`);
    try {
      const { rows } = await tx.raw(`EXPLAIN (FORMAT JSON) EXECUTE generic_plan_probe(${Array.from({ length: native.parameters }, () => 'NULL').join(', ')})`);
      return scansOf((rows as { 'QUERY PLAN': { Plan: PlanNode }[] }[])[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      await tx.raw('DEALLOCATE generic_plan_probe');
    }
  });
}

/**
 * The rows `sql` (knex's `?` placeholders, or `$n` as a pool's 'query' event gives it) read from
 * `table` when run with `bindings`, over every scan of it and all their loops, whatever the scan:
 * what a lookup by key keeps to a few and a read of the whole table does not. The values are
 * written into the text: EXPLAIN takes no parameters.
 */
export async function rowsReadFrom(db: Knex, table: string, sql: string, bindings: readonly Knex.RawBinding[]): Promise<number> {
  const literal = (value: Knex.RawBinding) => db.raw('?', [value]).toString();
  const text = /\$\d/.test(sql) ? sql.replace(/\$(\d+)/g, (_, n: string) => literal(bindings[Number(n) - 1]!)) : db.raw(sql, bindings as Knex.RawBinding[]).toString();
  const { rows } = await db.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`);
  return rowsOf(table, (rows as { 'QUERY PLAN': { Plan: PlanNode }[] }[])[0]!['QUERY PLAN'][0]!.Plan);
}

/** One binding per `?` of knex's raw SQL (a `??` or `\?` there would be wrong: the statements have none). */
function fromKnexText(db: Knex, sql: string): { sql: string; parameters: number } {
  const placeholders = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);
  const native = db.raw(sql, placeholders).toSQL().toNative();
  return { sql: native.sql, parameters: native.bindings.length };
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  /** EXPLAIN ANALYZE's. */
  readonly 'Actual Rows'?: number;
  readonly 'Actual Loops'?: number;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Recheck Cond'?: string;
  readonly Plans?: readonly PlanNode[];
}

function scansOf(node: PlanNode): Scan[] {
  const own: Scan[] =
    node['Relation Name'] && node['Node Type'] !== 'ModifyTable'
      ? [{ table: node['Relation Name'], node: node['Node Type'], index: node['Index Name'] ?? bitmapIndexOf(node), condition: node['Index Cond'] ?? node['Recheck Cond'] ?? '' }]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

/** A bitmap heap scan reads the index named by its bitmap index scan child. */
function bitmapIndexOf(node: PlanNode): string | null {
  if (node['Node Type'] !== 'Bitmap Heap Scan') return null;
  return node.Plans?.find((p) => p['Node Type'] === 'Bitmap Index Scan')?.['Index Name'] ?? null;
}

function rowsOf(table: string, node: PlanNode): number {
  const own = node['Relation Name'] === table ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 0) : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsOf(table, child), 0);
}
