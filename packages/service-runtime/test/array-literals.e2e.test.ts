import { stack, uniqueName } from '@cm/test-harness';
import { columnsWrite, createDatabase, fixedTextWrite, JSON_COLUMN, jsonTexts, preparedRaw, writeTogether, type Knex } from '../src';

/**
 * Array bindings written as literals, and JSON columns sent as one JSON array, on the real
 * PostgreSQL: what the table holds afterwards is each value as it was given, in order, with
 * nulls as NULL, alone or with other parts of the same text joined into one insert.
 */
describe('array literals and JSON columns reach PostgreSQL as given', () => {
  const table = uniqueName('lit');
  let db: Knex;

  beforeAll(async () => {
    db = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
    await db.raw(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, label text, doc jsonb, amount bigint, flag boolean, raw bytea)`);
  });
  afterAll(async () => {
    await db?.raw(`DROP TABLE IF EXISTS ${table}`);
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.raw(`TRUNCATE ${table}`);
  });

  const texts = ['plain', 'say "hi"', 'C:\\dir\\', '{a,b}', 'NULL', 'Zoë 東京 🏖️', '', null];
  const docs = [{ a: 'x"y' }, { back: 'sla\\sh', list: [1, null] }, null, { line: 'one\ntwo', tab: '\t' }, 'a JSON string', 42, [], { nested: { é: '🏖️' } }];

  const insert = (rows: readonly { label: string | null; doc: unknown }[]) =>
    columnsWrite(
      db,
      `INSERT INTO ${table} (label, doc) SELECT l, d FROM unnest(?::text[], ${JSON_COLUMN}) WITH ORDINALITY AS r(l, d, n) ORDER BY n`,
      [rows.map((r) => r.label), jsonTexts(rows.map((r) => (r.doc === null ? null : JSON.stringify(r.doc))))],
    );
  const rowsOf = (from: number, to: number) => texts.slice(from, to).map((label, i) => ({ label, doc: docs[from + i] }));

  it('a column part alone: every text and JSON document back as given, in order, null as NULL', async () => {
    await writeTogether(db, [insert(rowsOf(0, texts.length))]);
    expect(await db(table).orderBy('id').select('label', 'doc')).toEqual(rowsOf(0, texts.length));
    // SQL NULL, not the JSON null (both read back as null).
    expect((await db(table).orderBy('id').select(db.raw('label IS NULL AS no_label'), db.raw('doc IS NULL AS no_doc'))).map((r: { no_label: boolean; no_doc: boolean }) => [r.no_label, r.no_doc])).toEqual(
      texts.map((label, i) => [label === null, docs[i] === null]),
    );
  });

  it('column parts of one text joined into one insert keep each part’s JSON with its row', async () => {
    await writeTogether(db, [insert(rowsOf(0, 3)), fixedTextWrite(db, `UPDATE ${table} SET flag = true WHERE label = ?`, ['none']), insert(rowsOf(3, 5)), insert(rowsOf(5, texts.length))]);
    expect(await db(table).orderBy('id').select('label', 'doc')).toEqual(rowsOf(0, texts.length));
  });

  it('numbers, booleans and bytes in arrays of a prepared statement', async () => {
    const amounts = [0, -42, Number.MAX_SAFE_INTEGER];
    const raws = [Buffer.from([0, 1, 255]), Buffer.alloc(0), null];
    await preparedRaw(db, `INSERT INTO ${table} (amount, flag, raw) SELECT * FROM unnest(?::bigint[], ?::boolean[], ?::bytea[])`, [amounts, [true, false, null], raws] as unknown as Knex.RawBinding[]);
    const rows = await db(table).orderBy('amount').select('amount', 'flag', 'raw');
    expect(rows).toEqual([
      { amount: -42, flag: false, raw: Buffer.alloc(0) },
      { amount: 0, flag: true, raw: Buffer.from([0, 1, 255]) },
      { amount: Number.MAX_SAFE_INTEGER, flag: null, raw: null },
    ]);
  });
});
