import type { AvailabilityChange } from '@cm/schemas';
import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { FeedFetches } from '../src/store/feed-fetches';
import { SyncStore, type ListingKey } from '../src/store/sync-store';

const DAY = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const vrbo: ListingKey = { channel: 'VRBO', listingId: 'vrbo-1' };
const airbnb: ListingKey = { channel: 'AIRBNB', listingId: 'air-1' };
const NOW = 1_800_000_000_000;

function change(version: number, from: string, to: string, available = false): AvailabilityChange {
  return {
    event_id: `change-${version}-${from}`,
    property_id: 'p1',
    version,
    source: 'BOOKING_COM',
    correlation_id: `corr-${version}`,
    occurred_at: NOW - 60_000 + version,
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
 * The fetches of our iCal feeds on a real PostgreSQL: the feed's version is the highest ledger
 * version it shows; a fetch is kept as the highest version fetched; a feed channel's listing is
 * claimed only once a fetch carried one of its changes.
 */
describe('FeedFetches and the claim of a feed channel’s listings', () => {
  let ledger: ScratchDatabase;
  let store: SyncStore;
  let fetches: FeedFetches;

  beforeAll(async () => {
    ledger = await scratchDatabase(uniqueName('tff').toLowerCase(), [ledgerMigrations, syncMigrations]);
    store = new SyncStore(ledger.db, ['VRBO']);
    fetches = new FeedFetches(ledger.db);
  });
  afterAll(() => ledger.drop());
  beforeEach(async () => {
    for (const table of ['sync.nights', 'sync.listing_work', 'sync.feed_fetches']) await ledger.db(table).delete();
  });

  it('the feed shows the closed nights at the highest version among the listing’s nights, opened ones included', async () => {
    await store.applyChanges([{ change: change(3, '2027-05-01', '2027-05-03'), listings: [vrbo] }], NOW);
    await store.applyChanges([{ change: change(5, '2027-06-01', '2027-06-02', true), listings: [vrbo] }], NOW);
    expect(await store.closedNights(vrbo)).toEqual({ nights: ['2027-05-01', '2027-05-02'], changedAtMs: NOW - 60_000 + 5, version: 5 });
    expect(await store.closedNights({ channel: 'VRBO', listingId: 'nothing-yet' })).toEqual({ nights: [], changedAtMs: 0, version: 0 });
  });

  it('a feed channel’s listing is not claimed before a fetch, nor after a fetch of an older version; a fetch at its version makes it claimable', async () => {
    await store.applyChanges([{ change: change(4, '2027-05-01', '2027-05-03'), listings: [vrbo, airbnb] }], NOW);
    // The pushed channel is claimed as ever; the feed channel waits.
    expect((await store.claimDue({ owner: 'me', untilMs: NOW + 30_000 }, NOW, 10)).map((w) => w.channel)).toEqual(['AIRBNB']);

    expect(await fetches.record({ ...vrbo, version: 3, atMs: NOW + 1_000, status: 200 })).toBe(false);
    expect(await store.claimDue({ owner: 'me', untilMs: NOW + 30_001 }, NOW + 1_000, 10)).toEqual([]);

    expect(await fetches.record({ ...vrbo, version: 4, atMs: NOW + 2_000, status: 304 })).toBe(true);
    expect(await store.claimDue({ owner: 'me', untilMs: NOW + 30_002 }, NOW + 2_000, 10)).toMatchObject([{ ...vrbo, changesPending: 1 }]);
    expect(await fetches.fetchedVersionOf(vrbo)).toEqual({ version: 4, fetchedAtMs: NOW + 2_000, lastFetchedAtMs: NOW + 2_000 });
  });

  it('a reconciliation’s correction at a version already fetched (the channel lost it) is claimed only after a fetch that follows it', async () => {
    await store.applyChanges([{ change: change(4, '2027-05-01', '2027-05-02'), listings: [vrbo] }], NOW);
    await fetches.record({ ...vrbo, version: 4, atMs: NOW - 50_000, status: 200 });
    const [claimed] = await store.claimDue({ owner: 'me', untilMs: NOW + 30_000 }, NOW, 10);
    expect(claimed).toMatchObject(vrbo);
    await store.acknowledged({ listing: vrbo, owner: 'me', nights: [{ date: '2027-05-01', version: 4 }], nowMs: NOW, carried: 1 });
    // The correction happened after that fetch.
    await store.applyChanges([{ change: { ...change(4, '2027-05-01', '2027-05-02'), event_id: 'fix-4', reason: 'RECONCILIATION', occurred_at: NOW - 40_000 }, listings: [vrbo] }], NOW);
    expect(await store.claimDue({ owner: 'me', untilMs: NOW + 30_001 }, NOW, 10)).toEqual([]);
    expect(await fetches.record({ ...vrbo, version: 4, atMs: NOW - 30_000, status: 304 })).toBe(true);
    expect(await store.claimDue({ owner: 'me', untilMs: NOW + 30_002 }, NOW, 10)).toMatchObject([vrbo]);
  });

  it('one row per listing: a later fetch of the same version keeps when it was first fetched, and a crossing fetch of an older version lowers nothing', async () => {
    await fetches.record({ ...vrbo, version: 7, atMs: NOW, status: 200 });
    await fetches.record({ ...vrbo, version: 7, atMs: NOW + 60_000, status: 304 });
    await fetches.record({ ...vrbo, version: 6, atMs: NOW + 61_000, status: 200 });
    expect(await fetches.fetchedVersionOf(vrbo)).toEqual({ version: 7, fetchedAtMs: NOW, lastFetchedAtMs: NOW + 61_000 });
    expect(await ledger.db('sync.feed_fetches').select('channel', 'listing_id', 'last_fetched_at_ms', 'last_status')).toEqual([{ channel: 'VRBO', listing_id: 'vrbo-1', last_fetched_at_ms: NOW + 61_000, last_status: 200 }]);
    await fetches.record({ ...vrbo, version: 9, atMs: NOW + 62_000, status: 200 });
    expect(await fetches.fetchedVersionOf(vrbo)).toEqual({ version: 9, fetchedAtMs: NOW + 62_000, lastFetchedAtMs: NOW + 62_000 });
    expect(await fetches.fetchedVersionOf(airbnb)).toBeUndefined();
  });

  it('what the feed channels have not fetched: the oldest change per channel, and the listings holding one past the limit', async () => {
    const other: ListingKey = { channel: 'VRBO', listingId: 'vrbo-2' };
    await store.applyChanges([{ change: change(2, '2027-05-01', '2027-05-02'), listings: [vrbo, airbnb] }], NOW);
    await store.applyChanges([{ change: change(8, '2027-05-05', '2027-05-06'), listings: [other] }], NOW);
    const unfetched = await fetches.unfetched(['VRBO'], NOW - 60_000 + 5);
    expect(unfetched).toEqual([{ channel: 'VRBO', oldestChangedAtMs: NOW - 60_000 + 2, overdueListings: 1 }]);
    await store.acknowledged({ listing: vrbo, owner: 'nobody', nights: [{ date: '2027-05-01', version: 2 }], nowMs: NOW, carried: 1 });
    await store.acknowledged({ listing: other, owner: 'nobody', nights: [{ date: '2027-05-05', version: 8 }], nowMs: NOW, carried: 1 });
    expect(await fetches.unfetched(['VRBO'], NOW)).toEqual([]);
  });
});
