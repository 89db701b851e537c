import { addConnection, addProperty, createTenant, directoryMigrationSteps, mapListing } from '@cm/directory';
import { schemaMigrations } from '@cm/service-runtime';
import { scratchDatabase, statementsOf, testKeyRing, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ChannelListings } from '../src/store/channel-listings';

/**
 * The dispatcher's cache of a property's listings, on the real PostgreSQL: kept until it is told
 * the directory changed, and a read under way when it is told is kept by nobody.
 */
let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await scratchDatabase(uniqueName('listings').toLowerCase(), [schemaMigrations('ingest', directoryMigrationSteps)]);
});
afterAll(async () => scratch?.drop());

async function propertyWithListing() {
  const { db } = scratch;
  const tenantId = uniqueName('tenant');
  await createTenant(db, { tenantId, name: tenantId });
  const propertyId = uniqueName('villa');
  await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
  const { connectionId } = await addConnection(db, testKeyRing, { connectionId: uniqueName('connection'), tenantId, channel: 'AIRBNB' });
  const listingId = uniqueName('listing');
  await mapListing(db, { channel: 'AIRBNB', listingId, propertyId, connectionId });
  return { propertyId, listingId, connectionId };
}

it("keeps a property's listings, and tells their connections, until it forgets", async () => {
  const told: string[] = [];
  const listings = new ChannelListings(scratch.db, 600_000, (_channel, listingId, connectionId) => told.push(`${listingId}@${connectionId}`));
  const { propertyId, listingId, connectionId } = await propertyWithListing();
  expect(await listings.ofProperties([propertyId])).toEqual(new Map([[propertyId, [{ channel: 'AIRBNB', listingId }]]]));
  expect(told).toEqual([`${listingId}@${connectionId}`]);
  expect(await statementsOf(scratch.db, () => listings.ofProperties([propertyId]))).toHaveLength(0);
  listings.forget();
  expect(await statementsOf(scratch.db, () => listings.ofProperties([propertyId]))).toHaveLength(1);
});

it('a read under way when it forgets is given to its caller, but neither kept nor told as a connection', async () => {
  const told: string[] = [];
  const listings = new ChannelListings(scratch.db, 600_000, (_channel, listingId) => told.push(listingId));
  const { propertyId, listingId } = await propertyWithListing();
  const reading = listings.ofProperties([propertyId]);
  listings.forget();
  expect(await reading).toEqual(new Map([[propertyId, [{ channel: 'AIRBNB', listingId }]]]));
  expect(told).toEqual([]);
  expect(await statementsOf(scratch.db, () => listings.ofProperties([propertyId]))).toHaveLength(1);
  expect(told).toEqual([listingId]);
});
