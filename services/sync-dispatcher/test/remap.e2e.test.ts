import { addProperty, mapListing } from '@cm/directory';
import { requireOk } from '@cm/channel-simulator';
import { waitFor } from '@cm/service-runtime';
import { freePort } from '@cm/test-harness';
import { closedNights, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * A channel listing moved to another property of its tenant shows that property's nights. Ledger
 * versions are each property's own: the dispatcher held the listing's nights at the old
 * property's versions, and the new property's lower ones were never recorded (nor, at equal
 * versions, pushed under a new request id), so a night it booked stayed open on the channel.
 * And a listing's export feed, whatever its id holds. Found by a review.
 */
describe("sync-dispatcher: a remapped listing, and a listing's feed", () => {
  let pipeline: Pipeline;
  let consoleUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    pipeline = await startPipeline({ CONSOLE_API_PORT: String(port) });
    consoleUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => pipeline?.close());

  it("closes the new property's booked nights on it, though the old property's ledger had reached a higher version on them", async () => {
    const { client, tenant, world, ingest } = pipeline;
    const nights = ['2027-06-10', '2027-06-11', '2027-06-12'];
    const vrboShows = async (expected: string[]) => (await closedNights(pipeline, 'VRBO', '2027-06-01', '2027-07-01')).join() === expected.join();

    // The old property's versions of these nights go up: a booking, then its cancellation; and it books two nights more, kept.
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-06-20', check_out: '2027-06-22' }));
    const booked = requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-06-10', check_out: '2027-06-13' }));
    await waitFor('the bookings to close their nights on Vrbo', () => vrboShows([...nights, '2027-06-20', '2027-06-21']), { timeoutMs: 30_000, intervalMs: 100 });
    requireOk(await client.cancelBooking('AIRBNB', tenant.connections.AIRBNB.listingId, booked.reservation.id));
    await waitFor('the cancellation to open them again', () => vrboShows(['2027-06-20', '2027-06-21']), { timeoutMs: 30_000, intervalMs: 100 });

    // Vrbo's listing moves to a new property of the tenant, whose ledger starts at version 0.
    const annex = `${tenant.propertyId}-annex`;
    await addProperty(world.db, { propertyId: annex, tenantId: tenant.tenantId, timeZone: tenant.timeZone, currency: 'EUR' });
    const { connectionId, listingId } = tenant.connections.VRBO;
    expect(await mapListing(world.db, { channel: 'VRBO', listingId, propertyId: annex, connectionId }, { remap: true })).toMatchObject({ outcome: 'remapped' });

    const direct = await world.pms(ingest, 'POST', `/v1/properties/${annex}/bookings`, { check_in: '2027-06-10', check_out: '2027-06-13', status: 'CONFIRMED' });
    expect(direct.status).toBeLessThan(300);
    await waitFor("the new property's booking to close its nights on its Vrbo listing", async () => (await closedNights(pipeline, 'VRBO', '2027-06-01', '2027-06-15')).join() === nights.join(), { timeoutMs: 30_000, intervalMs: 100 });
    // The old property's listings are not the new one's: Airbnb's stays open.
    expect(await closedNights(pipeline, 'AIRBNB', '2027-06-01', '2027-06-15')).toEqual([]);
    const rows = await world.db('sync.nights').where({ channel: 'VRBO', listing_id: listingId }).whereIn('night', nights).select('property_id');
    expect(rows.map((r: { property_id: string }) => r.property_id)).toEqual([annex, annex, annex]);

    // The console shows the new property the nights recorded for it, none the old one left on the listing.
    const answer = await fetch(`${consoleUrl}/v1/properties/${annex}/channel-nights?from=2027-06-01&to=2027-07-01`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { listings: { channel: string; nights: { date: string; available: boolean }[] }[] };
    expect(body.listings.map((l) => [l.channel, l.nights.map((n) => [n.date, n.available])])).toEqual([['VRBO', nights.map((night) => [night, false])]]);
  });

  it("a listing id's commas, semicolons and backslashes do not end or split its feed's UIDs", async () => {
    const { tenant, world, ingest } = pipeline;
    const cottage = `${tenant.propertyId}-cottage`;
    await addProperty(world.db, { propertyId: cottage, tenantId: tenant.tenantId, timeZone: tenant.timeZone, currency: 'EUR' });
    const mapped = await mapListing(world.db, { channel: 'EXPEDIA', listingId: 'odd,id;x\\y', propertyId: cottage, connectionId: tenant.connections.EXPEDIA.connectionId });
    expect((await world.pms(ingest, 'POST', `/v1/properties/${cottage}/bookings`, { check_in: '2027-08-01', check_out: '2027-08-03', status: 'CONFIRMED' })).status).toBeLessThan(300);
    const feed = await waitFor('the feed to show the booking', async () => {
      const text = await (await fetch(pipeline.feedUrlOfToken(mapped.exportToken!))).text();
      return text.includes('BEGIN:VEVENT') ? text : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(feed.split('\r\n').filter((line) => line.startsWith('UID:'))).toEqual(['UID:expedia-odd%2Cid%3Bx%5Cy-2027-08-01@channel-manager']);
  });

  it('the export feed answers a method it does not take with 405 and Allow', async () => {
    const answer = await fetch(pipeline.feedUrl('VRBO', pipeline.tenant.connections.VRBO.listingId), { method: 'POST' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
  });
});
