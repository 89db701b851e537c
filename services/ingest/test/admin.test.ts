import { createDatabase, dropDatabase, ensureDatabaseExists, type Knex } from '@cm/service-runtime';
import type { Channel } from '@cm/schemas';
import { stack, statementsOf, testKeyRing, uniqueName } from '@cm/test-harness';
import { EXIT_REFUSED, EXIT_USAGE, runAdmin, USAGE } from '../src/cli/admin';
import { ImportStore } from '../src/ical-import/import-store';
import { AdminError, Directory, addConnection, addProperty, createTenant, icalImportFeeds, issueApiKey, listingOfExportToken, mapListing, pricingOfProperties, revokeApiKey, setImportUrl, setListingPricing, tenantOfApiKey } from '@cm/directory';
import { ingestMigrations } from '../src/directory/migrations';

/**
 * The admin commands on the real PostgreSQL (a database of this file's own): each refusal named
 * after its code, the same record saved twice is a no-op, and the flag allows the change.
 */
let url: string;
let db: Knex;
let directory: Directory;
let n = 0;
/** A fresh id for one test: tests share the database, never their rows. */
const id = (what: string) => `${what}-${++n}`;

beforeAll(async () => {
  const target = new URL(stack.DATABASE_URL);
  target.pathname = `/cm_${uniqueName('admin').toLowerCase()}`;
  url = target.toString();
  await ensureDatabaseExists(url);
  db = createDatabase(url, { pool: { min: 0, max: 6 } });
  await ingestMigrations.migrate(db);
  directory = new Directory(db, 0, testKeyRing);
});

afterAll(async () => {
  await db.destroy();
  await dropDatabase(url);
});

/** A tenant with a property and a connection on `channel`. */
async function tenantWith(channel: Channel = 'AIRBNB') {
  const tenantId = id('tenant');
  await createTenant(db, { tenantId, name: `Tenant ${tenantId}` });
  const propertyId = id(`${tenantId}-villa`);
  await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
  const { connectionId, secret } = await addConnection(db, testKeyRing, { connectionId: id(`${tenantId}-${channel.toLowerCase()}`), tenantId, channel });
  return { tenantId, propertyId, connectionId, secret: secret!, channel };
}

/** Refused with this code, as an AdminError (not a foreign-key violation or a plain Error). */
async function refused(promise: Promise<unknown>, code: string): Promise<AdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdminError);
  expect(error).toMatchObject({ code, retriable: false });
  return error as AdminError;
}

const propertyRow = (propertyId: string) => db('ingest.properties').where({ property_id: propertyId }).first();
const listingRow = (channel: Channel, listingId: string) => db('ingest.listings').where({ channel, listing_id: listingId }).first();

describe('a listing joins a property and a connection of one tenant, on its own channel', () => {
  it("listing_property_tenant_mismatch: tenant A's property on tenant B's connection is refused (B's webhooks would book A's property)", async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const listingId = id('listing');
    const error = await refused(mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: b.connectionId }), 'listing_property_tenant_mismatch');
    expect(error.message).toContain(a.tenantId);
    expect(error.message).toContain(b.tenantId);
    expect(await directory.listing('AIRBNB', listingId)).toBeUndefined();
  });

  it('listing_channel_mismatch: a Vrbo listing on an Airbnb connection is refused', async () => {
    const a = await tenantWith('AIRBNB');
    const listingId = id('listing');
    await refused(mapListing(db, { channel: 'VRBO', listingId, propertyId: a.propertyId, connectionId: a.connectionId }), 'listing_channel_mismatch');
    expect(await listingRow('VRBO', listingId)).toBeUndefined();
  });

  it('unknown_property and unknown_connection: a listing onto rows that do not exist is refused by name, not as a foreign-key violation', async () => {
    const a = await tenantWith();
    const missing = await refused(mapListing(db, { channel: 'AIRBNB', listingId: id('listing'), propertyId: 'nowhere', connectionId: a.connectionId }), 'unknown_property');
    expect(missing.message).toContain("'nowhere'");
    await refused(mapListing(db, { channel: 'AIRBNB', listingId: id('listing'), propertyId: a.propertyId, connectionId: 'nobody' }), 'unknown_connection');
  });
});

describe('a property has a known currency and time zone, and an existing tenant', () => {
  it.each(['ZZZ', 'eur', 'constructor', ''])('unknown_currency: a property in %j is refused', async (currency) => {
    const a = await tenantWith();
    const propertyId = id('villa');
    await refused(addProperty(db, { propertyId, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency }), 'unknown_currency');
    expect(await propertyRow(propertyId)).toBeUndefined();
  });

  it('unknown_time_zone: a property in Mars/Olympus is refused', async () => {
    const a = await tenantWith();
    await refused(addProperty(db, { propertyId: id('villa'), tenantId: a.tenantId, timeZone: 'Mars/Olympus', currency: 'EUR' }), 'unknown_time_zone');
  });

  it('unknown_tenant: a property, a connection or an API key of a tenant that does not exist is refused by name', async () => {
    const error = await refused(addProperty(db, { propertyId: id('villa'), tenantId: 'ghost', timeZone: 'Europe/Lisbon', currency: 'EUR' }), 'unknown_tenant');
    expect(error.message).toContain("'ghost'");
    await refused(addConnection(db, testKeyRing, { connectionId: id('conn'), tenantId: 'ghost', channel: 'AIRBNB' }), 'unknown_tenant');
    await refused(issueApiKey(db, 'ghost', 'pms'), 'unknown_tenant');
  });
});

describe('ill-formed ids are refused, naming the field', () => {
  it.each([
    ['empty', ''],
    ['longer than 200 characters', 'x'.repeat(201)],
    ['not well-formed Unicode', 'villa\uD800'],
    ['NUL', 'villa\u0000'],
    ['a right-to-left override', 'villa\u202E1'],
    ['a bidi isolate', '\u2066villa\u2069'],
    ['a zero-width space', 'vil\u200Bla'],
    ['a byte-order mark', '\uFEFFvilla'],
  ])('invalid_identifier: a property id that is %s', async (_, propertyId) => {
    const a = await tenantWith();
    const error = await refused(addProperty(db, { propertyId, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' }), 'invalid_identifier');
    expect(error).toMatchObject({ field: 'propertyId' });
  });

  it('invalid_identifier: every command checks its ids (tenant, connection, listing, label)', async () => {
    const a = await tenantWith();
    await expect(refused(createTenant(db, { tenantId: 'acme\u202E', name: 'Acme' }), 'invalid_identifier')).resolves.toMatchObject({ field: 'tenantId' });
    await expect(refused(createTenant(db, { tenantId: id('tenant'), name: '' }), 'invalid_identifier')).resolves.toMatchObject({ field: 'name' });
    await expect(refused(addConnection(db, testKeyRing, { connectionId: 'c\u200D', tenantId: a.tenantId, channel: 'AIRBNB' }), 'invalid_identifier')).resolves.toMatchObject({ field: 'connectionId' });
    await expect(refused(mapListing(db, { channel: 'AIRBNB', listingId: '4821\u202E3', propertyId: a.propertyId, connectionId: a.connectionId }), 'invalid_identifier')).resolves.toMatchObject({ field: 'listingId' });
    await expect(refused(issueApiKey(db, a.tenantId, 'pms\u0000'), 'invalid_identifier')).resolves.toMatchObject({ field: 'label' });
  });
});

describe('the same record again is a no-op', () => {
  it('re-adding the same tenant, property, connection and listing changes nothing and answers unchanged', async () => {
    const a = await tenantWith();
    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });

    expect(await createTenant(db, { tenantId: a.tenantId, name: `Tenant ${a.tenantId}` })).toBe('unchanged');
    expect(await addProperty(db, { propertyId: a.propertyId, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' })).toEqual({ outcome: 'unchanged', unmapped: [] });
    // The secret is kept (re-running a setup script must not break the channel's signatures) and not shown again.
    expect(await addConnection(db, testKeyRing, { connectionId: a.connectionId, tenantId: a.tenantId, channel: 'AIRBNB' })).toMatchObject({ outcome: 'unchanged', secret: null });
    expect(await addConnection(db, testKeyRing, { connectionId: a.connectionId, tenantId: a.tenantId, channel: 'AIRBNB', secret: a.secret })).toMatchObject({ outcome: 'unchanged', secret: null });
    expect(await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId })).toEqual({ outcome: 'unchanged', unmapped: [] });
    expect(await directory.connection(a.connectionId)).toMatchObject({ tenantId: a.tenantId, secret: a.secret });
    expect(await directory.listing('AIRBNB', listingId)).toMatchObject({ propertyId: a.propertyId, tenantId: a.tenantId });
  });

  it('revoking a key twice is a no-op; unknown_api_key: revoking a key never issued is refused', async () => {
    const a = await tenantWith();
    const key = await issueApiKey(db, a.tenantId, 'pms');
    expect(await revokeApiKey(db, key)).toBe('revoked');
    expect(await revokeApiKey(db, key)).toBe('unchanged');
    expect(await directory.tenantOfKey(key)).toBeUndefined();
    await refused(revokeApiKey(db, 'cm_never-issued'), 'unknown_api_key');
  });

  it('concurrent twins: the same new records saved at once are one created and one unchanged; the same listing to two properties maps once', async () => {
    const a = await tenantWith();
    const tenantId = id('tenant');
    const twins = await Promise.all([createTenant(db, { tenantId, name: 'Twin' }), createTenant(db, { tenantId, name: 'Twin' })]);
    expect(twins.sort()).toEqual(['created', 'unchanged']);

    const second = id('villa');
    await addProperty(db, { propertyId: second, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    const listingId = id('listing');
    const results = await Promise.allSettled([
      mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId }),
      mapListing(db, { channel: 'AIRBNB', listingId, propertyId: second, connectionId: a.connectionId }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((r) => (r.reason as AdminError).code)).toEqual(['listing_mapped_elsewhere']);
  });
});

describe("a listing remapped onto another connection leaves its feed secrets behind", () => {
  it('its import URL is cleared and a new export token issued (the old URL answers no feed); onto the same connection both are kept', async () => {
    const a = await tenantWith('VRBO');
    const b = await tenantWith('VRBO');
    const listingId = id('listing');
    const created = await mapListing(db, { channel: 'VRBO', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    await setImportUrl(db, testKeyRing, { channel: 'VRBO', listingId }, 'https://www.vrbo.example/icalendar/secret-of-a.ics');
    const importedBy = async () => (await icalImportFeeds(db, testKeyRing)).filter((f) => f.listingId === listingId).map((f) => f.tenantId);
    expect(await importedBy()).toEqual([a.tenantId]);

    const otherPropertyOfA = id(`${a.tenantId}-loft`);
    await addProperty(db, { propertyId: otherPropertyOfA, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    const sameConnection = await mapListing(db, { channel: 'VRBO', listingId, propertyId: otherPropertyOfA, connectionId: a.connectionId }, { remap: true });
    expect(sameConnection).toMatchObject({ outcome: 'remapped' });
    expect(sameConnection.exportToken).toBeUndefined();
    expect(await importedBy()).toEqual([a.tenantId]);
    expect(await listingOfExportToken(db, created.exportToken!)).toEqual({ channel: 'VRBO', listingId });

    const moved = await mapListing(db, { channel: 'VRBO', listingId, propertyId: b.propertyId, connectionId: b.connectionId }, { remap: true });
    expect(moved).toMatchObject({ outcome: 'remapped', exportToken: expect.any(String) });
    expect(await importedBy()).toEqual([]);
    expect(await listingOfExportToken(db, created.exportToken!)).toBeUndefined();
    expect(await listingOfExportToken(db, moved.exportToken!)).toEqual({ channel: 'VRBO', listingId });
  });
});

describe('reusing an id for a different record needs the flag', () => {
  it('property_exists_for_other_tenant: adding tenant A\'s property id for tenant B does not move it', async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const error = await refused(addProperty(db, { propertyId: a.propertyId, tenantId: b.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' }), 'property_exists_for_other_tenant');
    expect(error.message).toContain('--force');
    expect(await propertyRow(a.propertyId)).toMatchObject({ tenant_id: a.tenantId });
  });

  it("move: true moves the property to tenant B and unmaps its listings on A's connections", async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    const moved = await addProperty(db, { propertyId: a.propertyId, tenantId: b.tenantId, timeZone: 'America/New_York', currency: 'USD' }, { move: true });
    expect(moved).toEqual({ outcome: 'moved', unmapped: [{ channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId }] });
    expect(await propertyRow(a.propertyId)).toMatchObject({ tenant_id: b.tenantId, time_zone: 'America/New_York', currency: 'USD' });
    expect(await listingRow('AIRBNB', listingId)).toBeUndefined();
    // Now B may map it through its own connection.
    expect(await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: b.connectionId })).toEqual({ outcome: 'created', unmapped: [], exportToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  });

  it('property_exists: another time zone or currency needs update: true', async () => {
    const a = await tenantWith();
    await refused(addProperty(db, { propertyId: a.propertyId, tenantId: a.tenantId, timeZone: 'Europe/Paris', currency: 'EUR' }), 'property_exists');
    await refused(addProperty(db, { propertyId: a.propertyId, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'GBP' }), 'property_exists');
    expect(await propertyRow(a.propertyId)).toMatchObject({ time_zone: 'Europe/Lisbon', currency: 'EUR' });
    expect(await addProperty(db, { propertyId: a.propertyId, tenantId: a.tenantId, timeZone: 'Europe/Paris', currency: 'GBP' }, { update: true })).toEqual({ outcome: 'updated', unmapped: [] });
    expect(await propertyRow(a.propertyId)).toMatchObject({ time_zone: 'Europe/Paris', currency: 'GBP' });
  });

  it('tenant_exists: another name or rate needs update: true', async () => {
    const a = await tenantWith();
    await refused(createTenant(db, { tenantId: a.tenantId, name: 'Someone Else' }), 'tenant_exists');
    await refused(createTenant(db, { tenantId: a.tenantId, name: `Tenant ${a.tenantId}`, ratePerSecond: 5 }), 'tenant_exists');
    expect(await createTenant(db, { tenantId: a.tenantId, name: 'Renamed', ratePerSecond: 5 }, { update: true })).toBe('updated');
    expect(await db('ingest.tenants').where({ tenant_id: a.tenantId }).first()).toMatchObject({ name: 'Renamed', rate_per_second: 5 });
  });

  it('invalid_rate: a rate that is not a whole positive number of requests per second is refused', async () => {
    await refused(createTenant(db, { tenantId: id('tenant'), name: 'Rate', ratePerSecond: Number.NaN }), 'invalid_rate');
    await refused(createTenant(db, { tenantId: id('tenant'), name: 'Rate', ratePerSecond: 0 }), 'invalid_rate');
  });

  it("connection_exists: re-adding B's connection id for tenant A, another channel or another secret is refused and the secret is kept", async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const error = await refused(addConnection(db, testKeyRing, { connectionId: b.connectionId, tenantId: a.tenantId, channel: 'AIRBNB' }), 'connection_exists');
    expect(error.message).toContain('tenant');
    await refused(addConnection(db, testKeyRing, { connectionId: b.connectionId, tenantId: b.tenantId, channel: 'VRBO' }), 'connection_exists');
    await refused(addConnection(db, testKeyRing, { connectionId: b.connectionId, tenantId: b.tenantId, channel: 'AIRBNB', secret: 'another-secret-of-enough-length' }), 'connection_exists');
    expect(await directory.connection(b.connectionId)).toMatchObject({ tenantId: b.tenantId, channel: 'AIRBNB', secret: b.secret });
  });

  it('replace: true rotates the secret; with another tenant it also unmaps the listings through it', async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const rotated = await addConnection(db, testKeyRing, { connectionId: b.connectionId, tenantId: b.tenantId, channel: 'AIRBNB' }, { replace: true });
    expect(rotated).toMatchObject({ outcome: 'replaced', unmapped: [] });
    expect(rotated.secret).not.toBe(b.secret);
    expect(await directory.connection(b.connectionId)).toMatchObject({ secret: rotated.secret });

    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: b.propertyId, connectionId: b.connectionId });
    const moved = await addConnection(db, testKeyRing, { connectionId: b.connectionId, tenantId: a.tenantId, channel: 'AIRBNB' }, { replace: true });
    expect(moved).toMatchObject({ outcome: 'replaced', unmapped: [{ channel: 'AIRBNB', listingId, propertyId: b.propertyId, connectionId: b.connectionId }] });
    expect(moved.secret).not.toBe(rotated.secret);
    expect(await directory.listing('AIRBNB', listingId)).toBeUndefined();
  });

  it('listing_mapped_elsewhere: mapping a listing to another property needs remap: true', async () => {
    const a = await tenantWith();
    const other = id('villa');
    await addProperty(db, { propertyId: other, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    await refused(mapListing(db, { channel: 'AIRBNB', listingId, propertyId: other, connectionId: a.connectionId }), 'listing_mapped_elsewhere');
    expect(await listingRow('AIRBNB', listingId)).toMatchObject({ property_id: a.propertyId });
    expect(await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: other, connectionId: a.connectionId }, { remap: true })).toEqual({ outcome: 'remapped', unmapped: [] });
    expect(await listingRow('AIRBNB', listingId)).toMatchObject({ property_id: other });
  });

  it('property_has_channel_listing: a second Airbnb listing on one property needs remap: true, which unmaps the first', async () => {
    const a = await tenantWith();
    const first = id('listing');
    const second = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId: first, propertyId: a.propertyId, connectionId: a.connectionId });
    await refused(mapListing(db, { channel: 'AIRBNB', listingId: second, propertyId: a.propertyId, connectionId: a.connectionId }), 'property_has_channel_listing');
    const replaced = await mapListing(db, { channel: 'AIRBNB', listingId: second, propertyId: a.propertyId, connectionId: a.connectionId }, { remap: true });
    expect(replaced).toEqual({ outcome: 'created', unmapped: [{ channel: 'AIRBNB', listingId: first, propertyId: a.propertyId, connectionId: a.connectionId }], exportToken: expect.any(String) });
    expect(await listingRow('AIRBNB', first)).toBeUndefined();
  });
});

describe("a listing's pricing: its currency, markup and the channel's rate plan ids (issue 20)", () => {
  it('a listing never priced takes the property currency, no markup and the PMS plan ids; a saved pricing is read back; the same again is unchanged', async () => {
    const a = await tenantWith();
    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    expect(await pricingOfProperties(db, [a.propertyId])).toEqual([{ channel: 'AIRBNB', listingId, propertyId: a.propertyId, currency: 'EUR', markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} }]);
    const pricing = { currency: 'USD', markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: { standard: 'RP-77', non_refundable: 'RP-78' } } as const;
    expect(await setListingPricing(db, { channel: 'AIRBNB', listingId }, pricing)).toBe('created');
    expect(await setListingPricing(db, { channel: 'AIRBNB', listingId }, pricing)).toBe('unchanged');
    expect(await setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...pricing, markup: { kind: 'fixed', amountMinor: 500 } })).toBe('updated');
    expect(await pricingOfProperties(db, [a.propertyId])).toEqual([{ channel: 'AIRBNB', listingId, propertyId: a.propertyId, currency: 'USD', markup: { kind: 'fixed', amountMinor: 500 }, ratePlans: pricing.ratePlans }]);
  });

  it('unknown_listing, unknown_currency, invalid_markup, invalid_identifier, shared_channel_rate_plan: refused, and nothing is saved', async () => {
    const a = await tenantWith();
    const listingId = id('listing');
    const none = { currency: null, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} } as const;
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, none), 'unknown_listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...none, currency: 'ZZZ' }), 'unknown_currency');
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...none, markup: { kind: 'percent', basisPoints: 90_000 } }), 'invalid_markup');
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...none, markup: { kind: 'fixed', amountMinor: 1.5 } }), 'invalid_markup');
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...none, ratePlans: { standard: 'RP\u202e1' } }), 'invalid_identifier');
    // Found by a review: two PMS plans on one channel plan overwrote each other's nights there, and one plan's were never pushed.
    await refused(setListingPricing(db, { channel: 'AIRBNB', listingId }, { ...none, ratePlans: { BAR: 'STD', NRF: 'STD', WEEKLY: 'WK' } }), 'shared_channel_rate_plan');
    expect(await db('ingest.listing_pricing').where({ listing_id: listingId }).first()).toBeUndefined();
  });
});

describe("the directory's cache", () => {
  it("a listing read keeps its property too: the booking's revision reads the property next, without a statement of its own", async () => {
    const cached = new Directory(db, 60_000, testKeyRing);
    const a = await tenantWith();
    const listingId = id('listing');
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    expect(await statementsOf(db, () => cached.listing('AIRBNB', listingId))).toHaveLength(1);
    let property: unknown;
    expect(await statementsOf(db, async () => (property = await cached.property(a.propertyId)))).toEqual([]);
    expect(property).toEqual({ propertyId: a.propertyId, tenantId: a.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    // The same entry as the property's own read gives.
    expect(await new Directory(db, 60_000, testKeyRing).property(a.propertyId)).toEqual(property);
  });
});

describe('the admin CLI: 64 with the usage on bad arguments, 65 with the code on a refusal', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    let opened = false;
    const code = await runAdmin(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, () => {
      opened = true;
      return { db, secrets: testKeyRing, close: async () => undefined };
    });
    return { code, out, err: err.join('\n'), opened };
  };

  it.each([
    [[]],
    [['tenant', 'acme']],
    [['tenant', 'acme', 'Acme', 'fast']],
    [['property', 'villa', 'acme', 'Europe/Lisbon', 'EUR', '--replace']],
    [['property', 'villa', 'acme', 'Europe/Lisbon', 'EUR', '--update', '--force']],
    [['property', 'villa', 'acme', 'Europe/Lisbon', 'EUR', '--move']],
    [['connection', 'c', 'acme', 'MYSPACE']],
    [['listing', 'AIRBNB', 'l', 'p', 'c', 'extra']],
    [['frobnicate']],
    [['pricing', 'AIRBNB', 'l', 'EUR']],
    [['pricing', 'AIRBNB', 'l', 'EUR', '15 percent']],
    [['pricing', 'AIRBNB', 'l', 'EUR', '15%', 'standard']],
    [['pricing', 'AIRBNB', 'l', 'EUR', '15%', 'a=b', 'a=c']],
    [['connections']],
    [['connections', 'frobnicate', 'c']],
    [['connections', 'add', 'c', 'acme', 'AIRBNB', '--base-url']],
    [['connections', 'add', 'c', 'acme', 'AIRBNB', '--base-url=']],
    [['connections', 'add', 'c', 'acme', 'AIRBNB', '--poll-seconds=often']],
    [['connections', 'add', 'c', 'acme', 'AIRBNB', '--force', '--update']],
    [['connections', 'rotate', 'c']],
    [['keys', 'revoke']],
    [['tenants', 'remove', 'a', 'b']],
    [['listings', 'show', 'MYSPACE', 'l']],
    [['connections', 'rotate', 'c', '--credentials-stdin', '--clear-credentials']],
    [['connections', 'show']],
    [['listings', 'import-url', 'set', 'AIRBNB']],
    [['feeds', 'rotate-token', 'MYSPACE', 'l']],
    [['secrets', 'reencrypt', 'now']],
    [['ical']],
    [['ical', 'poll', 'VRBO']],
    [['ical', 'accept', 'MYSPACE', 'l']],
    [['ical', 'list', 'all']],
  ])('%j exits 64 with the usage, without opening the database', async (args) => {
    const result = await run(...args);
    expect(result).toMatchObject({ code: EXIT_USAGE, opened: false });
    expect(result.err).toContain(USAGE.trimEnd());
  });

  it('a refused command exits 65 naming its code; the flag lets it through', async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const refusedRun = await run('property', a.propertyId, b.tenantId, 'Europe/Lisbon', 'eur');
    expect(refusedRun.code).toBe(EXIT_REFUSED);
    expect(refusedRun.err).toContain('property_exists_for_other_tenant');
    const mismatch = await run('listing', 'vrbo', id('listing'), a.propertyId, a.connectionId);
    expect(mismatch).toMatchObject({ code: EXIT_REFUSED });
    expect(mismatch.err).toContain('listing_channel_mismatch');
    const currency = await run('property', id('villa'), a.tenantId, 'Europe/Lisbon', 'ZZZ');
    expect(currency.err).toContain('unknown_currency');

    const moved = await run('property', a.propertyId, b.tenantId, 'Europe/Lisbon', 'eur', '--force');
    expect(moved).toMatchObject({ code: 0, out: [`property ${a.propertyId} moved`] });
    expect(await propertyRow(a.propertyId)).toMatchObject({ tenant_id: b.tenantId });
  });

  it('pricing: a percentage, a fixed amount and plan ids are saved; an unknown listing exits 65', async () => {
    const a = await tenantWith();
    const listingId = id('listing');
    expect(await run('pricing', 'airbnb', listingId, 'property', '12.5%')).toMatchObject({ code: EXIT_REFUSED });
    await mapListing(db, { channel: 'AIRBNB', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    expect(await run('pricing', 'airbnb', listingId, 'property', '12.5%', 'standard=RP-1')).toMatchObject({ code: 0, out: [`pricing of AIRBNB listing ${listingId} created`] });
    expect((await pricingOfProperties(db, [a.propertyId]))[0]).toMatchObject({ currency: 'EUR', markup: { kind: 'percent', basisPoints: 1_250 }, ratePlans: { standard: 'RP-1' } });
    expect(await run('pricing', 'airbnb', listingId, 'usd', '-300')).toMatchObject({ code: 0 });
    expect((await pricingOfProperties(db, [a.propertyId]))[0]).toMatchObject({ currency: 'USD', markup: { kind: 'fixed', amountMinor: -300 }, ratePlans: {} });
  });

  it('ical: poll and accept a listing whose feed is imported; a listing not imported exits 65 ical_feed_not_imported', async () => {
    const listingId = id('listing');
    const notYet = await run('ical', 'poll', 'vrbo', listingId);
    expect(notYet.code).toBe(EXIT_REFUSED);
    expect(notYet.err).toContain('ical_feed_not_imported');
    expect((await run('ical', 'accept', 'vrbo', listingId)).code).toBe(EXIT_REFUSED);

    const imports = new ImportStore(db);
    await imports.ensure([{ channel: 'VRBO', listingId }], Date.now() + 3_600_000);
    expect(await run('ical', 'poll', 'vrbo', listingId)).toMatchObject({ code: 0, out: [`VRBO listing ${listingId}: its import feed is read at the next round`] });
    expect(Number((await db('ingest.ical_imports').where({ listing_id: listingId }).first()).next_poll_at_ms)).toBeLessThanOrEqual(Date.now());
    expect((await run('ical', 'accept', 'vrbo', listingId)).code).toBe(0);
    expect(await db('ingest.ical_imports').where({ listing_id: listingId }).first()).toMatchObject({ accept_shrink: true, etag: null });
    expect((await run('ical', 'list')).out).toContainEqual(`VRBO ${listingId}: 0 event(s) held, last read never`);
  });

  it('re-running a setup is a no-op: the connection keeps its secret and does not print it again', async () => {
    const a = await tenantWith();
    expect(await run('tenant', a.tenantId, `Tenant ${a.tenantId}`)).toMatchObject({ code: 0, out: [`tenant ${a.tenantId} unchanged`] });
    const again = await run('connection', a.connectionId, a.tenantId, 'airbnb');
    expect(again).toMatchObject({ code: 0, out: [] });
    expect(again.err).toContain('unchanged');
    const rotated = await run('connection', a.connectionId, a.tenantId, 'airbnb', '--force');
    expect(rotated.code).toBe(0);
    expect(rotated.out[0]).not.toBe(a.secret);
  });

  it('--help prints the usage on stdout and exits 0 without opening the database, for the tool and for each command', async () => {
    for (const args of [['--help'], ['connections', '--help'], ['keys', 'revoke', '--help'], ['help', 'tenants']]) {
      const result = await run(...args);
      expect(result).toMatchObject({ code: 0, opened: false, err: '' });
      expect(result.out.join('\n')).toMatch(/^Usage: admin/);
    }
    expect((await run('keys', 'revoke', '--help')).out.join('\n')).toContain('<key-id>');
  });

  it('tenants, keys, properties and listings: what is added is listed, shown and removed', async () => {
    const a = await tenantWith();
    const listingId = id('listing');
    expect(await run('listing', 'airbnb', listingId, a.propertyId, a.connectionId)).toMatchObject({ code: 0 });
    expect((await run('tenants', 'show', a.tenantId)).out).toEqual([`${a.tenantId}\tTenant ${a.tenantId}\trate=default\tproperties=1\tconnections=1\tactive-keys=0`]);
    expect((await run('tenants', 'list')).out).toContainEqual(expect.stringMatching(new RegExp(`^${a.tenantId}\t`)));
    expect((await run('properties', 'list', a.tenantId)).out).toEqual([`${a.propertyId}\t${a.tenantId}\tEurope/Lisbon\tEUR\tlistings=1`]);
    expect((await run('properties', 'show', a.propertyId)).out).toContain(`listing AIRBNB ${listingId} (connection ${a.connectionId})`);
    const listingLine = `AIRBNB\t${listingId}\tproperty=${a.propertyId}\tconnection=${a.connectionId}\ttenant=${a.tenantId}\timport-url=none\tpricing=none`;
    expect((await run('listings', 'list', '--tenant', a.tenantId)).out).toEqual([listingLine]);
    expect((await run('listings', 'show', 'airbnb', listingId)).out).toEqual([listingLine]);

    // Removal goes leaf first: the tenant keeps its records until they are gone.
    const notEmpty = await run('tenants', 'remove', a.tenantId);
    expect(notEmpty).toMatchObject({ code: EXIT_REFUSED });
    expect(notEmpty.err).toContain('tenant_not_empty');
    const hasListings = await run('properties', 'remove', a.propertyId);
    expect(hasListings.err).toContain('property_has_listings');
    expect(await run('listings', 'remove', 'airbnb', listingId)).toMatchObject({ code: 0, out: [`AIRBNB listing ${listingId} removed`] });
    expect(await listingRow('AIRBNB', listingId)).toBeUndefined();
    expect((await run('listings', 'show', 'airbnb', listingId)).err).toContain('unknown_listing');
    expect(await run('properties', 'remove', a.propertyId)).toMatchObject({ code: 0, out: [`property ${a.propertyId} removed`] });
    expect(await propertyRow(a.propertyId)).toBeUndefined();
    // The ledger keeps a removed property's bookings and history under its id: added again for
    // another tenant, it is refused as a move without --force would be; with it, it moves.
    const b = await tenantWith();
    const takeOver = await run('property', a.propertyId, b.tenantId, 'Europe/Lisbon', 'EUR');
    expect(takeOver).toMatchObject({ code: EXIT_REFUSED });
    expect(takeOver.err).toContain('property_exists_for_other_tenant');
    expect(await propertyRow(a.propertyId)).toBeUndefined();
    expect(await run('property', '--force', a.propertyId, b.tenantId, 'Europe/Lisbon', 'EUR')).toMatchObject({ code: 0 });
    expect(await propertyRow(a.propertyId)).toMatchObject({ tenant_id: b.tenantId });
    expect(await db('ingest.removed_properties').where({ property_id: a.propertyId }).first()).toBeUndefined();
    expect(await run('connections', 'remove', a.connectionId)).toMatchObject({ code: 0 });
    await issueApiKey(db, a.tenantId, 'pms');
    expect(await run('tenants', 'remove', a.tenantId)).toMatchObject({ code: 0, out: [`tenant ${a.tenantId} removed`], err: '1 API key(s) removed with it' });
    expect(await db('ingest.tenants').where({ tenant_id: a.tenantId }).first()).toBeUndefined();
    expect((await run('tenants', 'show', a.tenantId)).err).toContain('unknown_tenant');
  });

  it("tenant_in_use: a tenant its PMS revision feed still names is kept, with its keys", async () => {
    const tenantId = id('tenant');
    await createTenant(db, { tenantId, name: 'Feed holder' });
    await issueApiKey(db, tenantId, 'pms');
    await db('ingest.pms_revisions').insert({ tenant_id: tenantId, property_id: 'p', event_id: id('event'), event_type: 'BOOKING_CREATED', stay_key: 'PMS:r', source: 'PMS', command_id: id('command'), version: 1, occurred_at: new Date(), changes: '{}' });
    const kept = await run('tenants', 'remove', tenantId);
    expect(kept).toMatchObject({ code: EXIT_REFUSED });
    expect(kept.err).toContain('tenant_in_use');
    expect((await run('tenants', 'show', tenantId)).out[0]).toContain('active-keys=1');
  });

  it('keys: listed by id (never the key), revoked by id; the key then authenticates no one', async () => {
    const a = await tenantWith();
    const key = (await run('key', a.tenantId, 'pms-main')).out[0]!;
    const other = await issueApiKey(db, a.tenantId, 'pms-spare');
    const listed = (await run('keys', 'list', a.tenantId)).out;
    expect(listed).toHaveLength(2);
    expect(listed.join('\n')).not.toContain(key.slice(3, 20));
    const [keyId] = listed.find((l) => l.includes('\tpms-main\t'))!.split('\t');
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(await tenantOfApiKey(db, key)).toBe(a.tenantId);

    expect(await run('keys', 'revoke', keyId!)).toMatchObject({ code: 0, out: [`key ${keyId} revoked`] });
    expect(await run('keys', 'revoke', keyId!)).toMatchObject({ code: 0, out: [`key ${keyId} already revoked`] });
    expect((await run('keys', 'list', a.tenantId)).out.find((l) => l.startsWith(keyId!))).toMatch(/\trevoked=\d{4}-/);
    expect(await tenantOfApiKey(db, key)).toBeNull();
    expect(await tenantOfApiKey(db, other)).toBe(a.tenantId);
    const unknown = await run('keys', 'revoke', '0123456789abcdef');
    expect(unknown).toMatchObject({ code: EXIT_REFUSED });
    expect(unknown.err).toContain('unknown_api_key_id');
  });

  it('--force: a connection gets a new secret, a listing another import URL, only when it is given', async () => {
    const a = await tenantWith('VRBO');
    expect((await run('connections', 'rotate', a.connectionId)).code).toBe(EXIT_USAGE);
    expect(await directory.connection(a.connectionId)).toMatchObject({ secret: a.secret });
    const replaced = await run('connection', a.connectionId, a.tenantId, 'vrbo', '--force');
    expect(replaced.out[0]).not.toBe(a.secret);

    const listingId = id('listing');
    await mapListing(db, { channel: 'VRBO', listingId, propertyId: a.propertyId, connectionId: a.connectionId });
    const withInput = (input: string) => async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAdmin(args, { out: (l) => out.push(l), err: (l) => err.push(l), input: async () => input }, () => ({ db, secrets: testKeyRing, close: async () => undefined }));
      return { code, out, err: err.join('\n') };
    };
    expect((await withInput('https://vrbo.example/a.ics')('listings', 'import-url', 'set', 'vrbo', listingId)).code).toBe(0);
    const refusedReplace = await withInput('https://vrbo.example/b.ics')('listings', 'import-url', 'set', 'vrbo', listingId);
    expect(refusedReplace).toMatchObject({ code: EXIT_REFUSED });
    expect(refusedReplace.err).toContain('import_url_exists');
    expect((await icalImportFeeds(db, testKeyRing)).find((f) => f.listingId === listingId)?.url).toBe('https://vrbo.example/a.ics');
    expect(await withInput('https://vrbo.example/b.ics')('listings', 'import-url', 'set', 'vrbo', listingId, '--force')).toMatchObject({ code: 0, out: [`import URL of VRBO listing ${listingId} updated`] });
    expect((await icalImportFeeds(db, testKeyRing)).find((f) => f.listingId === listingId)?.url).toBe('https://vrbo.example/b.ics');
  });
});
