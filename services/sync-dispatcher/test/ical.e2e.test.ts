import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { IcalFeedAdapter } from '@cm/channel-adapters';
import { rotateExportToken } from '@cm/directory';
import { startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/** Vrbo synced by iCal: our export feed follows the ledger, with ETags; a platform's feed reads back as its nights. */
describe('sync-dispatcher: iCal', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ ICAL_CHANNELS: 'VRBO' });
  });
  afterAll(async () => pipeline?.close());

  /** Every all-day event of a feed, read by a second parser (ical.js) than the one we import with. */
  const eventsOf = (text: string) =>
    new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((v) => {
      const event = new ICAL.Event(v);
      return { summary: event.summary, from: event.startDate.toString(), to: event.endDate.toString() };
    });

  it('a booking on Airbnb is in the Vrbo feed as "Not available" nights, exclusive end; an unchanged feed answers 304', async () => {
    const { client, tenant } = pipeline;
    const feedUrl = pipeline.feedUrl('VRBO', tenant.connections.VRBO.listingId);
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-09-05', check_out: '2027-09-09' }));
    // Nothing is sent to Vrbo: the feed shows the nights once the dispatcher recorded them.
    await waitFor('the booking to be in the Vrbo feed', async () => eventsOf(await (await fetch(feedUrl)).text()).length === 1, { timeoutMs: 30_000, intervalMs: 100 });

    const first = await fetch(feedUrl);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/calendar');
    const text = await first.text();
    expect(eventsOf(text)).toEqual([{ summary: 'Not available', from: '2027-09-05', to: '2027-09-09' }]);
    const etag = first.headers.get('etag')!;
    expect((await fetch(feedUrl, { headers: { 'if-none-match': etag } })).status).toBe(304);

    // A second stay changes the feed, and so its ETag.
    requireOk(await client.createBooking('EXPEDIA', tenant.connections.EXPEDIA.listingId, { check_in: '2027-09-12', check_out: '2027-09-14' }));
    await waitFor('the feed to change', async () => (await fetch(feedUrl, { headers: { 'if-none-match': etag } })).status === 200, { timeoutMs: 20_000, intervalMs: 100 });
    expect(eventsOf(await (await fetch(feedUrl)).text())).toEqual([
      { summary: 'Not available', from: '2027-09-05', to: '2027-09-09' },
      { summary: 'Not available', from: '2027-09-12', to: '2027-09-14' },
    ]);
    // The simulator's Vrbo API is never called: Vrbo polls the feed.
    expect(requireOk(await client.stats('VRBO')).calls.availability.ok).toBe(0);
  });

  it('the feed is at its unguessable token only: a rotated token answers 404 and the new one 200; the listing-named path and an unknown token are 404s', async () => {
    const { tenant, world } = pipeline;
    const listing = { channel: 'VRBO' as const, listingId: tenant.connections.VRBO.listingId };
    const oldUrl = pipeline.feedUrl(listing.channel, listing.listingId);
    expect((await fetch(oldUrl)).status).toBe(200);
    const token = await rotateExportToken(world.db, listing);
    expect((await fetch(oldUrl)).status).toBe(404);
    const newAnswer = await fetch(pipeline.feedUrlOfToken(token));
    expect(newAnswer.status).toBe(200);
    expect(await newAnswer.text()).toContain('BEGIN:VCALENDAR');
    const base = new URL(oldUrl).origin;
    expect((await fetch(`${base}/ical/vrbo/${encodeURIComponent(listing.listingId)}.ics`)).status).toBe(404);
    expect((await fetch(pipeline.feedUrlOfToken(randomBytes(32).toString('base64url')))).status).toBe(404);
    expect((await fetch(`${base}/ical/${encodeURIComponent(listing.listingId)}.ics`)).status).toBe(404);
  });

  it('reads a platform’s feed by conditional GET: reservations and "Not available" blocks become closed nights; an unchanged feed is a 304', async () => {
    const fixture = readFileSync(join(__dirname, '..', '..', '..', 'packages', 'ical', 'test', 'fixtures', 'airbnb.ics'), 'utf8');
    const asked: (string | undefined)[] = [];
    const server: Server = createServer((request, response) => {
      asked.push(request.headers['if-none-match']);
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304, { etag: '"v1"' });
        return response.end();
      }
      response.writeHead(200, { 'content-type': 'text/calendar', etag: '"v1"' });
      response.end(fixture);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const adapter = new IcalFeedAdapter('AIRBNB', `http://127.0.0.1:${port}/{listing}.ics`, async () => 'Europe/Paris', 5_000);
      const calendar = await adapter.readCalendar('48213', '2026-07-01', '2026-08-05');
      expect(calendar.ok).toBe(true);
      const closed = calendar.ok ? calendar.nights.filter((n) => !n.available).map((n) => n.date) : [];
      // Two back-to-back reservations (5-12 and 12-20 July) and a block on 1-2 August, exclusive ends.
      expect(closed[0]).toBe('2026-07-05');
      expect(closed).toContain('2026-07-19');
      expect(closed).not.toContain('2026-07-20');
      expect(closed).toEqual(expect.arrayContaining(['2026-08-01', '2026-08-02']));
      expect(closed).not.toContain('2026-08-03');
      // The next poll sends the ETag, gets 304, and reads the same nights from its copy.
      const again = await adapter.readCalendar('48213', '2026-07-01', '2026-08-05');
      expect(asked).toEqual([undefined, '"v1"']);
      expect(again).toEqual(calendar);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
