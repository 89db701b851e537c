import { noRates } from '@cm/domain';
import { NO_GUEST_DETAILS, epochDay } from '@cm/schemas';
import { createDatabase, DeadLetterWriter, Outbox, PartitionFences, Registry, type IncomingRecord, type Knex } from '@cm/service-runtime';
import { genericPlanScans, stack, testKafka, testLogger, uniqueName, type Scan } from '@cm/test-harness';
import { Arbiter } from '../src/arbiter';
import { scratchLedger, type ScratchLedger } from '../src/ledger/migrations';
import { decisionWrites } from '../src/ledger/decision-write';
import { LEDGER_PLANNING, LOAD_STATES_SQL, openChunkSql } from '../src/ledger/store';
import { createArbiterMetrics } from '../src/metrics';
import { arbiterWorld, command } from './environment';

/**
 * The deciders' pool keeps a prepared statement's generic plan (LEDGER_PLANNING), made from the
 * ledger's sizes of the moment it was made. Whatever those sizes were, that plan must reach each
 * stay, guest and processed command by its key, so a decision's reads cannot grow with the ledger.
 */
describe('the plans a decision keeps look each row up by its key, however big the ledger was when they were made', () => {
  const FENCE_SQL = 'SELECT partition, generation FROM partition_fences WHERE topic = ? AND partition = ANY(?::int[]) FOR SHARE';
  const statements: Record<string, string> = { 'the chunk opening (fences, inbox, property locks)': openChunkSql(FENCE_SQL), 'the state read': LOAD_STATES_SQL };
  // The pool plans every statement it sends once, without its values: not only the three
  // above. So every statement it sent while an arbiter decided a varied workload is caught here
  // and looked at on each ledger below.
  let sent: string[] = [];
  beforeAll(async () => {
    sent = await statementsTheDecidersSend();

  });

  it('the deciders\' pool sent the opening, the state read, the write, a partition\'s fence bump and a dead letter\'s statements while deciding', () => {
    const kinds = (sql: string) => (sql.includes('WITH fence AS') ? 'opening' : sql.includes('WITH n(property_id, stay_key') ? 'state read' : /^insert into "?partition_fences/i.test(sql) ? 'fence bump' : sql.includes('processed_commands') ? 'processed commands' : 'other');
    expect(new Set(sent.map(kinds))).toEqual(new Set(['opening', 'state read', 'fence bump', 'processed commands', 'other']));
  });

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

      it('every statement the deciders\' pool sent while deciding reads each table by its key in its generic plan', async () => {
        const unbounded: (Scan & { statement: string })[] = [];
        for (const sql of sent) {
          for (const scan of await genericPlanScans(deciders, sql)) {
            const keys = KEYS[scan.table];
            if (!keys || scan.node === 'Seq Scan' || !keys.every((key) => scan.condition.includes(key))) unbounded.push({ statement: sql.replace(/\s+/g, ' ').slice(0, 100), ...scan });
          }
        }
        expect(unbounded).toEqual([]);
      });

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
const KEYS: Record<string, readonly string[] | undefined> = {
  stays: ['property_id'],
  guests: ['property_id', 'stay_key'],
  processed_commands: ['command_id'],
  properties: ['property_id'],
  // A topic has a row per partition: a read bounded by the topic reads a dozen rows at most.
  partition_fences: ['topic'],
};

/**
 * Every statement text an arbiter's deciders' pool sends (transaction control aside) while it
 * takes a partition and decides a booking, a refused one, a duplicate, a chunk of every other
 * command kind and a record that is not a command, on a ledger of its own.
 */
async function statementsTheDecidersSend(): Promise<string[]> {
  const world = await arbiterWorld();
  const deciders = createDatabase(world.databaseUrl, { pool: { min: 0, max: 1 }, planning: LEDGER_PLANNING });
  const producer = await testKafka('plan-tests').producer();
  const caught = new Set<string>();
  deciders.on('query', (query: { sql: string }) => caught.add(query.sql));
  try {
    const fences = new PartitionFences(deciders, 'partition_fences', world.topics.bookingCommands, 'plans');
    fences.assigned([0]);
    const arbiter = new Arbiter({
      db: deciders,
      fences,
      metrics: createArbiterMetrics(new Registry(), async () => 0),
      deadLetters: new DeadLetterWriter(producer, world.serde, world.topics.channelDlq),
      log: testLogger,
      instanceId: 'plans',
      rates: noRates,
      replies: null,
      // Written in each decision's transaction and never published: its relay is not started.
      outbox: new Outbox(world.db, producer, world.serde, testLogger, { table: 'outbox', fences, namespace: world.namespace, batchSize: 100, idleMs: 50 }),
    });
    let offset = 0;
    const record = (): IncomingRecord => ({ topic: world.topics.bookingCommands, partition: 0, offset: String(offset++), key: null, value: null, headers: {}, timestamp: '0' });
    const nights = { check_in: epochDay('2027-03-01'), check_out: epochDay('2027-03-04') };
    const guest = { ...NO_GUEST_DETAILS, name: 'Ana', name_updated_at: 1, email: 'ana@example.org', email_updated_at: 1, phone: null, phone_updated_at: null };
    const booked = command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', guest, ...nights });
    await arbiter.handle(booked, record());
    await arbiter.handle(command({ property_id: 'plan-1', source: 'VRBO', booking_ref: 'B', ...nights }), record());
    await arbiter.handle(booked, record());
    await arbiter.handleChunk(
      [
        command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', source_version: 2, command_type: 'MODIFY_DATES', check_in: epochDay('2027-03-02'), check_out: epochDay('2027-03-05') }),
        command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', source_version: 3, command_type: 'UPDATE_GUEST', guest: { ...guest, phone: '+1 555', phone_updated_at: 2 } }),
        command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', source_version: 4, command_type: 'REPORT_PRICE', price: { amount_minor: 30_000, currency: 'EUR' } }),
        command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', source_version: 5, command_type: 'FLAG_DISPUTE', reason: 'guest disputes the stay' }),
        command({ property_id: 'plan-2', source: 'PMS', booking_ref: 'owner', command_type: 'BLOCK_NIGHTS', ...nights }),
        command({ property_id: 'plan-2', source: 'PMS', booking_ref: 'owner', source_version: 2, command_type: 'UNBLOCK_NIGHTS' }),
        command({ property_id: 'plan-1', source: 'AIRBNB', booking_ref: 'A', source_version: 6, command_type: 'CHANGE_STATUS', status: 'CANCELLED' }),
      ].map((value) => ({ value, record: record() })),
    );
    await arbiter.handle(command({ property_id: 'plan-3', check_in: epochDay('2027-03-05'), check_out: epochDay('2027-03-01') }), record());
    // Ten commands (the booking came twice), each decided or dead-lettered once.
    expect(await world.db('processed_commands').where('property_id', 'like', 'plan-%').pluck('command_id')).toHaveLength(10);
  } finally {
    await producer.disconnect();
    await deciders.destroy();
    await world.close();
  }
  return [...caught].filter((sql) => !/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(sql));
}

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
