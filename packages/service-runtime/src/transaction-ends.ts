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
 * statement without values goes by the simple protocol (its text may hold several statements,
 * and PostgreSQL parses it whole): a held BEGIN goes alone before it. Named statements the
 * connection has not parsed are parsed right after their group's BEGIN, and pg's record of parsed
 * statements is kept as pg keeps it. Once a COMMIT is on its way, a statement sent after it is
 * refused; inside a savepoint (a nested knex transaction) a COMMIT asked for is not sent.
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
  /** Savepoints open (knex's nested transactions): a COMMIT asked for inside one is not sent. */
  savepoints: number;
  /**
   * The COMMIT sent with a statement, if any: no statement may follow it in this transaction.
   * Once it ran (`ran`, told by its group), knex's own COMMIT is answered here and its ROLLBACK refused.
   */
  commit: CommitSent | null;
}

interface CommitSent {
  ran: boolean;
}

/** A statement held for its group: its values already converted, so sending the group cannot fail on them. */
interface Held {
  readonly kind: 'statement';
  readonly config: KnexQueryConfig;
  readonly values: (string | Buffer | null)[];
  readonly callback: Callback;
}

export function joinTransactionEnds(client: Client): void {
  const ends: Ends = { beginHeld: false, inTransaction: false, savepoints: 0, commit: null };
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  const send = (config: unknown, callback?: unknown) => original(config, callback);
  const parsed = (client as unknown as { connection: Connection }).connection.parsedStatements;
  /** Statements of the transaction sent in this turn of the event loop, in order: they go as one group at its end. */
  let held: GroupEntry[] = [];
  let flushQueued = false;
  /** While a BEGIN sent alone is answered, what comes meanwhile waits here, in order. */
  let waiting: (() => void)[] | null = null;

  /** The held BEGIN (if any) and the held statements, as one group; a statement alone goes as pg sends it. */
  const flush = () => {
    flushQueued = false;
    if (held.length === 0) return;
    const group = [...(ends.beginHeld ? [BEGIN] : []), ...held];
    ends.beginHeld = false;
    held = [];
    const only = group[0]!;
    // Alone, it goes as pg sends it, with the values already converted (pg's conversion then leaves them as they are).
    if (group.length === 1 && only.kind === 'statement') return void send({ ...only.config, values: only.values }, only.callback);
    send(new StatementGroup(group));
  };

  /**
   * The held BEGIN alone, then `next` once it is answered (a statement of the simple protocol,
   * whose text PostgreSQL parses whole: joined to it, a syntax error would stop BEGIN too). A
   * BEGIN that fails is the statement's error, and the statement is not sent. Returns the queue of
   * what waits meanwhile.
   */
  const beginThen = (next: () => void, done: Callback | null): (() => void)[] => {
    ends.beginHeld = false;
    const queue: (() => void)[] = [];
    waiting = queue;
    send('BEGIN', (error: Error | null) => {
      waiting = null;
      // Failed (a connection lost): whatever comes next opens with BEGIN again, never without one.
      if (error) ends.beginHeld = true;
      if (error && done) done(error);
      else next();
      for (const call of queue) call();
    });
    return queue;
  };

  const query = function query(config: unknown, values?: unknown, callback?: unknown): unknown {
    if (waiting) return later(waiting, () => query(config, values, callback), config, values, callback);
    if (!isKnexQuery(config, values, callback)) {
      // Not knex's (a stream, say): what is held goes first, and a held BEGIN before it.
      flush();
      const run = () => original(...[config, values, callback].filter((arg) => arg !== undefined));
      if (!ends.beginHeld) return run();
      // It waits behind the BEGIN, first of what waits.
      return later(beginThen(() => undefined, null), run, config, values, callback);
    }
    const done = values as Callback;
    const text = config.text;
    if (text === 'BEGIN;' && !ends.inTransaction) {
      Object.assign(ends, { beginHeld: true, inTransaction: true, savepoints: 0, commit: null });
      return answer(done, 'BEGIN');
    }
    if (text === 'COMMIT;' || /^ROLLBACK;?$/.test(text)) {
      flush();
      const command = text.startsWith('COMMIT') ? 'COMMIT' : 'ROLLBACK';
      const { beginHeld, commit } = ends;
      Object.assign(ends, { beginHeld: false, inTransaction: false, savepoints: 0, commit: null });
      // Nothing ran since BEGIN: there is nothing to end.
      if (beginHeld) return answer(done, command);
      if (!commit) return send(config, done);
      if (commit.ran) return command === 'COMMIT' ? answer(done, 'COMMIT') : process.nextTick(done, cannotRollBack());
      // The COMMIT's group is not answered yet (or failed): this one goes behind it, and is told by it.
      return send(config, (error: Error | null, result?: QueryResult) => {
        if (commit.ran) return command === 'COMMIT' ? done(null, result) : done(cannotRollBack());
        if (command === 'COMMIT') return done(error ?? new Error('the transaction did not commit: the statement that carried its COMMIT failed'));
        done(error, result);
      });
    }
    if (ends.commit) return process.nextTick(done, new Error(`a statement after its transaction's COMMIT was sent: ${text.slice(0, 80)}`));
    if (!ends.inTransaction) return send(config, done);
    if (/^SAVEPOINT /.test(text)) ends.savepoints++;
    else if (/^(RELEASE|ROLLBACK TO) SAVEPOINT /.test(text)) ends.savepoints = Math.max(0, ends.savepoints - 1);
    if (!joinable(config)) {
      flush();
      if (!ends.beginHeld) return send(config, done);
      return beginThen(() => send(config, done), done);
    }
    const { name } = config;
    if (name !== undefined && parsed[name] !== undefined && parsed[name] !== text) {
      return process.nextTick(done, new Error(`Prepared statements must be unique - '${name}' was used for a different statement`));
    }
    let converted: (string | Buffer | null)[];
    try {
      // Converted now: a value pg cannot send fails this statement alone, before anything is sent.
      converted = config.values.map((value) => prepareValue(value));
    } catch (error) {
      return process.nextTick(done, error as Error);
    }
    held.push({ kind: 'statement', config, values: converted, callback: done });
    if (config[COMMIT_WITH_STATEMENT] === true && ends.savepoints === 0) {
      const commit: CommitSent = { ran: false };
      held.push({ kind: 'commit', commit });
      ends.commit = commit;
      return flush();
    }
    if (!flushQueued) {
      flushQueued = true;
      // After the promise callbacks of this turn: statements sent together (Promise.all) are all held by then.
      process.nextTick(flush);
    }
    return undefined;
  };
  (client as { query: unknown }).query = query;
}

function cannotRollBack(): Error {
  return new Error('the transaction committed with its last statement; it cannot be rolled back');
}

/**
 * A call that must wait its turn (behind a BEGIN being answered): queued, and answered as pg
 * would have answered it: a Submittable is returned as it is, a call without a callback gets a
 * promise of its result.
 */
function later(queue: (() => void)[], run: () => unknown, config: unknown, values: unknown, callback: unknown): unknown {
  const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
  if (submittable || typeof values === 'function' || typeof callback === 'function') {
    queue.push(() => void run());
    return submittable ? config : undefined;
  }
  return new Promise((resolve, reject) => queue.push(() => void (run() as Promise<unknown>).then(resolve, reject)));
}

/** A statement that can join a group: the extended protocol (it has values), with pg's default rows and types. */
function joinable(config: KnexQueryConfig & { rowMode?: unknown; types?: unknown }): boolean {
  return config.values.length > 0 && config.rowMode === undefined && config.types === undefined;
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

type GroupEntry = { readonly kind: 'begin' } | { readonly kind: 'commit'; readonly commit: CommitSent } | Held;

const BEGIN: GroupEntry = { kind: 'begin' };

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
  private readonly results: (InstanceType<typeof Result> | null)[];
  /** The entry whose reply is arriving: each entry's reply ends with its CommandComplete. */
  private current = 0;
  /** Rows pg could not turn into values (a bigint past a safe integer, say), by entry: that statement's error; it ran all the same. */
  private readonly rowErrors = new Map<number, Error>();
  /** Named statements this connection had not parsed, parsed right after the group's BEGIN, in order. */
  private readonly parsing: { readonly name: string; readonly text: string }[] = [];
  private parsed = 0;
  /** ParseCompletes before the named statements': BEGIN's, when the group opens with it. */
  private parsesBefore: number;
  private connection: Connection | null = null;

  constructor(private readonly entries: readonly GroupEntry[]) {
    this.results = entries.map((e) => (e.kind === 'statement' ? new Result(undefined, undefined) : null));
    this.parsesBefore = entries[0]?.kind === 'begin' ? 1 : 0;
  }

  /** The group's ParseCompletes after BEGIN's are first those of its named statements: each is then known to this connection. */
  private readonly onParseComplete = () => {
    if (this.parsesBefore > 0) {
      this.parsesBefore--;
      return;
    }
    const statement = this.parsing[this.parsed++];
    if (statement) this.connection!.parsedStatements[statement.name] = statement.text;
  };

  submit(connection: Connection): Error | null {
    this.connection = connection;
    for (const entry of this.entries) {
      if (entry.kind !== 'statement' || entry.config.name === undefined) continue;
      const { name, text } = entry.config;
      if (connection.parsedStatements[name] !== text && !this.parsing.some((p) => p.name === name)) this.parsing.push({ name, text });
    }
    if (this.parsing.length > 0) connection.on('parseComplete', this.onParseComplete);
    const [first] = this.entries;
    const rest = first?.kind === 'begin' ? this.entries.slice(1) : this.entries;
    connection.stream.cork?.();
    try {
      // BEGIN first, so that whatever fails after it leaves a transaction for knex's ROLLBACK.
      if (first?.kind === 'begin') this.writeFixed(connection, 'BEGIN');
      for (const { name, text } of this.parsing) connection.parse({ text, name });
      for (const entry of rest) {
        if (entry.kind !== 'statement') {
          this.writeFixed(connection, entry.kind.toUpperCase());
          continue;
        }
        const { text, name } = entry.config;
        if (name === undefined) connection.parse({ text });
        connection.bind({ statement: name, values: entry.values });
        connection.describe({ type: 'P', name: '' });
        connection.execute({});
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  private writeFixed(connection: Connection, text: string): void {
    connection.parse({ text });
    connection.bind({});
    connection.execute({});
  }

  private finish(): void {
    if (this.parsing.length > 0) this.connection?.off('parseComplete', this.onParseComplete);
  }

  handleRowDescription(message: BackendMessage): void {
    this.results[this.current]?.addFields(message.fields);
  }

  handleDataRow(message: BackendMessage): void {
    const result = this.results[this.current];
    if (!result || this.rowErrors.has(this.current)) return;
    try {
      result.addRow(result.parseRow(message.fields));
    } catch (error) {
      this.rowErrors.set(this.current, error as Error);
    }
  }

  handleCommandComplete(message: BackendMessage): void {
    this.results[this.current]?.addCommandComplete(message);
    const entry = this.entries[this.current];
    // Known as soon as it ran, whatever the rows of its statements were.
    if (entry?.kind === 'commit') entry.commit.ran = true;
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  /** A statement that ran: its result, or the error of a row pg could not read. */
  private answerRan(entry: Held, i: number): void {
    const rowError = this.rowErrors.get(i);
    if (rowError) entry.callback(rowError);
    else entry.callback(null, this.results[i] as unknown as QueryResult);
  }

  /**
   * The group ended with an error. If BEGIN or a named statement's parse failed, nothing ran: the
   * first statement (or the one that did not parse) is told the error, the rest that they did not
   * run. Otherwise the error came at entry `current`: the statements before it ran, the first
   * statement from there on is told the error, the rest did not run. An error of the COMMIT a
   * statement carried is that statement's: its transaction did not commit.
   */
  handleError(error: Error): void {
    this.finish();
    const statements = this.entries.flatMap((entry, i) => (entry.kind === 'statement' ? [{ entry, i }] : []));
    const began = this.entries[0]?.kind !== 'begin' || this.current > 0;
    const unparsed = began ? this.parsing[this.parsed] : undefined;
    const nothingRan = !began || unparsed !== undefined;
    const failed = unparsed
      ? statements.find(({ entry }) => entry.config.name === unparsed.name)!
      : nothingRan
        ? statements[0]!
        : (statements.find(({ i }) => i >= this.current) ?? statements[statements.length - 1]!);
    for (const { entry, i } of statements) {
      if (i === failed.i) entry.callback(error);
      else if (!nothingRan && i < failed.i) this.answerRan(entry, i);
      else entry.callback(Object.assign(new Error('not run: a statement of its group failed before it'), { cause: error }));
    }
  }

  handleReadyForQuery(): void {
    this.finish();
    this.entries.forEach((entry, i) => {
      if (entry.kind === 'statement') this.answerRan(entry, i);
    });
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('a statement group takes no COPY');
  }

  handleCopyData(): void {}
}
