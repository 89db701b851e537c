import { pgErrorClass, pgFailureOf, type PgErrorClass, type PgErrorKind } from '../src/pg-errors';

const pgError = (code: string): Error => Object.assign(new Error(`PostgreSQL ${code}`), { code });

describe('pgFailureOf: one table from SQLSTATE to retriable / refuses the data / fatal', () => {
  const rows: readonly (readonly [code: string, condition: string, klass: PgErrorClass, kind: PgErrorKind])[] = [
    ['23P01', 'exclusion_violation: a concurrent writer took the range', 'retriable', 'conflict'],
    ['40001', 'serialization_failure', 'retriable', 'conflict'],
    ['40P01', 'deadlock_detected', 'retriable', 'conflict'],
    ['40000', 'transaction_rollback', 'retriable', 'unavailable'],
    ['40003', 'statement_completion_unknown', 'retriable', 'unavailable'],
    ['08000', 'connection_exception', 'retriable', 'unavailable'],
    ['08006', 'connection_failure', 'retriable', 'unavailable'],
    ['08P01', 'protocol_violation', 'retriable', 'unavailable'],
    ['53100', 'disk_full', 'retriable', 'unavailable'],
    ['53200', 'out_of_memory', 'retriable', 'unavailable'],
    ['53300', 'too_many_connections', 'retriable', 'unavailable'],
    ['55P03', 'lock_not_available', 'retriable', 'unavailable'],
    ['57014', 'query_canceled', 'retriable', 'unavailable'],
    ['57P01', 'admin_shutdown', 'retriable', 'unavailable'],
    ['57P02', 'crash_shutdown', 'retriable', 'unavailable'],
    ['57P03', 'cannot_connect_now', 'retriable', 'unavailable'],
    ['57P05', 'idle_session_timeout', 'retriable', 'unavailable'],
    ['58030', 'io_error', 'retriable', 'unavailable'],
    ['22001', 'string_data_right_truncation', 'refuses_data', 'data_exception'],
    ['22003', 'numeric_value_out_of_range', 'refuses_data', 'data_exception'],
    ['22008', 'datetime_field_overflow', 'refuses_data', 'data_exception'],
    ['22P02', 'invalid_text_representation', 'refuses_data', 'data_exception'],
    ['22021', 'character_not_in_repertoire', 'refuses_data', 'data_exception'],
    ['23502', 'not_null_violation', 'refuses_data', 'integrity'],
    ['23503', 'foreign_key_violation', 'refuses_data', 'integrity'],
    ['23505', 'unique_violation', 'refuses_data', 'integrity'],
    ['23514', 'check_violation', 'refuses_data', 'integrity'],
    ['54000', 'program_limit_exceeded', 'refuses_data', 'program_limit'],
    ['54001', 'statement_too_complex', 'refuses_data', 'program_limit'],
    ['42601', 'syntax_error', 'fatal', 'program_error'],
    ['42P01', 'undefined_table', 'fatal', 'program_error'],
    ['42703', 'undefined_column', 'fatal', 'program_error'],
    ['42501', 'insufficient_privilege', 'fatal', 'program_error'],
    ['0A000', 'feature_not_supported', 'fatal', 'program_error'],
    ['21000', 'cardinality_violation', 'fatal', 'program_error'],
    ['25P02', 'in_failed_sql_transaction', 'fatal', 'program_error'],
    ['55000', 'object_not_in_prerequisite_state', 'fatal', 'program_error'],
    ['P0001', 'raise_exception', 'fatal', 'program_error'],
    ['XX000', 'internal_error', 'fatal', 'program_error'],
    ['28P01', 'invalid_password', 'fatal', 'setup'],
    ['3D000', 'invalid_catalog_name', 'fatal', 'setup'],
    ['3F000', 'invalid_schema_name', 'fatal', 'setup'],
    ['57P04', 'database_dropped', 'fatal', 'setup'],
    ['HV000', 'a class the table does not name (foreign data wrapper)', 'fatal', 'program_error'],
    ['ECONNRESET', 'the connection broke below SQL', 'retriable', 'unavailable'],
    ['ECONNREFUSED', 'nothing listens', 'retriable', 'unavailable'],
    ['ETIMEDOUT', 'no answer', 'retriable', 'unavailable'],
    ['EPIPE', 'written to a closed socket', 'retriable', 'unavailable'],
  ];

  it.each(rows)('%s (%s) is %s, %s', (code, _condition, klass, kind) => {
    expect(pgFailureOf(pgError(code))).toEqual({ code, class: klass, kind });
    expect(pgErrorClass(pgError(code))).toBe(klass);
  });

  it.each([
    ['an Error without a code', new Error('boom')],
    ['a fastify error code', Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' })],
    ['a lower-case code', Object.assign(new Error('x'), { code: '23p01' })],
    ['a numeric code', Object.assign(new Error('x'), { code: 23505 })],
    ['undefined', undefined],
    ['null', null],
    ['a string', '40001'],
  ])('%s is not a PostgreSQL error: null', (_what, error) => {
    expect(pgFailureOf(error)).toBeNull();
    expect(pgErrorClass(error)).toBeNull();
  });
});
