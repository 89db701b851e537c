import { fixedTextWrite, JSON_COLUMN, jsonTexts, type Knex } from '@cm/service-runtime';

/** A column of a written table and the PostgreSQL type its array is sent as. */
type Column = readonly [name: string, type: string];

/** A table a decision inserts into, each column sent as one array and the rows rebuilt by unnest. */
interface ArrayInsert {
  readonly table: string;
  readonly columns: readonly Column[];
  /** What a row whose key is there already does (none: it cannot be there). */
  readonly onConflict?: string;
}

const text = (...names: string[]): Column[] => names.map((n) => [n, 'text'] as const);
const bigint = (...names: string[]): Column[] => names.map((n) => [n, 'bigint'] as const);

const STAYS: ArrayInsert = {
  table: 'stays',
  columns: [
    ...text('property_id', 'stay_key', 'kind', 'source', 'ref', 'status'),
    ['active', 'boolean'],
    ['check_in', 'date'],
    ['check_out', 'date'],
    ...bigint('price_minor'),
    ...text('currency', 'rate_plan'),
    ...bigint('confirmed_at_ms'),
    ...text('block_reason'),
    ['versions', 'jsonb'],
    ...bigint('ledger_version'),
    ['updated_at', 'timestamptz'],
    ['guest_count', 'integer'],
    ['price_versions', 'jsonb'],
  ],
  onConflict: 'ON CONFLICT (property_id, stay_key) DO UPDATE SET',
};

const GUESTS: ArrayInsert = {
  table: 'guests',
  columns: [
    ...text('property_id', 'stay_key'),
    ...['name', 'email', 'phone', 'language'].flatMap((f) => [...text(f), ...bigint(`${f}_updated_at_ms`), ...text(`${f}_source`)]),
    ['address', 'jsonb'],
    ...bigint('address_updated_at_ms'),
    ...text('address_source'),
    ['preferences', 'jsonb'],
  ],
  onConflict: 'ON CONFLICT (property_id, stay_key) DO UPDATE SET',
};

const AUDIT: ArrayInsert = {
  table: 'audit_log',
  columns: [
    ...text('property_id', 'tenant_id', 'entity_type', 'entity_id', 'stay_key', 'source', 'command_id'),
    ...bigint('version'),
    ...text('correlation_id', 'trace_id', 'resolved_by', 'action', 'rule', 'conflict_type', 'resolution'),
    ['before', 'jsonb'],
    ['after', 'jsonb'],
    ['details', 'jsonb'],
  ],
};

const PROCESSED: ArrayInsert = {
  table: 'processed_commands',
  columns: [
    ...text('command_id', 'property_id', 'outcome', 'reason'),
    ...bigint('version'),
    ...text('event_type'),
    ['partition', 'integer'],
    ...bigint('record_offset'),
    ...text('decided_by'),
    ...bigint('fence_generation'),
    ['reply_requested', 'boolean'],
    ['reply', 'jsonb'],
    ...bigint('issued_at_ms'),
  ],
};

/**
 * `INSERT ... SELECT ... FROM unnest(?::type[], ...)`: its text is the same whatever the number of
 * rows; rows go in the arrays' order (ids and audit sequence follow the decisions).
 */
function insertSql({ table, columns, onConflict }: ArrayInsert): string {
  const names = columns.map(([n]) => n);
  const keys = new Set(['property_id', 'stay_key']);
  const conflict = onConflict ? ` ${onConflict} ${names.filter((n) => !keys.has(n)).map((n) => `${n} = excluded.${n}`).join(', ')}` : '';
  return `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM unnest(${columns.map(([, type]) => (type === 'jsonb' ? JSON_COLUMN : `?::${type}[]`)).join(', ')}) WITH ORDINALITY AS rows(${names.join(', ')}, insert_order) ORDER BY insert_order${conflict}`;
}

/**
 * The new versions; its bindings: property ids, versions, the property ids again. The `= ANY`
 * bounds the kept plan's read of properties to their keys: joined on the unnest alone, a plan
 * made while the table was small read every property (ledger-plans.test.ts).
 */
const VERSIONS_SQL = `UPDATE properties p SET version = v.version, updated_at = now()
  FROM unnest(?::text[], ?::bigint[]) AS v(property_id, version)
  WHERE p.property_id = v.property_id AND p.property_id = ANY(?::text[])`;

/** Each column of the rows as one array, in the part's column order (a column a row lacks is null); a jsonb column's JSON texts as JsonTexts. */
function arraysOf(part: ArrayInsert, rows: readonly Record<string, unknown>[]): unknown[][] {
  return part.columns.map(([name, type]) => (type === 'jsonb' ? jsonTexts(rows.map((row) => (row[name] as string | null | undefined) ?? null)) : rows.map((row) => row[name] ?? null)));
}

/** What one transaction's decisions write to the ledger, row by row (outbox records aside). */
export interface DecisionRows {
  readonly stays: readonly Record<string, unknown>[];
  readonly guests: readonly Record<string, unknown>[];
  readonly versions: readonly { property_id: string; version: number }[];
  readonly audit: readonly Record<string, unknown>[];
  readonly processed: readonly Record<string, unknown>[];
}

/**
 * The ledger's writes of a transaction's decisions as statement parts of fixed text, every value
 * in an array binding: prepared once per connection (writeTogether), instead of parsing and
 * planning, in every transaction, a statement of ~21,000 parameters whose text changed with the
 * number of rows (~18 ms of the write's ~70 ms for 250 decisions, auto_explain). Every part is
 * there even when it writes no row, so the combined text does not vary.
 */
export function decisionWrites(tx: Knex | Knex.Transaction, rows: DecisionRows): Knex.Sql[] {
  const part = (sql: string, bindings: unknown[][]): Knex.Sql => fixedTextWrite(tx, sql, bindings);
  return [
    part(insertSql(STAYS), arraysOf(STAYS, rows.stays)),
    part(insertSql(GUESTS), arraysOf(GUESTS, rows.guests)),
    part(VERSIONS_SQL, [rows.versions.map((v) => v.property_id), rows.versions.map((v) => v.version), rows.versions.map((v) => v.property_id)]),
    part(insertSql(AUDIT), arraysOf(AUDIT, rows.audit)),
    part(insertSql(PROCESSED), arraysOf(PROCESSED, rows.processed)),
  ];
}
