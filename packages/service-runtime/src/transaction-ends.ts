import type { Knex } from 'knex';
import type { Client, QueryResult } from 'pg';
import Result from 'pg/lib/result';
import { prepareValue } from 'pg/lib/utils';

/**
 * A transaction's BEGIN travels with its first statement, and its COMMIT with its last one when
 * that statement asks for it (`COMMIT_WITH_STATEMENT`): one round trip each instead of two, for
 * the client and for PostgreSQL (issue 22: the arbiter's decision was five round trips, BEGIN
 * and COMMIT two of them, and every round trip is a wake-up of both processes).
 *
 * They go as one group of the extended protocol, closed by one Sync: PostgreSQL runs the group's
 * statements in order and, after one fails, skips the rest up to the Sync. So a statement never
 * runs unless BEGIN did, and COMMIT never runs unless its statement did; a failed group leaves the
 * transaction aborted, and knex's ROLLBACK goes out as it always does. A transaction's snapshot
 * is taken at its first statement, not at BEGIN, so starting it with that statement changes
 * nothing a statement sees.
 *
 * Installed on each connection of a pool (createDatabase). It acts only on what knex sends:
 * `BEGIN;` is answered at once and held; a statement that cannot join a group (simple protocol,
 * or a prepared statement not yet parsed on this connection, whose parse the client itself must
 * track) is sent after a BEGIN of its own, as before.
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

/** The client-side bookkeeping of pg's connection we read: statements this connection has parsed, by name. */
interface ParsedStatements {
  readonly connection: { readonly parsedStatements: Record<string, string> };
}

export function joinTransactionEnds(client: Client): void {
  const ends: Ends = { beginHeld: false, inTransaction: false, committed: false };
  const send = client.query.bind(client) as (config: unknown, callback?: unknown) => unknown;
  const parsed = (client as unknown as ParsedStatements).connection.parsedStatements;
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

  /**
   * The held BEGIN alone, before a statement that cannot join it; both are queued at once, so
   * nothing sent meanwhile comes between them. Its error (a connection lost, say) is the statement's.
   */
  const sendBegin = (): { error: Error | null } => {
    const begun: { error: Error | null } = { error: null };
    ends.beginHeld = false;
    send('BEGIN', (error: Error | null) => {
      begun.error = error;
    });
    return begun;
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
    const joinable = config.values.length > 0 && (config.name === undefined || parsed[config.name] === text);
    if (!joinable) {
      flush();
      if (!ends.beginHeld) return send(config, done);
      const begun = sendBegin();
      return send(config, (error: Error | null, result?: QueryResult) => done(begun.error ?? error, result));
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
  /** The client keeps no bookkeeping of a named statement for a group (it has no name). */
  readonly name = undefined;
  readonly text: string;
  private readonly results: (InstanceType<typeof Result> | null)[];
  private current = 0;
  /** A row pg could not turn into values (a bigint past a safe integer, say): that statement's error. */
  private rowError: { error: Error; at: number } | null = null;

  constructor(private readonly entries: readonly GroupEntry[]) {
    this.results = entries.map((e) => (e.kind === 'statement' ? new Result(undefined, undefined) : null));
    this.text = entries.map((e) => (e.kind === 'statement' ? e.config.text : e.kind.toUpperCase())).join('; ');
  }

  submit(connection: Connection): Error | null {
    let values: unknown[][];
    try {
      // Converted before anything is written: a value that cannot be sent fails the group whole.
      values = this.entries.map((e) => (e.kind === 'statement' ? e.config.values.map((v) => prepareValue(v)) : []));
    } catch (error) {
      return error as Error;
    }
    connection.stream.cork?.();
    try {
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
    const statements = this.entries.flatMap((entry, i) => (entry.kind === 'statement' ? [{ entry, i }] : []));
    const failed = statements.find(({ i }) => i >= this.current) ?? statements[statements.length - 1]!;
    for (const { entry, i } of statements) {
      if (i < failed.i) entry.callback(null, this.results[i] as unknown as QueryResult);
      else if (i === failed.i) entry.callback(error);
      else entry.callback(Object.assign(new Error('not run: a statement before it in its transaction failed'), { cause: error }));
    }
  }

  handleReadyForQuery(): void {
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
