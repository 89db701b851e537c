import { answersApartSql, preparedRaw, rowsApart, type AnswerRow, type Knex, type Planning } from '@cm/service-runtime';

/**
 * How the pool that records a booking's changes and actions and settles its pushes and actions
 * plans: once per statement and connection, without the values. Planned on every execution, those
 * statements took PostgreSQL 0.7-1.1 ms each to plan, 1.9 ms a booking at 25/s, more than running
 * them (its log, issue 22). dispatcher-plans.test.ts proves that each of their plans, made on an
 * empty sync schema or a large one, reaches its rows by their keys.
 */
export const RECORDING_PLANNING: Planning = 'generic, by index';

/**
 * A recording of consumed records as pieces of one statement: its WITH parts (each `name AS
 * (...)`, names unique across the recordings that may go together), the bindings of those parts
 * in order, an answer that reads them (a SELECT with no bindings of its own), and how the
 * answer's rows read. Alone it is one prepared statement; with another, one statement for both.
 */
export interface Recording<T> {
  readonly parts: string;
  readonly bindings: readonly unknown[];
  readonly answer: string;
  read(rows: readonly unknown[]): T;
}

export async function runRecording<T>(db: Knex, recording: Recording<T>): Promise<T> {
  const result = await preparedRaw(db, `WITH ${recording.parts}\n${recording.answer}`, recording.bindings as Knex.RawBinding[]);
  return recording.read(result.rows as unknown[]);
}

/**
 * Two recordings in one statement, one commit: each answer's rows as to_jsonb makes them (an
 * object of its columns), told apart. Their parts must touch different rows; each sees the table
 * as it was before the statement.
 */
export async function runRecordingsTogether<A, B>(db: Knex, a: Recording<A>, b: Recording<B>): Promise<[A, B]> {
  const sql = `WITH ${a.parts},\n${b.parts}\n${answersApartSql([`(${a.answer})`, `(${b.answer})`])}`;
  const result = await preparedRaw(db, sql, [...a.bindings, ...b.bindings] as Knex.RawBinding[]);
  const [ofA, ofB] = rowsApart(result.rows as AnswerRow[], 2);
  return [a.read(ofA!), b.read(ofB!)];
}
