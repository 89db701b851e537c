import type { Knex } from 'knex';
import type { Client, QueryResult } from 'pg';
import Result from 'pg/lib/result';
import { prepareValue } from 'pg/lib/utils';

/**
 * A transaction's statements in as few round trips as their order allows (issue 22: the arbiter's
 * decision was five round trips, and each is a wake-up of the client and of PostgreSQL):
 * - knex's BEGIN is answered at once and held; it goes with the transaction's first statement;
 * - statements of a transaction sent in the same turn of the event loop (Promise.all,
 *   rawTogether) go together, in the order they were sent;
 * - a statement that asks for it (`COMMIT_WITH_STATEMENT`, writeTogether's `commit`) takes the
 *   COMMIT with it, and knex's own COMMIT after it is answered here.
 *
 * Each such group goes as one group of the extended protocol closed by one Sync: PostgreSQL runs
 * its statements one after another and, after one fails, skips the rest up to the Sync. So a
 * statement never runs unless BEGIN did, and COMMIT never runs unless its statement did; a failed
 * group leaves the transaction aborted, and knex's ROLLBACK goes out as it always does. Each
 * statement takes its snapshot when it starts, after the one before it finished (READ COMMITTED;
 * a transaction's first snapshot is taken at its first statement, not at BEGIN), so a group sees
 * what the same statements sent one at a time would.
 *
 * Installed on each connection of a pool (createDatabase); it acts only on what knex sends. A
 * statement without values goes by the simple protocol (its text may hold several statements):
 * a held BEGIN goes at the head of its text. Named statements the connection has not parsed are
 * parsed at the head of their group, and pg's record of parsed statements kept as pg keeps it.
 */
export const COMMIT_WITH_STATEMENT = 'cmCommitWithStatement';

/** What knex hands a connection: a statement, its values, and query options such as `name`. */
interface KnexQueryConfig {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly name?: string;
  readonly [COMMIT_WITH_STATEMENT]?: boolean;
}

type Callback = (error: Error | null, result?: QueryResult) => void;

/** Where a connection's transaction stands, as far as the statements knex sent tell. */
interface Ends {
  /** knex's BEGIN was answered and not yet sent. */
  beginHeld: boolean;
  /** A BEGIN went out (or is held) and no COMMIT or ROLLBACK since. */
  inTransaction: boolean;
  /** COMMIT went out with the last statement; knex's own COMMIT is answered here. */
  committed: boolean;
}

export function joinTransactionEnds(client: Client): void {
  const ends: Ends = { beginHeld: false, inTransaction: false, committed: false };
  const send = client.query.bind(client) as (config: unknown, callback?: unknown) => unknown;
  /** Statements of the transaction sent in this turn of the event loop, in order: they go as one group at its end. */
  let held: GroupEntry[] = [];
  let flushQueued = false;

  /** The held BEGIN (if any) and the held statements, as one group; a statement alone goes as pg sends it. */
  const flush = () => {
    flushQueued = false;
    if (held.length === 0) return;
    const group = [...(ends.beginHeld ? [BEGIN] : []), ...held];
    ends.beginHeld = false;
    held = [];
    const only = group[0]!;
    if (group.length === 1 && only.kind === 'statement') return void send(only.config, only.callback);
    send(new StatementGroup(group));
  };

  /** The held BEGIN alone, before something not knex's (a stream, say), queued right behind it. */
  const sendBegin = () => {
    ends.beginHeld = false;
    send('BEGIN', () => undefined);
  };

  (client as { query: unknown }).query = function query(config: unknown, values?: unknown, callback?: unknown): unknown {
    if (!isKnexQuery(config, values, callback)) {
      // Not knex's (a stream, say): what is held goes first, then the held BEGIN alone.
      flush();
      if (ends.beginHeld) sendBegin();
      return send(config, values ?? callback);
    }
    const done = values as Callback;
    const text = config.text;
    if (text === 'BEGIN;' && !ends.inTransaction) {
      ends.beginHeld = true;
      ends.inTransaction = true;
      ends.committed = false;
      return answer(done, 'BEGIN');
    }
    if (text === 'COMMIT;' || /^ROLLBACK;?$/.test(text)) {
      flush();
      const command = text.startsWith('COMMIT') ? 'COMMIT' : 'ROLLBACK';
      const { beginHeld, committed } = ends;
      ends.beginHeld = false;
      ends.inTransaction = false;
      ends.committed = false;
      // Nothing ran since BEGIN: there is nothing to end.
      if (beginHeld) return answer(done, command);
      if (committed) {
        if (command === 'COMMIT') return answer(done, 'COMMIT');
        return process.nextTick(done, new Error('the transaction committed with its last statement; it cannot be rolled back'));
      }
      return send(config, done);
    }
    if (ends.committed) return process.nextTick(done, new Error(`a statement after its transaction committed: ${text.slice(0, 80)}`));
    if (!ends.inTransaction) return send(config, done);
    if (config.values.length === 0) {
      // The simple protocol (it may hold several statements): a held BEGIN goes at the head of its text.
      flush();
      if (!ends.beginHeld) return send(config, done);
      ends.beginHeld = false;
      return send({ ...config, text: `BEGIN; ${text}` }, (error: Error | null, results?: QueryResult | QueryResult[]) => done(error, afterBegin(results)));
    }
    const commit = config[COMMIT_WITH_STATEMENT] === true;
    held.push({ kind: 'statement', config, callback: commit ? committedThen(ends, done) : done });
    if (commit) {
      held.push(COMMIT);
      return flush();
    }
    if (!flushQueued) {
      flushQueued = true;
      // After the promise callbacks of this turn: statements sent together (Promise.all) are all held by then.
      process.nextTick(flush);
    }
    return undefined;
  };
}

/** knex's client of a transaction: its one connection, and the query it runs on it at once. */
interface TransactionClient {
  acquireConnection(): Promise<unknown>;
  query(connection: unknown, statement: Knex.Sql): Promise<{ response: unknown }>;
}

/**
 * Statements of a transaction sent in the order given, in one round trip (with the transaction's
 * BEGIN, if it is held), each answered as `tx.raw` answers: for a statement that must run after
 * another, such as a read whose snapshot must come after the locks the one before took.
 * PostgreSQL runs them one after another; once one fails, the rest do not run and the
 * transaction is aborted. The order is the order of the calls: knex's transaction client hands
 * each statement to its connection synchronously, and the connection sends them as they came.
 */
export async function rawTogether(tx: Knex.Transaction, statements: readonly Knex.Raw[]): Promise<unknown[]> {
  const client = tx.client as unknown as TransactionClient;
  const connection = await client.acquireConnection();
  const answers = statements.map((statement) => client.query(connection, statement.toSQL()));
  return (await Promise.all(answers)).map((answered) => answered.response);
}

/** The answer of `BEGIN; <statements>` without BEGIN's: one statement's result, or several. */
function afterBegin(results: QueryResult | QueryResult[] | undefined): QueryResult | undefined {
  if (!Array.isArray(results)) return results;
  const rest = results.slice(1);
  return (rest.length === 1 ? rest[0] : rest) as QueryResult;
}

/** The callback of a statement that carried COMMIT: once both ran, the transaction is over. */
function committedThen(ends: Ends, done: Callback): Callback {
  return (error, result) => {
    if (!error) {
      ends.committed = true;
      ends.inTransaction = false;
    }
    done(error, result);
  };
}

function isKnexQuery(config: unknown, values: unknown, callback: unknown): config is KnexQueryConfig {
  if (typeof config !== 'object' || config === null || typeof values !== 'function' || callback !== undefined) return false;
  const c = config as Partial<KnexQueryConfig> & { submit?: unknown; rows?: unknown; queryMode?: unknown };
  return typeof c.text === 'string' && Array.isArray(c.values) && c.submit === undefined && c.rows === undefined && c.queryMode === undefined;
}

/** A statement knex sent that this connection answers itself (a held BEGIN, a COMMIT already sent). */
function answer(done: Callback, command: string): void {
  const result = new Result(undefined, undefined) as unknown as QueryResult;
  result.command = command;
  process.nextTick(done, null, result);
}

type GroupEntry = { readonly kind: 'begin' | 'commit' } | { readonly kind: 'statement'; readonly config: KnexQueryConfig; readonly callback: Callback };

const BEGIN: GroupEntry = { kind: 'begin' };
const COMMIT: GroupEntry = { kind: 'commit' };

/** pg's connection, as a group writes to it. */
interface Connection {
  readonly stream: { cork?(): void; uncork?(): void };
  /** pg's bookkeeping of the named statements this connection has parsed: a Query parses one only if it is not here. */
  readonly parsedStatements: Record<string, string>;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
  parse(message: { text: string; name?: string; types?: unknown[] }): void;
  bind(message: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal?: string; rows?: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

interface BackendMessage {
  readonly fields: never;
  readonly text: string;
}

/**
 * Statements sent as one group closed by one Sync, each answered to its own callback: the client
 * hands every message of the group's reply to this object (pg's Submittable), in order. Each
 * statement's reply ends with its CommandComplete; an error ends the group.
 */
class StatementGroup {
  /** The client keeps no bookkeeping of a named statement for a group (it has no name): the group keeps it. */
  readonly name = undefined;
  readonly text: string;
  private readonly results: (InstanceType<typeof Result> | null)[];
  private current = 0;
  /** A row pg could not turn into values (a bigint past a safe integer, say): that statement's error. */
  private rowError: { error: Error; at: number } | null = null;
  /** Named statements this connection had not parsed, parsed at the head of the group, in order. */
  private parsing: { readonly name: string; readonly text: string }[] = [];
  private parsed = 0;
  private connection: Connection | null = null;

  constructor(private readonly entries: readonly GroupEntry[]) {
    this.results = entries.map((e) => (e.kind === 'statement' ? new Result(undefined, undefined) : null));
    this.text = entries.map((e) => (e.kind === 'statement' ? e.config.text : e.kind.toUpperCase())).join('; ');
  }

  /** The group's first ParseCompletes are those of its named statements: each is then known to this connection. */
  private readonly onParseComplete = () => {
    const statement = this.parsing[this.parsed++];
    if (statement) this.connection!.parsedStatements[statement.name] = statement.text;
  };

  submit(connection: Connection): Error | null {
    let values: unknown[][];
    try {
      // Converted before anything is written: a value that cannot be sent fails the group whole.
      values = this.entries.map((e) => (e.kind === 'statement' ? e.config.values.map((v) => prepareValue(v)) : []));
    } catch (error) {
      return error as Error;
    }
    this.connection = connection;
    for (const entry of this.entries) {
      if (entry.kind !== 'statement' || entry.config.name === undefined) continue;
      const { name, text } = entry.config;
      if (connection.parsedStatements[name] !== text && !this.parsing.some((p) => p.name === name)) this.parsing.push({ name, text });
    }
    if (this.parsing.length > 0) connection.on('parseComplete', this.onParseComplete);
    connection.stream.cork?.();
    try {
      // Before BEGIN: a statement that does not parse fails the group before anything ran.
      for (const { name, text } of this.parsing) connection.parse({ text, name });
      this.entries.forEach((entry, i) => {
        if (entry.kind !== 'statement') {
          connection.parse({ text: entry.kind.toUpperCase() });
          connection.bind({});
          connection.execute({});
          return;
        }
        const { text, name } = entry.config;
        if (name === undefined) connection.parse({ text });
        connection.bind({ statement: name, values: values[i] });
        connection.describe({ type: 'P', name: '' });
        connection.execute({});
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  private finish(): void {
    if (this.parsing.length > 0) this.connection?.off('parseComplete', this.onParseComplete);
  }

  handleRowDescription(message: BackendMessage): void {
    this.results[this.current]?.addFields(message.fields);
  }

  handleDataRow(message: BackendMessage): void {
    const result = this.results[this.current];
    if (!result || this.rowError) return;
    try {
      result.addRow(result.parseRow(message.fields));
    } catch (error) {
      this.rowError = { error: error as Error, at: this.current };
    }
  }

  handleCommandComplete(message: BackendMessage): void {
    this.results[this.current]?.addCommandComplete(message);
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  /**
   * The group ended with an error at entry `current`: the statements before it ran, the first
   * statement from there on is told the error, the rest did not run. An error of the COMMIT a
   * statement carried is that statement's: its transaction did not commit.
   */
  handleError(error: Error): void {
    this.finish();
    const statements = this.entries.flatMap((entry, i) => (entry.kind === 'statement' ? [{ entry, i }] : []));
    const unparsed = this.parsing[this.parsed];
    // A named statement that did not parse failed the group before anything ran.
    const failed = unparsed
      ? statements.find(({ entry }) => entry.config.name === unparsed.name)!
      : (statements.find(({ i }) => i >= this.current) ?? statements[statements.length - 1]!);
    const ran = unparsed ? -1 : this.current;
    for (const { entry, i } of statements) {
      if (i === failed.i) entry.callback(error);
      else if (i < ran && i < failed.i) entry.callback(null, this.results[i] as unknown as QueryResult);
      else entry.callback(Object.assign(new Error('not run: a statement of its group failed before it'), { cause: error }));
    }
  }

  handleReadyForQuery(): void {
    this.finish();
    if (this.rowError) {
      this.current = this.rowError.at;
      return this.handleError(this.rowError.error);
    }
    this.entries.forEach((entry, i) => {
      if (entry.kind === 'statement') entry.callback(null, this.results[i] as unknown as QueryResult);
    });
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('a statement group takes no COPY');
  }

  handleCopyData(): void {}
}
