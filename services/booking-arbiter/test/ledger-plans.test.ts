import { createDatabase, type Knex } from '@cm/service-runtime';
import { genericPlanScans, stack, uniqueName } from '@cm/test-harness';
import { scratchLedger, type ScratchLedger } from '../src/ledger/migrations';
import { decisionWrites } from '../src/ledger/decision-write';
import { LEDGER_PLANNING, LOAD_STATES_SQL, openChunkSql } from '../src/ledger/store';

/**
 * The deciders' pool keeps a prepared statement's generic plan (LEDGER_PLANNING), made from the
 * ledger's sizes of the moment it was made. Whatever those sizes were, that plan must reach each
 * stay, guest and processed command by its key, so a decision's reads cannot grow with the ledger.
 */
describe('the plans a decision keeps look each row up by its key, however big the ledger was when they were made', () => {
  const FENCE_SQL = 'SELECT partition, generation FROM partition_fences WHERE topic = ? AND partition = ANY(?::int[]) FOR SHARE';
  const statements: Record<string, string> = { 'the chunk opening (fences, inbox, property locks)': openChunkSql(FENCE_SQL), 'the state read': LOAD_STATES_SQL };

  const ledgers: { name: string; fill: (tx: Knex.Transaction) => Promise<void> }[] = [
    { name: 'an empty ledger, never analysed', fill: async () => undefined },
    { name: 'a ledger of 3 stays, analysed', fill: (tx) => fillLedger(tx, { properties: 1, staysPerProperty: 3 }) },
    { name: 'a ledger of 3 cancelled stays (none holding a night), analysed', fill: (tx) => fillLedger(tx, { properties: 1, staysPerProperty: 3, status: 'CANCELLED' }) },
    { name: 'a ledger of 20,000 stays and commands, analysed', fill: (tx) => fillLedger(tx, { properties: 200, staysPerProperty: 100 }) },
  ];

  for (const { name, fill } of ledgers) {
    describe(name, () => {
      let ledger: ScratchLedger;
      let deciders: Knex;
      beforeAll(async () => {
        ledger = await scratchLedger(stack.DATABASE_URL, uniqueName('plans').toLowerCase());
        await ledger.db.transaction((tx) => fill(tx));
        deciders = createDatabase(ledger.url, { pool: { min: 0, max: 1 }, planning: LEDGER_PLANNING });
      });
      afterAll(async () => {
        await deciders?.destroy();
        await ledger?.drop();
      });

      for (const [statement, sql] of Object.entries(statements)) {
        it(`${statement}: every read of stays, guests and processed_commands is an index lookup by its key`, async () => {
          const scans = await genericPlanScans(deciders, sql);
          const keyed = scans.filter((s) => KEYS[s.table]);
          expect(keyed.length).toBeGreaterThan(0);
          for (const scan of keyed) {
            expect({ ...scan, bounded: scan.node !== 'Seq Scan' && KEYS[scan.table]!.every((key) => scan.condition.includes(key)) }).toEqual({ ...scan, bounded: true });
          }
        });
      }

      it('the decision write (one prepared statement) updates each property’s version by its key, and reads no other table', async () => {
        const parts = decisionWrites(deciders, { stays: [], guests: [], versions: [], audit: [], processed: [] });
        const scans = await genericPlanScans(deciders, `WITH ${parts.map((w, i) => `w${i} AS (${w.sql})`).join(', ')} SELECT 1`);
        expect(scans.filter((s) => s.table !== 'properties')).toEqual([]);
        expect(scans.map((s) => ({ node: s.node, byKey: s.condition.includes('property_id') }))).toEqual([{ node: expect.stringMatching(/Index|Bitmap/), byKey: true }]);
      });

      it('the state read finds the stays holding its nights by the exclusion constraint’s index, bounded by the property and the nights', async () => {
        const scans = await genericPlanScans(deciders, LOAD_STATES_SQL);
        const holding = scans.filter((s) => s.index === 'stays_no_double_booking');
        expect(holding).toHaveLength(1);
        expect(holding[0]!.condition).toMatch(/property_id = .*&&/);
      });
    });
  }
});

/** The columns each table must be looked up by: a scan of one of these tables without them reads the table, or a property's whole history. */
const KEYS: Record<string, readonly string[] | undefined> = { stays: ['property_id'], guests: ['property_id', 'stay_key'], processed_commands: ['command_id'] };

/** Properties p0..p(n-1) with two-night stays three days apart, a processed command for each, then ANALYZE. */
async function fillLedger(tx: Knex.Transaction, input: { properties: number; staysPerProperty: number; status?: 'CONFIRMED' | 'CANCELLED' }): Promise<void> {
  await tx.raw(`INSERT INTO properties (property_id, version) SELECT 'p' || p, 100 FROM generate_series(0, ?::int - 1) p`, [input.properties]);
  await tx.raw(
    `INSERT INTO stays (property_id, stay_key, kind, source, ref, status, check_in, check_out, ledger_version)
     SELECT 'p' || p, 'AIRBNB:r' || i, 'booking', 'AIRBNB', 'r' || i, ?, DATE '2027-01-01' + 3 * i, DATE '2027-01-01' + 3 * i + 2, 1
     FROM generate_series(0, ?::int - 1) p, generate_series(0, ?::int - 1) i`,
    [input.status ?? 'CONFIRMED', input.properties, input.staysPerProperty],
  );
  await tx.raw(
    `INSERT INTO processed_commands (command_id, property_id, outcome, partition, record_offset, decided_by, fence_generation, issued_at_ms)
     SELECT 'c-' || property_id || '-' || stay_key, property_id, 'applied', 0, 0, 'test', 1, 0 FROM stays`,
  );
  await tx.raw('ANALYZE');
}
