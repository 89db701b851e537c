import type { Knex } from 'knex';
import { withArrayLiterals } from '../array-literals';
import { FencedError } from '../errors';
import { preparedRaw } from '../postgres';
import { COMMIT_WITH_STATEMENT } from '../transaction-ends';
import type { Outbox, OutboxRecord } from './outbox';

/**
 * One step of a service that decides from what it consumes, the same for every such service (the
 * arbiter's commands, escalation's conflicts and sync results): in ONE transaction, first the
 * fence and the inbox (`open`: a partition another instance took since throws FencedError; items
 * taken before are duplicates, decided nothing again), then the state the fresh items need is
 * loaded and each decided (`decide`), then every write of the decision goes out together with
 * its outbox records, and the COMMIT with them (one round trip: transaction-ends.ts). Once committed, the records are handed to the outbox to publish. A
 * transaction that fails other than by a fence (its commit may have happened unseen), or that
 * found duplicates (their records may never have been handed over), puts the outbox in doubt.
 */
export interface InboxStep<Item, Opened, Decided, Duplicate = Item> {
  open(tx: Knex.Transaction, items: readonly Item[]): Promise<{ readonly fresh: readonly Item[]; readonly duplicates: readonly Duplicate[]; readonly opened: Opened }>;
  decide(tx: Knex.Transaction, fresh: readonly Item[], opened: Opened): Promise<{ readonly writes: readonly Knex.Sql[]; readonly records: readonly OutboxRecord[]; readonly decided: Decided }>;
}

export interface StepOutcome<Duplicate, Decided> {
  /** The items taken before, as `open` describes them (with the answer they got then, say). */
  readonly duplicates: readonly Duplicate[];
  /** What `decide` returned; null when every item was a duplicate. */
  readonly decided: Decided | null;
  readonly records: readonly OutboxRecord[];
}

export async function runInboxStep<Item, Opened, Decided, Duplicate>(db: Knex, outbox: Pick<Outbox, 'insert' | 'committed' | 'inDoubt'>, step: InboxStep<Item, Opened, Decided, Duplicate>, items: readonly Item[]): Promise<StepOutcome<Duplicate, Decided>> {
  let outcome: StepOutcome<Duplicate, Decided>;
  try {
    outcome = await db.transaction(async (tx) => {
      const { fresh, duplicates, opened } = await step.open(tx, items);
      if (fresh.length === 0) return { duplicates, decided: null, records: [] };
      const { writes, records, decided } = await step.decide(tx, fresh, opened);
      await writeTogether(tx, [...writes, ...outbox.insert(records)], { commit: true });
      return { duplicates, decided, records };
    });
  } catch (error) {
    if (!(error instanceof FencedError)) outbox.inDoubt();
    throw error;
  }
  if (outcome.duplicates.length > 0) outbox.inDoubt();
  if (outcome.records.length > 0) outbox.committed(outcome.records);
  return outcome;
}

/** Bind parameters one combined statement takes at most (PostgreSQL's limit is 65,535). */
const MAX_BINDINGS_PER_STATEMENT = 30_000;

/**
 * Runs data-modifying statements as ONE statement (each a WITH part), in one round trip, or as
 * few as the bind-parameter limit allows. They must not touch the same row twice, and none may
 * need another's effect: PostgreSQL runs the parts of a statement on one snapshot, in no set
 * order. A constraint a part violates fails its statement, and so the transaction.
 */
export async function writeTogether(tx: Knex | Knex.Transaction, writes: readonly Knex.Sql[], options: WriteOptions = {}): Promise<void> {
  await writeInGroups(tx, writes, null, options.commit === true);
}

export interface WriteOptions {
  /**
   * The transaction commits with the last statement, in its round trip (transaction-ends.ts):
   * only as the transaction's last statement, and only in one whose connection is a pool's of
   * createDatabase. Outside a transaction it is ignored.
   */
  readonly commit?: boolean;
}

/**
 * writeTogether, then `answer` (an UPDATE ... RETURNING, say) whose rows are returned: in the same
 * statement as the last writes when the bind parameters allow it, right after them otherwise. The
 * answer must not touch a row the writes touch, nor need their effect (it sees the statement's snapshot).
 */
export async function writeTogetherAnswering<Row>(tx: Knex | Knex.Transaction, writes: readonly Knex.Sql[], answer: Knex.Sql): Promise<Row[]> {
  return writeInGroups<Row>(tx, writes, { parts: [answer], each: false });
}

/**
 * writeTogetherAnswering with several answers in the last statement (two stores' batches, say):
 * one list of rows per answer, in order, each row as to_jsonb makes it (an object of its columns:
 * numbers, text and jsonb come back as they would alone). No answer may touch a row the writes
 * or another answer touch.
 */
export async function writeTogetherAnsweringEach(tx: Knex | Knex.Transaction, writes: readonly Knex.Sql[], answers: readonly Knex.Sql[]): Promise<unknown[][]> {
  if (answers.length === 0) {
    await writeInGroups(tx, writes, null);
    return [];
  }
  const rows = await writeInGroups<AnswerRow>(tx, writes, { parts: answers, each: true });
  return rowsApart(rows, answers.length);
}

/** A row of a statement whose answers are told apart (answersApartSql): its answer's index, its columns as to_jsonb makes them. */
export interface AnswerRow {
  readonly answer: number;
  readonly row: unknown;
}

/**
 * The main part of a statement that returns several answers told apart: each `sources[i]` (a
 * WITH part's name, or a parenthesised SELECT) gives rows `{ answer: i, row: to_jsonb(...) }`.
 */
export function answersApartSql(sources: readonly string[]): string {
  return sources.map((source, i) => `SELECT ${i} AS answer, to_jsonb(t${i}) AS row FROM ${source} t${i}`).join('\nUNION ALL ');
}

/** The rows of answersApartSql's statement, one list per answer, in order. */
export function rowsApart(rows: readonly AnswerRow[], answers: number): unknown[][] {
  const each: unknown[][] = Array.from({ length: answers }, () => []);
  for (const { answer, row } of rows) each[answer]!.push(row);
  return each;
}

/** The answering parts of a statement; `each`: their rows told apart (writeTogetherAnsweringEach), else one answer's rows as they are. */
interface Answers {
  readonly parts: readonly Knex.Sql[];
  readonly each: boolean;
}

/** The writes as few statements as the bind-parameter limit allows, the answers (if any) in the last. */
async function writeInGroups<Row>(tx: Knex | Knex.Transaction, writes: readonly Knex.Sql[], answers: Answers | null, commitLast = false): Promise<Row[]> {
  let group: Knex.Sql[] = [];
  let bindings = 0;
  /** Sends the group so far when a part of `needed` bindings would take it past the limit. */
  const makeRoom = async (needed: number) => {
    if (group.length === 0 || bindings + needed <= MAX_BINDINGS_PER_STATEMENT) return;
    await runAsOne(tx, group, null, false);
    group = [];
    bindings = 0;
  };
  for (const write of joinColumns(writes)) {
    await makeRoom(write.bindings.length);
    group.push(write);
    bindings += write.bindings.length;
  }
  if (answers !== null) {
    await makeRoom(answers.parts.reduce((sum, part) => sum + part.bindings.length, 0));
    return runAsOne<Row>(tx, group, answers, commitLast);
  }
  if (group.length > 0) await runAsOne(tx, group, null, commitLast);
  return [];
}

/** A write whose text never varies (its values all in bindings, lists as one array each). */
interface FixedTextSql extends Knex.Sql {
  readonly fixedText: true;
}

/** A fixed-text write whose every binding is one column of its rows, all of one length: sent as their literals, kept as arrays to join. */
interface ColumnsSql extends FixedTextSql {
  readonly columns: readonly (readonly unknown[])[];
}

/**
 * A statement part of fixed text for writeTogether: a statement made only of such parts is
 * prepared (preparedRaw), so each connection parses it once. Only for text that does not vary
 * with the data (lists as array bindings): each distinct text is kept by every connection.
 */
export function fixedTextWrite(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[]): Knex.Sql {
  return Object.assign(db.raw(sql, withArrayLiterals(bindings) as Knex.RawBinding[]).toSQL(), { fixedText: true as const });
}

/**
 * A fixed-text part whose bindings are the columns of its rows, an array each (an INSERT ... SELECT
 * FROM unnest(...), say). Parts of the same text in one writeTogether are one part of their
 * columns joined, in the order given: a batch of N acknowledgements writes its outbox rows and
 * its call log with one insert each, not N, and the statement's text does not grow with N.
 */
export function columnsWrite(db: Knex | Knex.Transaction, sql: string, columns: readonly (readonly unknown[])[]): Knex.Sql {
  const rows = columns[0]?.length ?? 0;
  if (columns.some((column) => column.length !== rows)) throw new RangeError('columnsWrite: every column needs one value per row');
  return Object.assign(fixedTextWrite(db, sql, columns), { columns });
}

function isFixedText(write: Knex.Sql): write is FixedTextSql {
  return (write as Partial<FixedTextSql>).fixedText === true;
}

function isColumns(write: Knex.Sql): write is ColumnsSql {
  return (write as Partial<ColumnsSql>).columns !== undefined;
}

/** Column parts of the same text become one, where the first of them was; the other parts stay as they are. */
function joinColumns(writes: readonly Knex.Sql[]): Knex.Sql[] {
  const joined: Knex.Sql[] = [];
  const byText = new Map<string, { at: number; parts: number; columns: unknown[][] }>();
  for (const write of writes) {
    if (!isColumns(write)) {
      joined.push(write);
      continue;
    }
    const same = byText.get(write.sql);
    if (!same) {
      // slice keeps a column's kind (a JsonTexts stays one).
      byText.set(write.sql, { at: joined.length, parts: 1, columns: write.columns.map((column) => column.slice()) });
      joined.push(write);
    } else {
      same.parts++;
      write.columns.forEach((column, i) => same.columns[i]!.push(...column));
    }
  }
  // A part that stayed alone is sent as its literals already are.
  for (const { at, parts, columns } of byText.values()) if (parts > 1) joined[at] = { ...joined[at]!, bindings: withArrayLiterals(columns) } as Knex.Sql;
  return joined;
}

/** The writes as WITH parts of one statement whose main part is the answers, or SELECT 1; its rows. */
async function runAsOne<Row>(tx: Knex | Knex.Transaction, writes: readonly Knex.Sql[], answers: Answers | null, commit: boolean): Promise<Row[]> {
  const all = answers === null ? writes : [...writes, ...answers.parts];
  const bindings = all.flatMap((w) => w.bindings) as Knex.RawBinding[];
  const sql = statementOf(writes, answers);
  const statement = all.every(isFixedText) ? preparedRaw(tx, sql, bindings) : tx.raw(sql, bindings);
  const result = await (commit ? statement.options({ [COMMIT_WITH_STATEMENT]: true }) : statement);
  return (result as { rows: Row[] }).rows;
}

function statementOf(writes: readonly Knex.Sql[], answers: Answers | null): string {
  const parts = writes.map((w, i) => `w${i} AS (${w.sql})`);
  let main: string;
  if (answers === null) {
    if (writes.length === 1) return writes[0]!.sql;
    main = 'SELECT 1';
  } else if (!answers.each) {
    const [answer] = answers.parts;
    if (writes.length === 0) return answer!.sql;
    main = answer!.sql;
  } else {
    // Each answer a part of its own; the main part tells their rows apart.
    parts.push(...answers.parts.map((a, i) => `a${i} AS (${a.sql})`));
    main = answersApartSql(answers.parts.map((_, i) => `a${i}`));
  }
  return `WITH ${parts.join(',\n')}\n${main}`;
}
