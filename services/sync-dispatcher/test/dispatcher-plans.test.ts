import { samples } from '@cm/schemas';
import { createDatabase, outboxInsert, type Knex } from '@cm/service-runtime';
import { genericPlanScans, scratchDatabase, uniqueName, type Scan, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { ActionStore } from '../src/store/action-store';
import { PushHistory } from '../src/store/push-calls';
import { RECORDING_PLANNING, runRecording, runRecordingsTogether } from '../src/store/recording';
import { SettleTogether } from '../src/store/settle-together';
import { SyncStore, type ListingKey } from '../src/store/sync-store';
import { reservationAction } from './fixtures/reservation-action';

const NOW = 1_800_000_000_000;
const DAY = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const lease = (owner: string) => ({ owner, untilMs: NOW + 30_000 });

/**
 * The recordings' pool plans each statement once, without its values (RECORDING_PLANNING): that
 * plan, made whatever the sync schema's sizes were, must reach every row by its key, so a
 * booking's recording and settlement cannot grow with the schema. The statements are the ones
 * the pool sends when a booking's changes and actions are recorded (alone and together) and its
 * pushes and action are settled with their outcomes and call logs, caught as they are sent.
 */
describe('the plans the dispatcher keeps for its recordings and settlements look rows up by their keys', () => {
  const schemas: { name: string; fill: (db: Knex) => Promise<void> }[] = [
    { name: 'an empty sync schema, never analysed', fill: async () => undefined },
    { name: 'a sync schema of 2,000 listings, 60,000 nights and 6,000 reservation actions, analysed', fill: fillSchema },
  ];

  for (const { name, fill } of schemas) {
    describe(name, () => {
      let scratch: ScratchDatabase;
      let recordings: Knex;
      let sent: string[] = [];

      beforeAll(async () => {
        scratch = await scratchDatabase(uniqueName('dpl').toLowerCase(), [ledgerMigrations, syncMigrations]);
        await fill(scratch.db);
        recordings = createDatabase(scratch.url, { pool: { min: 0, max: 1 }, planning: RECORDING_PLANNING });
        const caught = new Set<string>();
        const catchIt = (query: { sql: string }) => caught.add(query.sql);
        recordings.on('query', catchIt);
        await aBookingRecordedAndSettled(scratch.db, recordings);
        recordings.off('query', catchIt);
        sent = [...caught];
      });
      afterAll(async () => {
        await recordings?.destroy();
        await scratch?.drop();
      });

      it('a booking\'s recordings and settlements are the statements looked at (changes, actions, both, acknowledgements, finishes, both)', () => {
        expect(sent).toHaveLength(6);
      });

      it('every read of a sync table in each of their generic plans is an index lookup by the table\'s key', async () => {
        const unbounded: (Scan & { statement: string })[] = [];
        for (const sql of sent) {
          for (const scan of await genericPlanScans(recordings, sql)) {
            const bounded = scan.node !== 'Seq Scan' && (KEYS[scan.table] ?? []).some((key) => key.every((column) => scan.condition.includes(column)));
            if (!bounded) unbounded.push({ statement: sql.replace(/\s+/g, ' ').slice(0, 100), ...scan });
          }
        }
        expect(unbounded).toEqual([]);
      });
    });
  }
});

/** The columns a read of each table must be bounded by (any one set): without them it reads the table, or a channel's whole history. */
const KEYS: Record<string, readonly (readonly string[])[] | undefined> = {
  nights: [['channel', 'listing_id']],
  listing_work: [['channel', 'listing_id']],
  reservation_actions: [['event_id'], ['channel', 'booking_ref']],
};

/** A booking's work as the dispatcher's recordings pool does it: its changes and actions recorded, its pushes acknowledged and its action finished, with their outcomes and call logs. */
async function aBookingRecordedAndSettled(db: Knex, recordings: Knex): Promise<void> {
  const settle = new SettleTogether(recordings);
  const store = new SyncStore(db, [], settle);
  const actions = new ActionStore(db, settle);
  const history = new PushHistory(recordings, 'instance-a');
  const airbnb: ListingKey = { channel: 'AIRBNB', listingId: 'air-x' };
  const change = (listing: ListingKey, id: string) => {
    const sample = samples['availability.changes']({ id, propertyId: 'px', at: NOW });
    return { change: { ...sample, version: 1, from_date: DAY('2027-05-01'), to_date: DAY('2027-05-03') }, listings: [listing] };
  };
  const action = (ref: string) => ({ record: reservationAction({ id: ref, propertyId: 'px', channel: 'BOOKING_COM', bookingRef: ref, action: { kind: 'ACKNOWLEDGE', revision: 1 }, at: NOW }), traceParent: null });

  const applied = await runRecording(recordings, store.changesRecording([change(airbnb, 'c1')], NOW, lease('a'))!);
  const recorded = await runRecording(recordings, actions.actionsRecording([action('r1')], NOW, lease('a'))!);
  await runRecordingsTogether(recordings, store.changesRecording([change({ channel: 'VRBO', listingId: 'vrbo-x' }, 'c2')], NOW, lease('a'))!, actions.actionsRecording([action('r2')], NOW, lease('a'))!);

  const outcome = (id: string) => outboxInsert(recordings, 'sync.outbox', [{ eventId: id, topic: 'sync.results.v2', key: 'px', payload: { event_id: id }, partition: 0 }]);
  const call = (requestId: string) =>
    history.callInsert({
      requestId,
      attempt: 1,
      work: { ...airbnb, propertyId: 'px', attempts: 0, changesPending: 1 },
      ranges: [{ from: '2027-05-01', to: '2027-05-03', available: false }],
      nights: applied.leased[0]!.nights,
      newestVersion: 1,
      isReconciliation: false,
      outcome: 'acknowledged',
      httpStatus: 200,
      error: null,
      answeredAtMs: NOW,
    });
  const acknowledgement = () => store.acknowledged({ listing: airbnb, owner: 'a', nights: applied.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW + 10, carried: 1, writes: [...outcome('o1'), call('q1')] });
  const finish = () => actions.finish({ action: recorded.leased[0]!.record, owner: 'a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: outcome('o2'), next: lease('a') });
  await acknowledgement();
  await finish();
  // Both within the settlement's linger: one statement.
  await Promise.all([acknowledgement(), finish()]);
}

async function fillSchema(db: Knex): Promise<void> {
  await db.raw(`INSERT INTO sync.listing_work (channel, listing_id, property_id, due_at_ms, changes_pending)
    SELECT 'AIRBNB', 'l' || i, 'p' || (i / 5), 0, 0 FROM generate_series(1, 2000) i`);
  await db.raw(`INSERT INTO sync.nights (channel, listing_id, night, property_id, available, version, pushed_version, source, change_event_id, correlation_id, changed_at_ms)
    SELECT 'AIRBNB', 'l' || i, DATE '2027-01-01' + d, 'p' || (i / 5), d % 3 <> 0, 2, CASE WHEN d % 10 = 0 THEN 1 ELSE 2 END, 'PMS', 'e' || i || '-' || d, 'c', 0
    FROM generate_series(1, 2000) i, generate_series(0, 29) d`);
  await db.raw(`INSERT INTO sync.reservation_actions (event_id, property_id, channel, booking_ref, version, record, status, due_at_ms)
    SELECT 'a' || i, 'p' || (i / 5), 'BOOKING_COM', 'b' || (i / 3), i % 3, '{}'::jsonb, CASE WHEN i % 4 = 0 THEN 'pending' ELSE 'done' END, 0 FROM generate_series(1, 6000) i`);
  await db.raw('ANALYZE');
}
