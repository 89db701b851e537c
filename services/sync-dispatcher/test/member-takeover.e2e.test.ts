import type { LocalDate } from '@cm/domain';
import { samples, type ReservationAction } from '@cm/schemas';
import { createLogger, SessionLock, waitFor } from '@cm/service-runtime';
import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { MemberTakeover } from '../src/member-takeover';
import { ActionStore } from '../src/store/action-store';
import { enterReleasingPredecessor, memberLockName, releaseDeadMembers, type Incarnation } from '../src/store/member-leases';
import { RateStore } from '../src/store/rate-store';
import { SyncStore, type ListingKey } from '../src/store/sync-store';
import { reservationAction } from './fixtures/reservation-action';

const NOW = 1_800_000_000_000;
const LEASE_MS = 30_000;
const DAY = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const airbnb: ListingKey = { channel: 'AIRBNB', listingId: 'air-1' };
const vrbo: ListingKey = { channel: 'VRBO', listingId: 'vrbo-1' };
const expedia: ListingKey = { channel: 'EXPEDIA', listingId: 'exp-1' };
const log = createLogger('member-takeover-test', 'fatal');

const incarnation = (member: string, owner: string): Incarnation => ({ member, owner });

/** Two nights of property p1 closed by a booking on Booking.com, at `version`, for `listing`. */
function closing(listing: ListingKey, version: number) {
  const sample = samples['availability.changes']({ id: `${listing.listingId}-${version}`, propertyId: 'p1', at: NOW });
  return { change: { ...sample, version, source: 'BOOKING_COM' as const, except_channel: 'BOOKING_COM' as const, from_date: DAY('2027-05-01'), to_date: DAY('2027-05-03') }, listings: [listing] };
}

function acknowledge(bookingRef: string): { record: ReservationAction; traceParent: null } {
  return { record: reservationAction({ id: bookingRef, propertyId: 'p1', channel: 'BOOKING_COM', bookingRef, action: { kind: 'ACKNOWLEDGE', revision: 1 }, at: NOW }), traceParent: null };
}

/**
 * What a dead dispatcher process had leased and not finished is taken back at once, on a real
 * PostgreSQL: by its own restart (its KAFKA_GROUP_INSTANCE_ID kept, as Kubernetes restarts a
 * pod), or by a process its partitions move to. Only once the dead process's session, and with
 * it its member's lock, is gone; never a live member's leases, nor this process's own.
 */
describe('dispatcher processes take back a dead process\'s leases', () => {
  let scratch: ScratchDatabase;
  let listings: SyncStore;
  let actions: ActionStore;
  let rates: RateStore;
  const locks: SessionLock[] = [];
  const lockOf = async (member: string) => {
    const lock = await SessionLock.connect(scratch.url, memberLockName(member), { applicationName: 'member lock test', lost: () => undefined });
    locks.push(lock);
    return lock;
  };

  const connectLockOf = (member: string) => (lost: (error: Error) => void) => SessionLock.connect(scratch.url, memberLockName(member), { applicationName: 'member takeover test', lost });

  beforeAll(async () => {
    scratch = await scratchDatabase(uniqueName('tpl').toLowerCase(), [ledgerMigrations, syncMigrations]);
    listings = new SyncStore(scratch.db);
    actions = new ActionStore(scratch.db);
    rates = new RateStore(scratch.db);
  });
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.close().catch(() => undefined)));
    for (const table of ['members', 'nights', 'listing_work', 'reservation_actions', 'rate_dirty', 'rate_work']) await scratch.db(`sync.${table}`).delete();
  });
  afterAll(async () => scratch?.drop());

  const leaseOf = async (table: string, where: Record<string, string>) => (await scratch.db(`sync.${table}`).where(where).first('leased_by', 'leased_until_ms')) as { leased_by: string | null; leased_until_ms: number | null };

  it('listings, reservation actions and rate pushes the SIGKILLed process leased are claimable at once, not after LEASE_MS; another member\'s lease is kept', async () => {
    const before = incarnation('pod-0', 'pod-0.1');
    const oldLock = await lockOf('pod-0');
    expect(await oldLock.tryTake()).toBe(true);
    expect(await enterReleasingPredecessor(scratch.db, before, NOW - 60_000)).toEqual({ predecessor: null, recorded: false, listings: 0, actions: 0, rates: 0 });
    // What pod-0.1 leased just before it was killed, and what pod-1 holds.
    const held = { owner: 'pod-0.1', untilMs: NOW + 20_000 };
    expect((await listings.applyChanges([closing(airbnb, 1)], NOW, held)).leased).toHaveLength(1);
    expect((await listings.applyChanges([closing(vrbo, 1)], NOW, { owner: 'pod-1.1', untilMs: NOW + 20_000 })).leased).toHaveLength(1);
    expect((await actions.record([acknowledge('r1')], NOW, held)).leased).toHaveLength(1);
    await rates.mark([{ listing: { ...expedia, propertyId: 'p1' }, ratePlan: 'bar', from: '2027-05-01' as LocalDate, to: '2027-05-03' as LocalDate }], NOW);
    expect(await rates.claim(held, NOW, 10)).toHaveLength(1);

    // pod-0.2 starts while pod-0.1's session still lives: its lock is not free, so nothing is given back yet.
    const after = incarnation('pod-0', 'pod-0.2');
    const newLock = await lockOf('pod-0');
    expect(await newLock.tryTake()).toBe(false);
    // pod-0.1 dies: PostgreSQL ends its session, and the lock with it.
    await oldLock.close();
    expect(await newLock.tryTake()).toBe(true);
    expect(await enterReleasingPredecessor(scratch.db, after, NOW + 1_000)).toEqual({ predecessor: 'pod-0.1', recorded: true, listings: 1, actions: 1, rates: 1 });

    // Claimed by pod-0.2 a second after the kill, 19 s before pod-0.1's leases would have lapsed.
    const lease = { owner: 'pod-0.2', untilMs: NOW + 1_000 + LEASE_MS };
    expect(await listings.claimDue(lease, NOW + 1_000, 10)).toEqual([expect.objectContaining(airbnb)]);
    expect((await actions.claimDue(lease, NOW + 1_000, 10)).map((w) => w.record.event_id)).toEqual(['act-r1']);
    expect((await rates.claim(lease, NOW + 1_000, 10)).map((w) => w.listingId)).toEqual([expedia.listingId]);
    expect(await leaseOf('listing_work', { channel: 'VRBO' })).toMatchObject({ leased_by: 'pod-1.1', leased_until_ms: NOW + 20_000 });
    expect(await scratch.db('sync.members').select('member', 'owner')).toEqual([{ member: 'pod-0', owner: 'pod-0.2' }]);
  });

  it('a live process of a member, leasing before it could take its lock, keeps its leases when another finds the member\'s dead predecessor: each process leases under a name of its own', async () => {
    await enterReleasingPredecessor(scratch.db, incarnation('pod-0', 'pod-0/a1'), NOW);
    await listings.applyChanges([closing(airbnb, 1)], NOW, { owner: 'pod-0/a1', untilMs: NOW + LEASE_MS });
    // pod-0/b2 restarted in place with the same INSTANCE_ID (pid 1): it leases before its lock is taken.
    await listings.applyChanges([closing(vrbo, 1)], NOW + 5_000, { owner: 'pod-0/b2', untilMs: NOW + 5_000 + LEASE_MS });
    expect(await releaseDeadMembers(scratch.db, incarnation('pod-1', 'pod-1/c3'))).toEqual({ deadOwners: ['pod-0/a1'], listings: 1, actions: 0, rates: 0 });
    expect(await leaseOf('listing_work', { channel: 'AIRBNB' })).toEqual({ leased_by: null, leased_until_ms: null });
    expect(await leaseOf('listing_work', { channel: 'VRBO' })).toMatchObject({ leased_by: 'pod-0/b2' });
    // When it takes its lock, nobody is recorded for the member any more: nothing of its own is given back.
    expect(await enterReleasingPredecessor(scratch.db, incarnation('pod-0', 'pod-0/b2'), NOW + 6_000)).toEqual({ predecessor: null, recorded: false, listings: 0, actions: 0, rates: 0 });
    expect(await leaseOf('listing_work', { channel: 'VRBO' })).toMatchObject({ leased_by: 'pod-0/b2' });
  });

  it('the takeover tries the lock again each second while the predecessor\'s session lives, gives back once it ends, and wakes the loops', async () => {
    await enterReleasingPredecessor(scratch.db, incarnation('pod-3', 'pod-3.1'), NOW - 60_000);
    const oldLock = await lockOf('pod-3');
    expect(await oldLock.tryTake()).toBe(true);
    const farLease = { owner: 'pod-3.1', untilMs: Date.now() + 600_000 };
    await listings.applyChanges([closing(airbnb, 1)], NOW, farLease);
    let woken = 0;
    const takeover = new MemberTakeover({ db: scratch.db, connectLock: connectLockOf('pod-3'), log, now: Date.now, released: () => woken++ }, incarnation('pod-3', 'pod-3.2'), LEASE_MS);
    await takeover.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(woken).toBe(0);
      expect(await leaseOf('listing_work', { channel: 'AIRBNB' })).toMatchObject({ leased_by: 'pod-3.1' });
      await oldLock.close();
      await waitFor('the predecessor\'s leases given back', async () => woken === 1, { timeoutMs: 5_000, intervalMs: 50 });
      expect(await leaseOf('listing_work', { channel: 'AIRBNB' })).toEqual({ leased_by: null, leased_until_ms: null });
    } finally {
      await takeover.stop();
    }
  });

  it('partitions moved here: the leases of a member whose process is dead are given back; a live member\'s, and this process\'s own, are kept', async () => {
    for (const [member, owner] of [['pod-5', 'pod-5.1'], ['pod-6', 'pod-6.1'], ['pod-7', 'pod-7.1']] as const) await enterReleasingPredecessor(scratch.db, incarnation(member, owner), NOW);
    // pod-6 lives; pod-7 is this process (its lock held by its own session); pod-5 died.
    expect(await (await lockOf('pod-6')).tryTake()).toBe(true);
    expect(await (await lockOf('pod-7')).tryTake()).toBe(true);
    await listings.applyChanges([closing(airbnb, 1)], NOW, { owner: 'pod-5.1', untilMs: NOW + LEASE_MS });
    await listings.applyChanges([closing(vrbo, 1)], NOW, { owner: 'pod-6.1', untilMs: NOW + LEASE_MS });
    await listings.applyChanges([closing(expedia, 1)], NOW, { owner: 'pod-7.1', untilMs: NOW + LEASE_MS });
    expect((await actions.record([acknowledge('r5')], NOW, { owner: 'pod-5.1', untilMs: NOW + LEASE_MS + 1 })).leased).toHaveLength(1);

    expect(await releaseDeadMembers(scratch.db, incarnation('pod-7', 'pod-7.1'))).toEqual({ deadOwners: ['pod-5.1'], listings: 1, actions: 1, rates: 0 });
    expect(await leaseOf('listing_work', { channel: 'AIRBNB' })).toEqual({ leased_by: null, leased_until_ms: null });
    expect(await leaseOf('listing_work', { channel: 'VRBO' })).toMatchObject({ leased_by: 'pod-6.1' });
    expect(await leaseOf('listing_work', { channel: 'EXPEDIA' })).toMatchObject({ leased_by: 'pod-7.1' });
    // The dead member is forgotten; its lock was tried for that statement only, so its restart takes it at once.
    expect((await scratch.db('sync.members').orderBy('member').select('member')).map((m) => m.member)).toEqual(['pod-6', 'pod-7']);
    expect(await (await lockOf('pod-5')).tryTake()).toBe(true);
    expect(await releaseDeadMembers(scratch.db, incarnation('pod-7', 'pod-7.1'))).toEqual({ deadOwners: [], listings: 0, actions: 0, rates: 0 });
  });

  it('the takeover tells the loops only when a rebalance found a dead member\'s work', async () => {
    const pod8 = await lockOf('pod-8');
    expect(await pod8.tryTake()).toBe(true);
    await enterReleasingPredecessor(scratch.db, incarnation('pod-8', 'pod-8.1'), NOW);
    await listings.applyChanges([closing(airbnb, 1)], NOW, { owner: 'pod-8.1', untilMs: NOW + LEASE_MS });
    let woken = 0;
    const takeover = new MemberTakeover({ db: scratch.db, connectLock: connectLockOf('pod-9'), log, now: Date.now, released: () => woken++ }, incarnation('pod-9', 'pod-9.1'), LEASE_MS);
    try {
      // A rebalance while pod-8 lives: nothing to give back.
      await takeover.partitionsMoved();
      expect(woken).toBe(0);
      await pod8.close();
      await takeover.partitionsMoved();
      expect(woken).toBe(1);
    } finally {
      await takeover.stop();
    }
  });

  it('start settles once the lock is taken and the predecessor\'s leases are given back: the loops, started after it, find them; a later try\'s gift alone is told', async () => {
    await enterReleasingPredecessor(scratch.db, incarnation('pod-4', 'pod-4.1'), NOW);
    await listings.applyChanges([closing(airbnb, 1)], NOW, { owner: 'pod-4.1', untilMs: Date.now() + 600_000 });
    let woken = 0;
    const takeover = new MemberTakeover({ db: scratch.db, connectLock: connectLockOf('pod-4'), log, now: Date.now, released: () => woken++ }, incarnation('pod-4', 'pod-4.2'), LEASE_MS);
    await takeover.start();
    try {
      expect(await scratch.db('sync.members').where({ member: 'pod-4' }).first('owner')).toEqual({ owner: 'pod-4.2' });
      expect(await leaseOf('listing_work', { channel: 'AIRBNB' })).toEqual({ leased_by: null, leased_until_ms: null });
      expect(woken).toBe(0);
    } finally {
      await takeover.stop();
    }
  });

  it('the lock\'s session ended by PostgreSQL (a restart of it): the process takes its lock again and records itself again', async () => {
    const takeover = new MemberTakeover({ db: scratch.db, connectLock: connectLockOf('pod-10'), log, now: Date.now, released: () => undefined }, incarnation('pod-10', 'pod-10.1'), LEASE_MS);
    const heldElsewhere = async () => !(await scratch.db.raw<{ rows: { free: boolean }[] }>('SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS free', [memberLockName('pod-10')])).rows[0]!.free;
    await takeover.start();
    try {
      expect(await heldElsewhere()).toBe(true);
      // Meanwhile another process found it dead and forgot it.
      await scratch.db('sync.members').where({ member: 'pod-10' }).delete();
      await scratch.db.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'member takeover test'");
      await waitFor('the lock held again and the member recorded again', async () => (await heldElsewhere()) && (await scratch.db('sync.members').where({ member: 'pod-10', owner: 'pod-10.1' }).first()) !== undefined, { timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      await takeover.stop();
    }
    expect(await heldElsewhere()).toBe(false);
  });
});
