import type { ReservationAction } from '@cm/schemas';
import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { ActionStore } from '../src/store/action-store';
import { reservationAction } from './fixtures/reservation-action';
import { runRecording, runRecordingsTogether } from '../src/store/recording';
import { SettleTogether } from '../src/store/settle-together';
import { SyncStore } from '../src/store/sync-store';

const NOW = 1_800_000_000_000;
const LEASE_MS = 30_000;
const mine = (untilMs = NOW + LEASE_MS) => ({ owner: 'dispatcher-a', untilMs });
const theirs = (untilMs = NOW + LEASE_MS) => ({ owner: 'dispatcher-b', untilMs });

let seq = 0;
function actionOf(bookingRef: string, version: number, kind: 'ACKNOWLEDGE' | 'HOST_CANCEL' = 'ACKNOWLEDGE'): { record: ReservationAction; traceParent: null } {
  seq += 1;
  const action = kind === 'ACKNOWLEDGE' ? { kind, revision: version } : { kind, reason: 'overbooked' };
  return { record: reservationAction({ id: `${bookingRef}-${version}-${seq}`, propertyId: 'p1', channel: 'BOOKING_COM', bookingRef, action, version, at: NOW }), traceParent: null };
}

/**
 * A reservation's actions go one at a time, in the ledger's order, on a real PostgreSQL: the first
 * is leased as it is recorded, the next waits; finishing one leases the next in the same
 * statement and hands it over, so the runner carries it out without a claim of its own.
 */
describe('ActionStore: a finished action hands its reservation the next one', () => {
  let scratch: ScratchDatabase;
  let store: ActionStore;

  beforeAll(async () => {
    scratch = await scratchDatabase(uniqueName('tas').toLowerCase(), [ledgerMigrations, syncMigrations]);
    store = new ActionStore(scratch.db);
  });
  afterAll(async () => scratch?.drop());

  const leasedBy = async (eventId: string) => ((await scratch.db('sync.reservation_actions').where({ event_id: eventId }).first()) as { leased_by: string | null; status: string }).leased_by;

  it('the first action of a reservation is leased as recorded, the next waits; finishing the first hands over the next, finishing the last hands over nothing', async () => {
    const first = actionOf('r1', 1);
    const second = actionOf('r1', 2, 'HOST_CANCEL');
    const recorded = await store.record([first, second], NOW, mine());
    expect(recorded.recorded).toBe(2);
    expect(recorded.leased.map((w) => w.record.event_id)).toEqual([first.record.event_id]);
    expect(await leasedBy(second.record.event_id)).toBeNull();

    const next = await store.finish({ action: first.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 1) });
    expect(next).toEqual({ record: second.record, attempts: 0, traceParent: null });
    expect(await leasedBy(second.record.event_id)).toBe('dispatcher-a');

    expect(await store.finish({ action: second.record, owner: 'dispatcher-a', status: 'refused', outcome: 'refused', error: 'no such operation', nowMs: NOW + 20, writes: [], next: mine(NOW + LEASE_MS + 2) })).toBeNull();
    const rows = await scratch.db('sync.reservation_actions').whereIn('event_id', [first.record.event_id, second.record.event_id]).orderBy('version').select('status', 'outcome', 'last_error', 'leased_by');
    expect(rows).toEqual([
      { status: 'done', outcome: 'done', last_error: null, leased_by: null },
      { status: 'refused', outcome: 'refused', last_error: 'no such operation', leased_by: null },
    ]);
  });

  it('with two actions waiting, only the earlier is handed over; the later waits for it', async () => {
    const [first, second, third] = [actionOf('r2', 1), actionOf('r2', 2), actionOf('r2', 3)];
    await store.record([first, second, third], NOW, mine());
    const next = await store.finish({ action: first.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 3) });
    expect(next?.record.event_id).toBe(second.record.event_id);
    expect(await leasedBy(third.record.event_id)).toBeNull();
  });

  it('actions of two reservations finished together are written in one statement, and each hands over its own reservation’s next action', async () => {
    const [a1, a2, b1, b2] = [actionOf('r6', 1), actionOf('r6', 2), actionOf('r7', 1), actionOf('r7', 2)];
    await store.record([a1, a2, b1, b2], NOW, mine());
    const statements: string[] = [];
    const count = (query: { sql: string }) => statements.push(query.sql);
    scratch.db.on('query', count);
    const [afterA, afterB] = await Promise.all([
      store.finish({ action: a1.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 6) }),
      store.finish({ action: b1.record, owner: 'dispatcher-a', status: 'refused', outcome: 'refused', error: 'gone', nowMs: NOW + 11, writes: [], next: mine(NOW + LEASE_MS + 7) }),
    ]);
    scratch.db.off('query', count);
    expect(statements).toHaveLength(1);
    expect(afterA?.record.event_id).toBe(a2.record.event_id);
    expect(afterB?.record.event_id).toBe(b2.record.event_id);
  });

  it('a finish and a push acknowledgement at the same time are one statement (SettleTogether), each with its own answer', async () => {
    const settle = new SettleTogether(scratch.db);
    const actions = new ActionStore(scratch.db, settle);
    const sync = new SyncStore(scratch.db, [], settle);
    const listing = { channel: 'AIRBNB' as const, listingId: 'air-settle' };
    const pushed = await sync.applyChanges([{ change: { event_id: 'chg-settle', property_id: 'p1', version: 4, source: 'PMS', correlation_id: 'c', occurred_at: NOW, from_date: 20_000, to_date: 20_002, available: false, nightly_price: null, reason: 'BOOKING', except_channel: null, only_channel: null }, listings: [listing] }], NOW, mine(NOW + LEASE_MS + 20));
    const [first, second] = [actionOf('r8', 1), actionOf('r8', 2)];
    await actions.record([first, second], NOW, mine());
    const statements: string[] = [];
    const count = (query: { sql: string }) => statements.push(query.sql);
    scratch.db.on('query', count);
    const [next, more] = await Promise.all([
      actions.finish({ action: first.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 21) }),
      sync.acknowledged({ listing, owner: 'dispatcher-a', nights: pushed.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW + 10, carried: 1 }),
    ]);
    scratch.db.off('query', count);
    expect(statements).toHaveLength(1);
    expect(next?.record.event_id).toBe(second.record.event_id);
    expect(more).toBe(false);
    expect(await scratch.db('sync.nights').where({ listing_id: 'air-settle' }).whereRaw('pushed_version = version').count('* as n').first()).toEqual({ n: 2 });
  });

  it('a change and an action recorded together are one statement, and each reads as it would alone', async () => {
    const sync = new SyncStore(scratch.db);
    const listing = { channel: 'VRBO' as const, listingId: 'vrbo-together' };
    const change = { event_id: 'chg-together', property_id: 'p1', version: 5, source: 'PMS' as const, correlation_id: 'c', occurred_at: NOW, from_date: 20_010, to_date: 20_013, available: false, nightly_price: { amount_minor: 9_900, currency: 'EUR' }, reason: 'BOOKING' as const, except_channel: null, only_channel: null };
    const [first, second] = [actionOf('r9', 1), actionOf('r9', 2)];
    const statements: string[] = [];
    const count = (query: { sql: string }) => statements.push(query.sql);
    scratch.db.on('query', count);
    const [applied, recorded] = await runRecordingsTogether(scratch.db, sync.changesRecording([{ change, listings: [listing] }], NOW, mine(NOW + LEASE_MS + 30))!, store.actionsRecording([first, second], NOW, mine(NOW + LEASE_MS + 31))!);
    scratch.db.off('query', count);
    expect(statements).toHaveLength(1);
    expect(applied.touched).toEqual([listing]);
    expect(applied.leased.map((l) => [l.work.listingId, l.work.changesPending, l.nights.map((n) => [n.date, n.available, n.version, n.price, n.changedAtMs])])).toEqual([
      ['vrbo-together', 1, ['2024-10-14', '2024-10-15', '2024-10-16'].map((date) => [date, false, 5, { amount_minor: 9_900, currency: 'EUR' }, NOW])],
    ]);
    expect(recorded.recorded).toBe(2);
    expect(recorded.leased.map((w) => [w.record.event_id, w.attempts, w.traceParent])).toEqual([[first.record.event_id, 0, null]]);
    // Alone, the same recordings read the same (a replay records nothing new).
    const again = await runRecording(scratch.db, store.actionsRecording([first, second], NOW, mine(NOW + LEASE_MS + 32))!);
    expect(again).toEqual({ recorded: 0, leased: [] });
  });

  it('a next action another instance holds, or one not due yet, is not handed over', async () => {
    const [first, second] = [actionOf('r3', 1), actionOf('r3', 2)];
    await store.record([first, second], NOW, mine());
    await scratch.db('sync.reservation_actions').where({ event_id: second.record.event_id }).update({ leased_by: 'dispatcher-b', leased_until_ms: NOW + LEASE_MS });
    expect(await store.finish({ action: first.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 4) })).toBeNull();
    expect(await leasedBy(second.record.event_id)).toBe('dispatcher-b');

    const [early, later] = [actionOf('r4', 1), actionOf('r4', 2)];
    await store.record([early, later], NOW, mine());
    await scratch.db('sync.reservation_actions').where({ event_id: later.record.event_id }).update({ due_at_ms: NOW + 60_000 });
    expect(await store.finish({ action: early.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + 10, writes: [], next: mine(NOW + LEASE_MS + 5) })).toBeNull();
  });

  it('an instance whose lease lapsed and was taken neither finishes the action nor hands over the next', async () => {
    const [first, second] = [actionOf('r5', 1), actionOf('r5', 2)];
    await store.record([first, second], NOW, mine());
    // dispatcher-a's lease lapsed; dispatcher-b claimed the action and is carrying it out.
    const claimed = await store.claimDue(theirs(NOW + 2 * LEASE_MS), NOW + LEASE_MS + 1, 10);
    expect(claimed.map((w) => w.record.event_id)).toContain(first.record.event_id);
    expect(await store.finish({ action: first.record, owner: 'dispatcher-a', status: 'done', outcome: 'done', error: null, nowMs: NOW + LEASE_MS + 2, writes: [], next: mine(NOW + 2 * LEASE_MS + 1) })).toBeNull();
    expect(await leasedBy(first.record.event_id)).toBe('dispatcher-b');
    expect(await leasedBy(second.record.event_id)).toBeNull();
  });
});
