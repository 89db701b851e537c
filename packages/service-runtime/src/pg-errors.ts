/**
 * What a failed PostgreSQL statement means for its caller, decided in one table by SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html) instead of at call sites:
 * - `retriable`: trying again can succeed. `conflict`: another transaction won a race, so the
 *   work can be taken again at once on fresh state; `unavailable`: the server or the connection
 *   failed, so a retry waits.
 * - `refuses_data`: the statement's values are refused for good (a data exception, an integrity
 *   rule, a limit); trying again cannot help, so a consumer dead-letters and an API answers 4xx.
 * - `fatal`: our SQL, our schema or our setup is wrong; nothing the caller holds can fix it.
 */
export type PgErrorClass = 'retriable' | 'refuses_data' | 'fatal';

export type PgErrorKind =
  | 'conflict'
  | 'unavailable'
  | 'data_exception'
  | 'integrity'
  | 'program_limit'
  | 'program_error'
  | 'setup';

export interface PgFailure {
  /** The SQLSTATE, or the socket error code (ECONNRESET...) when the connection failed below SQL. */
  readonly code: string;
  readonly class: PgErrorClass;
  readonly kind: PgErrorKind;
}

const CLASS_OF_KIND: Readonly<Record<PgErrorKind, PgErrorClass>> = {
  conflict: 'retriable',
  unavailable: 'retriable',
  data_exception: 'refuses_data',
  integrity: 'refuses_data',
  program_limit: 'refuses_data',
  program_error: 'fatal',
  setup: 'fatal',
};

/** Single SQLSTATEs that differ from their class; looked up first. */
const BY_SQLSTATE: Readonly<Record<string, PgErrorKind>> = {
  // Exclusion constraint: a concurrent writer took the range the loaded state saw free; decided
  // again on fresh state the command sees that stay (the arbiter's double-booking decision).
  '23P01': 'conflict',
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
  '55P03': 'unavailable', // lock_not_available (lock_timeout)
  '57014': 'unavailable', // query_canceled (statement_timeout)
  '57P01': 'unavailable', // admin_shutdown
  '57P02': 'unavailable', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now (starting up, recovery)
  '57P04': 'setup', // database_dropped
  '57P05': 'unavailable', // idle_session_timeout
};

/** SQLSTATE classes (the first two characters). */
const BY_CLASS: Readonly<Record<string, PgErrorKind>> = {
  '08': 'unavailable', // connection exception
  '40': 'unavailable', // transaction rollback other than the two conflicts above
  '53': 'unavailable', // insufficient resources (disk full, out of memory, too many connections)
  '57': 'unavailable', // operator intervention
  '58': 'unavailable', // system error (I/O) outside PostgreSQL
  '22': 'data_exception',
  '23': 'integrity',
  '54': 'program_limit', // a value or statement too large or complex
  '0A': 'program_error', // feature not supported
  '21': 'program_error', // cardinality violation
  '25': 'program_error', // invalid transaction state
  '42': 'program_error', // syntax error or access rule violation (undefined table, column...)
  '44': 'program_error', // with check option violation
  '55': 'program_error', // object not in prerequisite state
  P0: 'program_error', // PL/pgSQL raise
  XX: 'program_error', // internal error
  '28': 'setup', // invalid authorization specification
  '3D': 'setup', // invalid catalog name (no such database)
  '3F': 'setup', // invalid schema name
};

/** A connection (to PostgreSQL, or to another dependency over the same sockets) that broke below SQL. */
const SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What a PostgreSQL error means; `null` when `error` is not one (no SQLSTATE, no socket code).
 * A SQLSTATE in no row of the table is `fatal`: not knowing an error is no reason to retry it.
 */
export function pgFailureOf(error: unknown): PgFailure | null {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return null;
  if (SOCKET_CODES.has(code)) return { code, class: 'retriable', kind: 'unavailable' };
  if (!SQLSTATE.test(code)) return null;
  const kind = BY_SQLSTATE[code] ?? BY_CLASS[code.slice(0, 2)] ?? 'program_error';
  return { code, class: CLASS_OF_KIND[kind], kind };
}

/** The class of a PostgreSQL error; `null` when `error` is not one. */
export function pgErrorClass(error: unknown): PgErrorClass | null {
  return pgFailureOf(error)?.class ?? null;
}
