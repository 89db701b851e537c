import { stack, uniqueName } from '@cm/test-harness';
import { columnsWrite, createDatabase, fixedTextWrite, writeTogether, writeTogetherAnswering, writeTogetherAnsweringEach, type Knex } from '../src';

/**
 * Writes run as one statement on the real PostgreSQL: column parts of the same text are one
 * insert of their rows in the order given, other parts stay apart, and an answering statement
 * returns its rows from the same round trip. The statements sent are counted from the pool's
 * query events; what they did is read back from the table.
 */
describe('writeTogether and columnsWrite', () => {
  const table = uniqueName('wt');
  let db: Knex;
  const statements: string[] = [];

  beforeAll(async () => {
    db = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
    db.on('query', (query: { sql: string }) => statements.push(query.sql));
    await db.raw(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, k text UNIQUE NOT NULL, n int NOT NULL, tag text)`);
  });
  afterAll(async () => {
    await db?.raw(`DROP TABLE IF EXISTS ${table}`);
    await db?.destroy();
  });

  const insertRows = (rows: readonly { k: string; n: number }[]) =>
    columnsWrite(
      db,
      `INSERT INTO ${table} (k, n) SELECT k, n FROM unnest(?::text[], ?::int[]) WITH ORDINALITY AS r(k, n, o) ORDER BY o ON CONFLICT (k) DO NOTHING`,
      [rows.map((r) => r.k), rows.map((r) => r.n)],
    );

  it('parts of the same text are one insert, in the order given; a duplicate key among them is skipped as ON CONFLICT says', async () => {
    statements.length = 0;
    await writeTogether(db, [insertRows([{ k: 'a', n: 1 }]), fixedTextWrite(db, `UPDATE ${table} SET tag = 'seen' WHERE k = ?`, ['none']), insertRows([{ k: 'b', n: 2 }, { k: 'c', n: 3 }]), insertRows([{ k: 'a', n: 9 }])]);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.match(/INSERT INTO/g)).toHaveLength(1);
    expect(statements[0]!.match(/UPDATE/g)).toHaveLength(1);
    const rows = await db(table).orderBy('id').select('k', 'n');
    expect(rows).toEqual([
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
      { k: 'c', n: 3 },
    ]);
  });

  it('an answering statement returns its rows from the statement that writes', async () => {
    statements.length = 0;
    const answer = fixedTextWrite(db, `UPDATE ${table} SET tag = 'answered' WHERE k = ANY(?::text[]) RETURNING k`, [['b', 'c']]);
    const answered = await writeTogetherAnswering<{ k: string }>(db, [insertRows([{ k: 'd', n: 4 }]), insertRows([{ k: 'e', n: 5 }])], answer);
    expect(answered.map((r) => r.k).sort()).toEqual(['b', 'c']);
    expect(statements).toHaveLength(1);
    expect((await db(table).whereIn('k', ['d', 'e']).orderBy('id').select('k')).map((r: { k: string }) => r.k)).toEqual(['d', 'e']);
  });

  it('several answers come back apart, each row as its columns, from the one statement that writes', async () => {
    statements.length = 0;
    const tagged = fixedTextWrite(db, `UPDATE ${table} SET tag = 'first' WHERE k = ANY(?::text[]) RETURNING k, n, jsonb_build_object('k', k) AS doc`, [['a', 'b']]);
    const counted = fixedTextWrite(db, `UPDATE ${table} SET n = n + 10 WHERE k = ? RETURNING k, n, tag`, ['c']);
    const none = fixedTextWrite(db, `UPDATE ${table} SET tag = 'never' WHERE k = ? RETURNING k`, ['nobody']);
    const [first, second, third] = await writeTogetherAnsweringEach(db, [insertRows([{ k: 'f', n: 6 }])], [tagged, counted, none]);
    expect(statements).toHaveLength(1);
    expect((first as { k: string; n: number; doc: { k: string } }[]).sort((x, y) => x.k.localeCompare(y.k))).toEqual([
      { k: 'a', n: 1, doc: { k: 'a' } },
      { k: 'b', n: 2, doc: { k: 'b' } },
    ]);
    expect(second).toEqual([{ k: 'c', n: 13, tag: 'answered' }]);
    expect(third).toEqual([]);
    expect(await db(table).where({ k: 'f' }).first('n')).toEqual({ n: 6 });
  });

  it('columns of different lengths are refused before anything is sent', () => {
    expect(() => columnsWrite(db, `INSERT INTO ${table} (k, n) SELECT * FROM unnest(?::text[], ?::int[])`, [['x', 'y'], [1]])).toThrow(RangeError);
  });
});
