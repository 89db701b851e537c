import { noRates, type CurrencyCode, type LocalDate } from '@cm/domain';
import { addConnection, addProperty, createTenant, DIRECTORY_CHANGES_CHANNEL, Directory, DirectoryChanges, issueApiKey, mapListing, revokeApiKey, rotateConnectionSecrets, setListingPricing, UNHEARD_CACHE_MS } from '@cm/directory';
import { NEW_RATE_PLANS_CHANNEL, RatesStore } from '@cm/rates';
import { createLogger, createMetricsRegistry, PgListener, waitFor, type Knex } from '@cm/service-runtime';
import { scratchDatabase, statementsOf, sumMetric, testKeyRing, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ingestMigrations } from '../src/directory/migrations';
import { StayQuotes } from '../src/quotes/stay-quotes';

/**
 * The directory's caches hear of every change to its tables (a trigger's NOTIFY, DirectoryChanges'
 * LISTEN), on the real PostgreSQL: a revoked key, a rotated secret or a new rate plan is seen at
 * once though the cache would keep the old for ten minutes.
 */
let scratch: ScratchDatabase;
let db: Knex;
let n = 0;
const id = (what: string) => `${what}-${++n}`;
const log = createLogger('directory-changes-test', 'fatal');
const TEN_MINUTES = 600_000;
const d = (date: string) => date as LocalDate;

beforeAll(async () => {
  scratch = await scratchDatabase(uniqueName('changes').toLowerCase(), [ingestMigrations]);
  db = scratch.db;
});

afterAll(async () => scratch?.drop());

/** A Directory whose caches keep entries ten minutes and follow `changes`. */
function followingDirectory(changes: DirectoryChanges): Directory {
  const directory = new Directory(db, changes.cacheTime(TEN_MINUTES), testKeyRing);
  changes.follow(() => directory.forget());
  return directory;
}

async function listening(changes: DirectoryChanges): Promise<void> {
  changes.start();
  await waitFor('the directory changes to be heard', () => changes.heard, { timeoutMs: 5_000, intervalMs: 10 });
}

async function tenantWithKey() {
  const tenantId = id('tenant');
  await createTenant(db, { tenantId, name: tenantId });
  return { tenantId, key: await issueApiKey(db, tenantId, 'test') };
}

it('a revoked key is refused as soon as the revocation commits, where a cache that does not hear keeps it for its time', async () => {
  const changes = new DirectoryChanges(db, log);
  await listening(changes);
  try {
    const directory = followingDirectory(changes);
    const deaf = new Directory(db, TEN_MINUTES, testKeyRing);
    const { tenantId, key } = await tenantWithKey();
    expect(await directory.tenantOfKey(key)).toMatchObject({ tenantId });
    expect(await deaf.tenantOfKey(key)).toMatchObject({ tenantId });

    await revokeApiKey(db, key);
    await waitFor('the revoked key to be refused', async () => (await directory.tenantOfKey(key)) === undefined, { timeoutMs: 2_000, intervalMs: 5 });
    expect(await deaf.tenantOfKey(key)).toMatchObject({ tenantId });
  } finally {
    await changes.stop();
  }
});

it("a connection's rotated webhook secret is the one verified from the rotation on", async () => {
  const changes = new DirectoryChanges(db, log);
  await listening(changes);
  try {
    const directory = followingDirectory(changes);
    const { tenantId } = await tenantWithKey();
    const { connectionId } = await addConnection(db, testKeyRing, { connectionId: id('connection'), tenantId, channel: 'AIRBNB' });
    const before = (await directory.connection(connectionId))!.secret;
    const { webhookSecret } = await rotateConnectionSecrets(db, testKeyRing, connectionId, { webhookSecret: true });
    expect(webhookSecret).not.toBe(before);
    await waitFor('the rotated secret', async () => (await directory.connection(connectionId))?.secret === webhookSecret, { timeoutMs: 2_000, intervalMs: 5 });
  } finally {
    await changes.stop();
  }
});

it('a write to each table the services cache notifies, with its name; a read notifies nobody', async () => {
  const heard: string[] = [];
  const listener = new PgListener(db, [DIRECTORY_CHANGES_CHANNEL], { notified: (table) => heard.push(table), listening: () => undefined }, log, 'a test');
  listener.start();
  try {
    await waitFor('the listener', () => listener.listening, { timeoutMs: 5_000, intervalMs: 10 });
    const { tenantId } = await tenantWithKey();
    const propertyId = id('villa');
    await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    const { connectionId } = await addConnection(db, testKeyRing, { connectionId: id('connection'), tenantId, channel: 'AIRBNB' });
    const listing = { channel: 'AIRBNB' as const, listingId: id('listing') };
    await mapListing(db, { ...listing, propertyId, connectionId });
    await setListingPricing(db, listing, { currency: 'GBP', markup: { kind: 'percent', basisPoints: 500 }, ratePlans: {} });
    await waitFor('a notification of each table', () => ['tenants', 'api_keys', 'properties', 'channel_connections', 'listings', 'listing_pricing'].every((t) => heard.includes(t)), { timeoutMs: 2_000, intervalMs: 5 });
    // A statement that writes no row of a cached table (a read, a write elsewhere) tells nobody.
    const count = heard.length;
    await db('ingest.listings').where({ listing_id: listing.listingId }).first();
    await db.raw('SELECT pg_notify(?, ?)', [DIRECTORY_CHANGES_CHANNEL, 'end']);
    await waitFor('the last notification', () => heard.includes('end'), { timeoutMs: 2_000, intervalMs: 5 });
    expect(heard.slice(count)).toEqual(['end']);
  } finally {
    await listener.stop();
  }
});

it("a rate plan new to its property is quoted at once; nights of a plan it has tell nobody", async () => {
  const heard: string[] = [];
  const changes = new DirectoryChanges(db, log, [NEW_RATE_PLANS_CHANNEL]);
  const listener = new PgListener(db, [NEW_RATE_PLANS_CHANNEL], { notified: (propertyId) => heard.push(propertyId), listening: () => undefined }, log, 'a test');
  listener.start();
  await listening(changes);
  try {
    await waitFor('the listener', () => listener.listening, { timeoutMs: 5_000, intervalMs: 10 });
    const quotes = new StayQuotes(db, new RatesStore(db), noRates, changes.cacheTime(TEN_MINUTES));
    changes.follow(() => quotes.forget());
    const { tenantId } = await tenantWithKey();
    const propertyId = id('villa');
    await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    const rates = new RatesStore(db);
    const price = (ratePlan: string, from: string, to: string) => ({ ratePlan, from: d(from), to: d(to), set: { price: { amountMinor: 10_000, currency: 'EUR' as CurrencyCode } } });
    await rates.apply(propertyId, 1, [price('standard', '2027-03-01', '2027-03-05')]);
    await waitFor('the first plan', () => heard.includes(propertyId), { timeoutMs: 2_000, intervalMs: 5 });
    const booking = { channel: 'AIRBNB' as const, listingId: id('listing'), propertyId, currency: 'EUR' };
    const stay = { checkIn: d('2027-03-01'), checkOut: d('2027-03-03') };
    expect(await quotes.quote(booking, stay, 'weekly')).toMatchObject({ kind: 'no_quote', reason: 'rate_plan_without_rates' });

    // Nights of the plan it has, outside what the request before named: no plan is new.
    await rates.apply(propertyId, 2, [price('standard', '2027-04-01', '2027-04-05')]);
    await rates.apply(propertyId, 3, [price('weekly', '2027-03-01', '2027-03-05')]);
    await waitFor('the new plan', () => heard.filter((p) => p === propertyId).length === 2, { timeoutMs: 2_000, intervalMs: 5 });
    await waitFor('the new plan quoted', async () => (await quotes.quote(booking, stay, 'weekly')).kind === 'quoted', { timeoutMs: 2_000, intervalMs: 5 });
    await rates.apply(propertyId, 4, [price('weekly', '2027-03-03', '2027-03-08')]);
    await db.raw('SELECT pg_notify(?, ?)', [NEW_RATE_PLANS_CHANNEL, 'end']);
    await waitFor('the last notification', () => heard.includes('end'), { timeoutMs: 2_000, intervalMs: 5 });
    expect(heard).toEqual([propertyId, propertyId, 'end']);
  } finally {
    await Promise.all([changes.stop(), listener.stop()]);
  }
});

it('while changes are not heard, entries are kept at most UNHEARD_CACHE_MS, and what changed meanwhile is forgotten once they are', async () => {
  const changes = new DirectoryChanges(db, log);
  const directory = followingDirectory(changes);
  const cacheTime = changes.cacheTime(TEN_MINUTES);
  try {
    expect(cacheTime()).toBe(UNHEARD_CACHE_MS);
    const { tenantId, key } = await tenantWithKey();
    expect(await directory.tenantOfKey(key)).toMatchObject({ tenantId });
    await revokeApiKey(db, key);
    // Not heard: the cache keeps what it read, as any cache would, for at most 30 s.
    expect(await directory.tenantOfKey(key)).toMatchObject({ tenantId });
    await listening(changes);
    expect(cacheTime()).toBe(TEN_MINUTES);
    expect(await directory.tenantOfKey(key)).toBeUndefined();
  } finally {
    await changes.stop();
  }
  expect(cacheTime()).toBe(UNHEARD_CACHE_MS);
});

it("a listing's read under way when the directory changes is given to its caller, and neither the listing nor its property is kept", async () => {
  const directory = new Directory(db, TEN_MINUTES, testKeyRing);
  const { tenantId } = await tenantWithKey();
  const propertyId = id('villa');
  await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
  const { connectionId } = await addConnection(db, testKeyRing, { connectionId: id('connection'), tenantId, channel: 'AIRBNB' });
  const listingId = id('listing');
  await mapListing(db, { channel: 'AIRBNB', listingId, propertyId, connectionId });

  const reading = directory.listing('AIRBNB', listingId);
  directory.forget();
  expect(await reading).toMatchObject({ propertyId, connectionId });
  expect(await statementsOf(db, () => directory.property(propertyId))).toHaveLength(1);
  expect(await statementsOf(db, () => directory.listing('AIRBNB', listingId))).toHaveLength(1);
  // Read after the change: both kept now.
  expect(await statementsOf(db, () => Promise.all([directory.property(propertyId), directory.listing('AIRBNB', listingId)]))).toHaveLength(0);
});

it('cm_directory_changes_heard is 0 before the LISTEN is in place, 1 while it is, 0 once the listener stops', async () => {
  const registry = createMetricsRegistry('directory-changes-test');
  const heard = async () => sumMetric(await registry.metrics(), 'cm_directory_changes_heard', { service: 'directory-changes-test' });
  const changes = new DirectoryChanges(db, log);
  changes.export(registry);
  expect((await registry.metrics()).split('\n')).toContain('cm_directory_changes_heard{service="directory-changes-test"} 0');
  await listening(changes);
  expect(await heard()).toBe(1);
  await changes.stop();
  expect(await heard()).toBe(0);
});
