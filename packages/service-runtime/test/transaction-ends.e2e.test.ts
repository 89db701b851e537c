import { stack, uniqueName } from '@cm/test-harness';
import type { Client } from 'pg';
import { createDatabase, preparedRaw, rawTogether, writeTogether, type Knex } from '../src';

/**
 * A transaction's BEGIN travels with its first statement and its COMMIT with its last one when
 * asked (transaction-ends.ts), on the real PostgreSQL: what commits, what rolls back, what each
 * statement is told, and how many round trips each took (ReadyForQuery messages the pool's one
 * connection received).
 */
describe('transaction ends travel with their statements', () => {
  const table = uniqueName('ends');
  let db: Knex;
  let other: Knex;
  let roundTrips = 0;

  beforeAll(async () => {
    db = createDatabase(stack.DATABASE_URL, { pool: { min: 1, max: 1 } });
    other = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
    await other.raw(`CREATE TABLE ${table} (id int PRIMARY KEY, label text, big bigint, later int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
    const counted = new WeakSet<object>();
    (db.client as { pool: { on(event: 'acquireSuccess', listener: (id: number, client: Client) => void): void } }).pool.on('acquireSuccess', (_id, client) => {
      const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
      if (counted.has(connection)) return;
      counted.add(connection);
      connection.on('readyForQuery', () => roundTrips++);
    });
  });
  afterAll(async () => {
    await other?.raw(`DROP TABLE IF EXISTS ${table}`);
    await Promise.all([db?.destroy(), other?.destroy()]);
  });
  beforeEach(async () => {
    await other.raw(`TRUNCATE ${table}`);
    await db.raw('select 1'); // the connection is made and counted before each test measures
    roundTrips = 0;
  });

  const insert = (tx: Knex | Knex.Transaction, id: number, label = 'x') => tx.raw(`INSERT INTO ${table} (id, label) VALUES (?, ?)`, [id, label]);
  const ids = async () => (await other(table).orderBy('id').pluck('id')) as number[];

  it('BEGIN goes with the first statement: a transaction of one statement is two round trips, and commits', async () => {
    await db.transaction(async (tx) => {
      await insert(tx, 1);
    });
    expect(roundTrips).toBe(2);
    expect(await ids()).toEqual([1]);
  });

  it('COMMIT goes with a last write that asks for it: one round trip, and knex\'s own COMMIT is answered without one', async () => {
    await db.transaction(async (tx) => {
      await writeTogether(tx, [other.raw(`INSERT INTO ${table} (id, label) VALUES (?, ?)`, [2, 'y']).toSQL()], { commit: true });
    });
    expect(roundTrips).toBe(1);
    expect(await ids()).toEqual([2]);
  });

  it('statements in between keep their order and their own answers', async () => {
    const answers = await db.transaction(async (tx) => {
      await insert(tx, 1);
      const [a, b] = await Promise.all([tx.raw(`SELECT count(*)::int AS n FROM ${table} WHERE id > ?`, [0]), insert(tx, 2)]);
      const c = await tx.raw(`SELECT array_agg(id ORDER BY id) AS ids FROM ${table} WHERE id > ?`, [0]);
      return [a.rows[0].n, b.rowCount, c.rows[0].ids];
    });
    expect(answers).toEqual([1, 1, [1, 2]]);
    expect(await ids()).toEqual([1, 2]);
  });

  it('statements sent in the same turn go in one round trip, with BEGIN', async () => {
    await db.transaction(async (tx) => {
      await Promise.all([insert(tx, 1), insert(tx, 2), insert(tx, 3)]);
    });
    expect(roundTrips).toBe(2); // BEGIN and the three inserts, then COMMIT
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('rawTogether: each statement runs after the one before it and sees its effect, in one round trip', async () => {
    const count = (tx: Knex.Transaction) => tx.raw(`SELECT count(*)::int AS n FROM ${table} WHERE id > ?`, [0]);
    const [before, inserted, after] = await db.transaction((tx) => rawTogether(tx, [count(tx), insert(tx, 1), count(tx)]));
    expect(roundTrips).toBe(2);
    expect([(before as { rows: { n: number }[] }).rows[0]!.n, (inserted as { rowCount: number }).rowCount, (after as { rows: { n: number }[] }).rows[0]!.n]).toEqual([0, 1, 1]);
  });

  it('rawTogether: a read after a statement that waited for a lock sees what the lock holder committed (its snapshot comes after the wait)', async () => {
    await insert(other, 1);
    const holder = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockHeld = new Promise<void>((resolve) => (locked = resolve));
      const holding = holder.transaction(async (tx) => {
        await tx.raw(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE`, [1]);
        await insert(tx, 2, 'committed while the other waited');
        locked();
        await released;
      });
      await lockHeld;
      const reading = db.transaction((tx) => rawTogether(tx, [tx.raw(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE`, [1]), tx.raw(`SELECT count(*)::int AS n FROM ${table} WHERE id > ?`, [0])]));
      await new Promise((resolve) => setTimeout(resolve, 100)); // the read waits on the lock meanwhile
      release();
      await holding;
      const [, counted] = await reading;
      expect((counted as { rows: { n: number }[] }).rows[0]!.n).toBe(2);
    } finally {
      await holder.destroy();
    }
  });

  it('a statement that fails in a group: the ones before it answered, its own error, the ones after it not run, nothing committed', async () => {
    await insert(other, 2);
    const told: string[] = [];
    const tell = (p: Promise<unknown>) => p.then(() => told.push('ran'), (error: Error & { code?: string }) => told.push(error.code ?? error.message));
    await expect(db.transaction(async (tx) => {
      const answers = [insert(tx, 1), insert(tx, 2), insert(tx, 3)].map((statement) => tell(Promise.resolve(statement)));
      await Promise.all(answers);
      throw new Error('one failed');
    })).rejects.toThrow('one failed');
    expect(told).toEqual(['ran', '23505', expect.stringContaining('not run: a statement of its group failed')]);
    expect(await ids()).toEqual([2]);
  });

  it('a failed first statement: its own error, nothing committed, and the connection serves the next transaction', async () => {
    await insert(other, 7);
    await expect(db.transaction(async (tx) => { await insert(tx, 7); })).rejects.toMatchObject({ code: '23505' });
    await db.transaction(async (tx) => { await insert(tx, 8); });
    expect(await ids()).toEqual([7, 8]);
  });

  it('a COMMIT that fails is the error of the statement that carried it: nothing committed, the connection still serves', async () => {
    await other(table).insert({ id: 1, later: 5 });
    const write = other.raw(`INSERT INTO ${table} (id, later) VALUES (?, ?)`, [2, 5]).toSQL();
    // The unique check is deferred to COMMIT, so the statement runs and its COMMIT fails.
    await expect(db.transaction(async (tx) => { await writeTogether(tx, [write], { commit: true }); })).rejects.toMatchObject({ code: '23505' });
    expect(await ids()).toEqual([1]);
    await db.transaction(async (tx) => { await insert(tx, 3); });
    expect(await ids()).toEqual([1, 3]);
  });

  it('a statement without values (the simple protocol, perhaps several statements) goes after a BEGIN of its own, and the transaction holds', async () => {
    const timeout = await db.transaction(async (tx) => {
      await tx.raw('SET LOCAL statement_timeout = 4321');
      return (await tx.raw('SELECT current_setting(?) AS t', ['statement_timeout'])).rows[0].t;
    });
    // SET LOCAL outside a transaction would not have lasted to the next statement.
    expect(timeout).toBe('4321ms');
    expect(roundTrips).toBe(4); // BEGIN alone (joined to the text, a syntax error in it would stop BEGIN too), SET LOCAL, the read, COMMIT
    expect((await db.raw('SELECT current_setting(?) AS t', ['statement_timeout'])).rows[0].t).not.toBe('4321ms');
  });

  it('several statements in one text, first in the transaction: each answered', async () => {
    const [set, settings] = await db.transaction(async (tx) => {
      const answer = await tx.raw('SET LOCAL statement_timeout = 1111; SET LOCAL lock_timeout = 2222');
      return [answer, (await tx.raw('SELECT current_setting(?) AS s, current_setting(?) AS l', ['statement_timeout', 'lock_timeout'])).rows[0]];
    });
    expect((set as { command: string }[]).map((r) => r.command)).toEqual(['SET', 'SET']);
    expect(settings).toEqual({ s: '1111ms', l: '2222ms' });
  });

  it('a prepared statement joins BEGIN on its first use too, parsed at the head of the group, and is known parsed after', async () => {
    const sql = `INSERT INTO ${table} (id, label) VALUES (?, ?)`;
    await db.transaction(async (tx) => { await preparedRaw(tx, sql, [1, 'first']); });
    const first = roundTrips;
    roundTrips = 0;
    await db.transaction(async (tx) => { await preparedRaw(tx, sql, [2, 'second']); });
    expect([first, roundTrips]).toEqual([2, 2]);
    expect(await ids()).toEqual([1, 2]);
  });

  it('a prepared statement that parsed and then failed is still known parsed: its next use does not parse it again', async () => {
    const sql = `INSERT INTO ${table} (id, label) VALUES (?, ?)`;
    await insert(other, 1);
    await expect(db.transaction(async (tx) => { await preparedRaw(tx, sql, [1, 'taken']); })).rejects.toMatchObject({ code: '23505' });
    // Parsed again, PostgreSQL would refuse: prepared statement already exists (42P05).
    await db.transaction(async (tx) => { await preparedRaw(tx, sql, [2, 'free']); });
    expect(await ids()).toEqual([1, 2]);
  });

  it('a prepared statement that does not parse: its error, nothing of its group ran, and once it can parse it does', async () => {
    const missing = uniqueName('later');
    const sql = `INSERT INTO ${missing} (id) VALUES (?)`;
    const told: string[] = [];
    const tell = (p: Promise<unknown>) => p.then(() => told.push('ran'), (error: Error & { code?: string }) => told.push(error.code ?? error.message));
    await expect(db.transaction(async (tx) => {
      await Promise.all([tell(Promise.resolve(insert(tx, 1))), tell(Promise.resolve(preparedRaw(tx, sql, [1])))]);
      throw new Error('one failed');
    })).rejects.toThrow('one failed');
    expect(told).toEqual([expect.stringContaining('not run'), '42P01']);
    await other.raw(`CREATE TABLE ${missing} (id int)`);
    try {
      await db.transaction(async (tx) => { await preparedRaw(tx, sql, [1]); });
      expect(await other(missing).pluck('id')).toEqual([1]);
    } finally {
      await other.raw(`DROP TABLE ${missing}`);
    }
    expect(await ids()).toEqual([]);
  });

  it('a transaction that sent nothing ends without a round trip', async () => {
    await db.transaction(async () => undefined);
    await expect(db.transaction(async () => { throw new Error('nothing to do'); })).rejects.toThrow('nothing to do');
    expect(roundTrips).toBe(0);
  });

  it('a failure after statements rolls them back', async () => {
    await expect(db.transaction(async (tx) => {
      await insert(tx, 1);
      await insert(tx, 2);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await ids()).toEqual([]);
  });

  it('a transaction that committed with its last statement cannot be rolled back, and says so', async () => {
    await expect(db.transaction(async (tx) => {
      await writeTogether(tx, [other.raw(`INSERT INTO ${table} (id) VALUES (?)`, [4]).toSQL()], { commit: true });
      throw new Error('too late');
    })).rejects.toThrow('committed with its last statement');
    expect(await ids()).toEqual([4]);
  });

  it('a statement after the commit is refused, not run outside the transaction', async () => {
    let refused: unknown;
    await expect(db.transaction(async (tx) => {
      await writeTogether(tx, [other.raw(`INSERT INTO ${table} (id) VALUES (?)`, [5]).toSQL()], { commit: true });
      await insert(tx, 6).catch((error: unknown) => {
        refused = error;
        throw error;
      });
    })).rejects.toThrow('committed with its last statement'); // knex's ROLLBACK then says so too
    expect(String(refused)).toMatch("after its transaction's COMMIT was sent");
    expect(await ids()).toEqual([5]);
  });

  it('a row pg cannot read fails its statement and the transaction', async () => {
    await other(table).insert({ id: 1, big: '9007199254740993' });
    await expect(db.transaction(async (tx) => {
      await tx.raw(`SELECT big FROM ${table} WHERE id = ?`, [1]);
    })).rejects.toThrow('does not fit a safe integer');
    await db.transaction(async (tx) => { await insert(tx, 2); });
    expect(await ids()).toEqual([1, 2]);
  });

  it('outside a transaction the commit request is ignored: the write is its own transaction', async () => {
    await writeTogether(db, [other.raw(`INSERT INTO ${table} (id) VALUES (?)`, [9]).toSQL()], { commit: true });
    await db.raw(`INSERT INTO ${table} (id) VALUES (?)`, [10]);
    expect(await ids()).toEqual([9, 10]);
  });
  /** Runs `first` as the transaction's first statement, catches its error, writes id 2, then gives up: nothing may be committed. */
  const afterCaughtFirst = async (first: (tx: Knex.Transaction) => Promise<unknown>) => {
    let caught: unknown;
    await expect(db.transaction(async (tx) => {
      caught = await first(tx).then(() => null, (error: unknown) => error);
      await insert(tx, 2).catch(() => undefined);
      throw new Error('gave up');
    })).rejects.toThrow('gave up');
    expect(caught).toBeInstanceOf(Error);
    expect(await ids()).toEqual([]);
  };

  it('a first statement whose value pg cannot send: its error, and what follows stays in the transaction', async () => {
    await afterCaughtFirst((tx) => Promise.resolve(tx.raw(`INSERT INTO ${table} (id, label) VALUES (?, ?::jsonb::text)`, [1, { n: 10n } as unknown as string])));
  });

  it('a first statement that does not parse (prepared): what follows stays in the transaction', async () => {
    await afterCaughtFirst((tx) => Promise.resolve(preparedRaw(tx, `INSERT INTO ${uniqueName('nowhere')} (id) VALUES (?)`, [1])));
  });

  it('a first statement of the simple protocol with a syntax error: what follows stays in the transaction', async () => {
    await afterCaughtFirst((tx) => Promise.resolve(tx.raw('SELEC 1')));
  });

  it('a row pg cannot read in the statement that carried COMMIT: the caller is told it committed, not that it rolled back', async () => {
    await expect(db.transaction(async (tx) => {
      await insert(tx, 1);
      await writeTogether(tx, [other.raw(`INSERT INTO ${table} (id, big) VALUES (?, ?) RETURNING big`, [2, '9007199254740993']).toSQL()], { commit: true });
    })).rejects.toThrow('committed with its last statement');
    expect(await ids()).toEqual([1, 2]);
  });

  it('a row pg cannot read fails only its own statement: the others of its group ran and are answered', async () => {
    await db.transaction(async (tx) => {
      const [read, write] = await Promise.allSettled([tx.raw('SELECT ?::bigint AS big', ['9007199254740993']), insert(tx, 3)]);
      expect([read.status, write.status]).toEqual(['rejected', 'fulfilled']);
    });
    expect(await ids()).toEqual([3]);
  });

  it('a statement sent while the COMMIT it follows is on its way is refused, not run after it', async () => {
    await db.transaction(async (tx) => {
      const committing = writeTogether(tx, [other.raw(`INSERT INTO ${table} (id) VALUES (?)`, [4]).toSQL()], { commit: true });
      await new Promise((resolve) => setImmediate(resolve));
      await expect(insert(tx, 5)).rejects.toThrow("after its transaction's COMMIT was sent");
      await committing;
    });
    expect(await ids()).toEqual([4]);
  });

  it('a COMMIT asked for inside a savepoint (a nested transaction) is not sent: the outer transaction still rolls back', async () => {
    await expect(db.transaction(async (tx) => {
      await insert(tx, 1);
      await tx.transaction(async (nested) => {
        await writeTogether(nested, [other.raw(`INSERT INTO ${table} (id) VALUES (?)`, [2]).toSQL()], { commit: true });
      });
      throw new Error('outer gave up');
    })).rejects.toThrow('outer gave up');
    expect(await ids()).toEqual([]);
  });
  it('a ROLLBACK that arrives while the COMMIT sent with a statement is on its way is told the transaction committed', async () => {
    const commitWith = (tx: Knex.Transaction, id: number) => tx.raw(`INSERT INTO ${table} (id) VALUES (?)`, [id]).options({ cmCommitWithStatement: true });
    // A statement refused behind the COMMIT makes knex roll back at once.
    await expect(db.transaction(async (tx) => { await Promise.all([commitWith(tx, 1), insert(tx, 2)]); })).rejects.toThrow('committed with its last statement');
    // The handler gives up without waiting for the statement that carries the COMMIT.
    await expect(db.transaction(async (tx) => {
      void Promise.resolve(commitWith(tx, 3)).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('gave up early');
    })).rejects.toThrow('committed with its last statement');
    expect(await ids()).toEqual([1, 3]);
  });
  it('a call that is not knex\'s, first in a transaction, runs inside it after a BEGIN of its own, and is answered as pg answers', async () => {
    const setting = await db.transaction(async (tx) => {
      const connection = (await (tx.client as unknown as { acquireConnection(): Promise<Client> }).acquireConnection());
      const answered = await connection.query('SET LOCAL statement_timeout = 7777');
      expect(answered.command).toBe('SET');
      return (await tx.raw('SELECT current_setting(?) AS t', ['statement_timeout'])).rows[0].t;
    });
    expect(setting).toBe('7777ms');
  });
});
