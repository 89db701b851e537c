import { preparedRaw, type Knex } from '@cm/service-runtime';

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
  const sql = `WITH ${a.parts},\n${b.parts}\nSELECT 0 AS answer, to_jsonb(x) AS row FROM (${a.answer}) x\nUNION ALL SELECT 1, to_jsonb(y) FROM (${b.answer}) y`;
  const result = await preparedRaw(db, sql, [...a.bindings, ...b.bindings] as Knex.RawBinding[]);
  const rows: [unknown[], unknown[]] = [[], []];
  for (const { answer, row } of result.rows as { answer: 0 | 1; row: unknown }[]) rows[answer].push(row);
  return [a.read(rows[0]), b.read(rows[1])];
}
