import type { AvailabilityChange } from '@cm/schemas';
import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { SyncStore, type ListingKey } from '../src/store/sync-store';

const DAY = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const airbnb: ListingKey = { channel: 'AIRBNB', listingId: 'air-1' };
const vrbo: ListingKey = { channel: 'VRBO', listingId: 'vrbo-1' };

function change(version: number, from: string, to: string, available = false): AvailabilityChange {
  return {
    event_id: `change-${version}-${from}`,
    property_id: 'p1',
    version,
    source: 'BOOKING_COM',
    correlation_id: `corr-${version}`,
    occurred_at: 1_700_000_000_000 + version,
    from_date: DAY(from),
    to_date: DAY(to),
    available,
    nightly_price: null,
    reason: 'BOOKING',
    except_channel: 'BOOKING_COM',
    only_channel: null,
  };
}

/**
 * The sync store on a real PostgreSQL: recording changes leases, in the same statement, the
 * listings that had nothing pending, so their push starts without a claim; every other listing
 * is left to the claim loop, and a lease held by anyone is never taken.
 */
describe('SyncStore: leasing while recording', () => {
  let ledger: ScratchDatabase;
  let store: SyncStore;
  const NOW = 1_800_000_000_000;
  const lease = (owner: string, untilMs: number) => ({ owner, untilMs });

  beforeAll(async () => {
    ledger = await scratchDatabase(uniqueName('tss').toLowerCase(), [ledgerMigrations, syncMigrations]);
    store = new SyncStore(ledger.db);
  });
  afterAll(() => ledger.drop());
  beforeEach(async () => {
    await ledger.db('sync.nights').delete();
    await ledger.db('sync.listing_work').delete();
  });

  it('a new listing is leased as it is recorded and comes back with exactly the nights it must show', async () => {
    const applied = await store.applyChanges([{ change: change(3, '2027-05-01', '2027-05-04'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    expect(applied.touched).toEqual([airbnb]);
    expect(applied.leased).toHaveLength(1);
    expect(applied.leased[0]!.work).toMatchObject({ ...airbnb, propertyId: 'p1', attempts: 0, changesPending: 1 });
    expect(applied.leased[0]!.nights.map((n) => [n.date, n.available, n.version])).toEqual([
      ['2027-05-01', false, 3],
      ['2027-05-02', false, 3],
      ['2027-05-03', false, 3],
    ]);
    // Claiming finds nothing more: the listing is ours already.
    expect(await store.claimDue(lease('other', NOW + 30_001), NOW, 10)).toEqual([]);
  });

  it('a listing with unacknowledged changes is not leased here: the claim loop pushes all its pending nights together', async () => {
    await store.applyChanges([{ change: change(1, '2027-05-01', '2027-05-02'), listings: [airbnb] }], NOW, undefined);
    const applied = await store.applyChanges([{ change: change(2, '2027-06-01', '2027-06-02'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    expect(applied.leased).toEqual([]);
    const [claimed] = await store.claimDue(lease('me', NOW + 30_001), NOW, 10);
    expect(claimed).toMatchObject({ ...airbnb, changesPending: 2 });
    const pending = await store.pendingNightsOf([airbnb]);
    expect([...pending.values()][0]!.map((n) => n.date)).toEqual(['2027-05-01', '2027-06-01']);
  });

  it('a listing leased by this instance (a push in flight) or another is not taken; its new changes wait, counted', async () => {
    const first = await store.applyChanges([{ change: change(1, '2027-05-01', '2027-05-02'), listings: [airbnb, vrbo] }], NOW, lease('me', NOW + 30_000));
    expect(first.leased).toHaveLength(2);
    await store.acknowledged({ listing: vrbo, owner: 'me', nights: [{ date: '2027-05-01', version: 1 }], nowMs: NOW, carried: 1 });
    await store.release(vrbo, 'me', NOW, 0, null);
    // VRBO taken by another instance's claim meanwhile (its lease is still running).
    await ledger.db('sync.listing_work').where({ channel: 'VRBO' }).update({ leased_by: 'other', leased_until_ms: NOW + 60_000 });

    const second = await store.applyChanges([{ change: change(2, '2027-05-01', '2027-05-02', true), listings: [airbnb, vrbo] }], NOW + 1, lease('me', NOW + 30_001));
    expect(second.leased).toEqual([]);
    const rows = await ledger.db('sync.listing_work').orderBy('channel').select('channel', 'leased_by', 'changes_pending');
    expect(rows).toEqual([
      { channel: 'AIRBNB', leased_by: 'me', changes_pending: 2 },
      { channel: 'VRBO', leased_by: 'other', changes_pending: 1 },
    ]);
  });

  it('after an acknowledgement that carried everything, the next change is leased at once again', async () => {
    const first = await store.applyChanges([{ change: change(1, '2027-05-01', '2027-05-03'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    const more = await store.acknowledged({ listing: airbnb, owner: 'me', nights: first.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW, carried: 1 });
    expect(more).toBe(false);
    const next = await store.applyChanges([{ change: change(2, '2027-05-02', '2027-05-03', true), listings: [airbnb] }], NOW + 5, lease('me', NOW + 30_005));
    expect(next.leased.map((l) => l.nights.map((n) => [n.date, n.available, n.version]))).toEqual([[['2027-05-02', true, 2]]]);
  });

  it('an acknowledgement answers whether the listing changed during its push (it is due again now)', async () => {
    const first = await store.applyChanges([{ change: change(1, '2027-05-01', '2027-05-02'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    await store.applyChanges([{ change: change(2, '2027-05-01', '2027-05-02', true), listings: [airbnb] }], NOW + 1, lease('me', NOW + 30_001));
    const more = await store.acknowledged({ listing: airbnb, owner: 'me', nights: first.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW + 2, carried: 1 });
    expect(more).toBe(true);
    const [claimed] = await store.claimDue(lease('me', NOW + 30_002), NOW + 2, 10);
    expect(claimed).toMatchObject({ ...airbnb, changesPending: 1 });
    expect([...(await store.pendingNightsOf([airbnb])).values()][0]!.map((n) => [n.available, n.version])).toEqual([[true, 2]]);
  });

  it('a replayed older change leases the listing but brings no night: nothing older is ever pushed after something newer', async () => {
    const first = await store.applyChanges([{ change: change(5, '2027-05-01', '2027-05-02', true), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    await store.acknowledged({ listing: airbnb, owner: 'me', nights: first.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW, carried: 1 });
    const replay = await store.applyChanges([{ change: change(4, '2027-05-01', '2027-05-02', false), listings: [airbnb] }], NOW + 1, lease('me', NOW + 30_001));
    expect(replay.leased).toHaveLength(1);
    expect(replay.leased[0]!.nights).toEqual([]);
    const night = await ledger.db('sync.nights').first('available', 'version', 'pushed_version');
    expect(night).toEqual({ available: true, version: 5, pushed_version: 5 });
  });

  it('a reconciliation at the version already acknowledged makes the night pending again (the channel lost it); an ordinary replay does not', async () => {
    const first = await store.applyChanges([{ change: change(7, '2027-05-01', '2027-05-02'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    await store.acknowledged({ listing: airbnb, owner: 'me', nights: first.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW, carried: 1 });
    const replay = await store.applyChanges([{ change: change(7, '2027-05-01', '2027-05-02'), listings: [airbnb] }], NOW + 1, lease('me', NOW + 30_001));
    expect(replay.leased[0]!.nights).toEqual([]);
    const correction = { ...change(7, '2027-05-01', '2027-05-02'), event_id: 'reconcile-1', reason: 'RECONCILIATION' as const, only_channel: 'AIRBNB' as const, except_channel: null };
    await store.release(airbnb, 'me', NOW + 1, 0, null, 1);
    const corrected = await store.applyChanges([{ change: correction, listings: [airbnb] }], NOW + 2, lease('me', NOW + 30_002));
    expect(corrected.leased[0]!.nights.map((n) => [n.date, n.available, n.version, n.isReconciliation])).toEqual([['2027-05-01', false, 7, true]]);
    // An older reconciliation never overwrites a newer state.
    const stale = await store.applyChanges([{ change: { ...correction, version: 6, event_id: 'reconcile-0', available: true }, listings: [airbnb] }], NOW + 3, undefined);
    expect(stale.touched).toEqual([airbnb]);
    expect(await ledger.db('sync.nights').first('available', 'version')).toEqual({ available: false, version: 7 });
  });
  // Found by a review: versions are each property's own, and a remapped listing kept the old property's, so the new one's lower versions were never recorded or pushed.
  it("a listing remapped to another property takes that property's states, whatever their versions, and they are pending; that property's older versions still lose", async () => {
    const first = await store.applyChanges([{ change: change(500, '2027-05-01', '2027-05-04'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    await store.acknowledged({ listing: airbnb, owner: 'me', nights: first.leased[0]!.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW, carried: 1 });

    const other = (version: number, from: string, to: string, available: boolean) => ({ ...change(version, from, to, available), property_id: 'p2', event_id: `p2-${version}-${from}` });
    const moved = await store.applyChanges([{ change: other(20, '2027-05-02', '2027-05-03', true), listings: [airbnb] }], NOW + 1, lease('me', NOW + 30_001));
    expect(moved.leased).toHaveLength(1);
    expect(moved.leased[0]!.work.propertyId).toBe('p2');
    expect(moved.leased[0]!.nights.map((n) => [n.date, n.available, n.version])).toEqual([['2027-05-02', true, 20]]);
    expect(await ledger.db('sync.nights').where({ night: '2027-05-02' }).first('property_id', 'available', 'version', 'pushed_version')).toEqual({ property_id: 'p2', available: true, version: 20, pushed_version: 0 });
    expect(await ledger.db('sync.listing_work').first('property_id')).toEqual({ property_id: 'p2' });

    // The listing's nights are p2's from now on: its own older change loses as any older change does.
    await store.acknowledged({ listing: airbnb, owner: 'me', nights: [{ date: '2027-05-02', version: 20 }], nowMs: NOW + 2, carried: 1 });
    const older = await store.applyChanges([{ change: other(19, '2027-05-02', '2027-05-03', false), listings: [airbnb] }], NOW + 3, lease('me', NOW + 30_003));
    expect(older.leased[0]!.nights).toEqual([]);
    expect(await ledger.db('sync.nights').where({ night: '2027-05-02' }).first('available', 'version', 'pushed_version')).toEqual({ available: true, version: 20, pushed_version: 20 });
  });

  it("a push of the old property's nights answered after the remap does not acknowledge the new property's night at the same version", async () => {
    const first = await store.applyChanges([{ change: change(1, '2027-05-01', '2027-05-02'), listings: [airbnb] }], NOW, lease('me', NOW + 30_000));
    const inFlight = first.leased[0]!;
    // Meanwhile the listing is remapped, and the new property's first change (version 1 too) is recorded.
    await store.applyChanges([{ change: { ...change(1, '2027-05-01', '2027-05-02', true), property_id: 'p2', event_id: 'p2-1' }, listings: [airbnb] }], NOW + 1, undefined);
    await store.acknowledged({ listing: inFlight.work, owner: 'me', nights: inFlight.nights.map((n) => ({ date: n.date, version: n.version })), nowMs: NOW + 2, carried: 1 });
    expect(await ledger.db('sync.nights').first('property_id', 'available', 'version', 'pushed_version')).toEqual({ property_id: 'p2', available: true, version: 1, pushed_version: 0 });
  });

  it('thousands of nights with prices and traces are one statement (past the old bind-limit split) and come back as recorded', async () => {
    const priced = { ...change(9, '2027-01-01', '2029-12-31', true), nightly_price: { amount_minor: 12_345, currency: 'EUR' } };
    const listings = [airbnb, vrbo, { channel: 'EXPEDIA' as const, listingId: 'exp-1' }];
    let statements = 0;
    const count = () => statements++;
    ledger.db.on('query', count);
    const applied = await store.applyChanges([{ change: priced, listings, traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }], NOW, lease('me', NOW + 30_000));
    ledger.db.off('query', count);
    expect(statements).toBe(1);
    expect(applied.leased).toHaveLength(3);
    const nights = applied.leased.flatMap((l) => l.nights);
    expect(nights).toHaveLength(3 * (priced.to_date - priced.from_date));
    expect(new Set(nights.map((n) => `${n.price?.amount_minor} ${n.price?.currency} ${n.available} ${n.traceParent}`))).toEqual(new Set(['12345 EUR true 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']));
    expect(applied.leased[0]!.nights[0]!.date).toBe('2027-01-01');
  });
});
