import { parseStayDates, stayKey, type StayDates } from '@cm/domain';
import { createDatabase, type Knex } from '@cm/service-runtime';
import { stack, uniqueName } from '@cm/test-harness';
import { scratchLedger, type ScratchLedger } from '../src/ledger/migrations';
import { LEDGER_PLANNING, loadStates } from '../src/ledger/store';

/**
 * What a decision reads must grow with what it asks for, not with the ledger: the ledger of a
 * property manager holds years of stays, and every decision reads.
 */
describe('a decision reads what it needs, not the ledger', () => {
  let ledger: ScratchLedger;
  let quiet: ScratchLedger;
  /** Each ledger's connection as the arbiter's deciders have one (LEDGER_PLANNING): a plan made once is kept. */
  let deciders: Knex;
  let quietDeciders: Knex;
  const PROPERTIES = 40;
  const STAYS_PER_PROPERTY = 100;

  beforeAll(async () => {
    ledger = await scratchLedger(stack.DATABASE_URL, uniqueName('reads').toLowerCase());
    quiet = await scratchLedger(stack.DATABASE_URL, uniqueName('reads').toLowerCase());
    deciders = createDatabase(ledger.url, { pool: { min: 0, max: 1 }, planning: LEDGER_PLANNING });
    quietDeciders = createDatabase(quiet.url, { pool: { min: 0, max: 1 }, planning: LEDGER_PLANNING });
  });
  afterAll(async () => {
    await deciders?.destroy();
    await quietDeciders?.destroy();
    await ledger?.drop();
    await quiet?.drop();
  });

  it(`a read planned while the ledger was small still reads only what it needs once the ledger holds ${PROPERTIES * STAYS_PER_PROPERTY} stays`, async () => {
    // One connection throughout: the state read is a prepared statement, and PostgreSQL keeps
    // the plan it settled on after a few executions, made from the sizes it saw then.
    await deciders.transaction(async (tx) => {
      await insertStays(tx, 1, 3);
      await tx.raw('ANALYZE stays');
      const ids = ['p0'];
      for (let i = 0; i < 8; i++) await read(tx, ids);

      await insertStays(tx, PROPERTIES, STAYS_PER_PROPERTY);
      await expectReadsOnlyWhatTheyNeed(tx);
    });
  });

  it(`a read planned from statistics taken while no stay held a night reads only what it needs once ${PROPERTIES * STAYS_PER_PROPERTY} stays do`, async () => {
    // Statistics that say the exclusion constraint's index (of holding stays) is empty: a plan
    // that joined every need to a walk of that whole index looked cheapest, and read every stay.
    await quietDeciders.transaction(async (tx) => {
      await insertStays(tx, 1, 3, 'CANCELLED');
      await tx.raw('ANALYZE stays');
      await insertStays(tx, PROPERTIES, STAYS_PER_PROPERTY);
      await expectReadsOnlyWhatTheyNeed(tx);
    });
  });
});

/** Four commands' reads over the grown ledger find their three stays each, reading little more. */
async function expectReadsOnlyWhatTheyNeed(tx: Knex.Transaction): Promise<void> {
  const ids = ['p7', 'p8', 'p9', 'p10'];
  const before = await staysRead(tx);
  const states = await read(tx, ids);
  const after = await staysRead(tx);
  for (const id of ids) expect([...states.get(id)!.stays.keys()].sort()).toEqual(['AIRBNB:r1', 'AIRBNB:r2', 'AIRBNB:r50']);
  // Three stays for each of four commands; a few index entries more is fine, a scan of a
  // property's stays or of the ledger is not.
  expect(after - before).toBeLessThan(ids.length * 3 * 3);
}

/** Each property's own stay (r50) and the stays holding 2027-01-04..2027-01-08: r1 (01-04..01-06) and r2 (01-07..01-09). */
function read(tx: Knex.Transaction, ids: readonly string[]) {
  const dates = parseStayDates('2027-01-04', '2027-01-08') as StayDates;
  return loadStates(tx, new Map(ids.map((id) => [id, 100])), ids.map((propertyId) => ({ propertyId, key: stayKey('AIRBNB', 'r50'), dates })));
}

/** Rows of `stays` this backend read so far (counts not yet reported to the statistics included). */
async function staysRead(tx: Knex.Transaction): Promise<number> {
  const { rows } = await tx.raw(`SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'stays'`);
  return Number((rows as { n: string }[])[0]!.n);
}

/** Properties p0..p(n-1), each with `perProperty` two-night stays three days apart from 2027-01-01 (those already there are kept). */
async function insertStays(tx: Knex.Transaction, properties: number, perProperty: number, status: 'CONFIRMED' | 'CANCELLED' = 'CONFIRMED'): Promise<void> {
  await tx.raw(`INSERT INTO properties (property_id, version) SELECT 'p' || p, 100 FROM generate_series(0, ?::int - 1) p ON CONFLICT DO NOTHING`, [properties]);
  await tx.raw(
    `INSERT INTO stays (property_id, stay_key, kind, source, ref, status, check_in, check_out, ledger_version)
     SELECT 'p' || p, 'AIRBNB:r' || i, 'booking', 'AIRBNB', 'r' || i, ?, DATE '2027-01-01' + 3 * i, DATE '2027-01-01' + 3 * i + 2, 1
     FROM generate_series(0, ?::int - 1) p, generate_series(0, ?::int - 1) i
     ON CONFLICT (property_id, stay_key) DO NOTHING`,
    [status, properties, perProperty],
  );
}
