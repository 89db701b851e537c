import { parseFeed } from '@cm/ical';
import { WebhookReceiver } from '@cm/test-harness';
import { requireOk, type SimulatorClient } from '../src/client';
import { registerListing, SECRET, startTestSimulator, useTestSimulator } from './support/simulator';
import { OurFeedServer } from './support/feed-server';
import { waitUntil } from './support/wait';

/** An iCal-only listing on the platform: no webhooks, no API; its feed out, our feed in. */
async function registerIcalListing(client: SimulatorClient, channel: 'vrbo', listingId: string, ical: { import_url?: string; ical_poll_seconds?: number } = {}): Promise<void> {
  requireOk(await client.registerListing(channel, listingId, { connection_id: `conn-${listingId}`, secret: SECRET, currency: 'EUR', time_zone: 'Europe/Lisbon', sync: 'ical', ...ical }));
}

const nightsOf = async (client: SimulatorClient, from: string, to: string) =>
  requireOk(await client.trueCalendar('vrbo', 'V1', from, to)).nights.map((n) => [n.date, n.closed_by_host, n.reservation_id]);

describe('an iCal-only listing (sync: ical)', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(() => ingest.answerWith({ status: 202, body: {} }));

  it('sends no webhook for guest bookings, changes or cancellations, which still happen on the platform', async () => {
    await registerIcalListing(t.client, 'vrbo', 'V1');
    const booked = requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'HA-0000001', check_in: '2026-07-10', check_out: '2026-07-13', guest: { name: 'Ana Lima' } }));
    expect(booked).toMatchObject({ reservation: { id: 'HA-0000001', state: 'active' }, webhook: null });
    expect(requireOk(await t.client.modifyBooking('vrbo', 'V1', 'HA-0000001', { check_out: '2026-07-14' })).webhook).toBeNull();
    expect(requireOk(await t.client.updateGuest('vrbo', 'V1', 'HA-0000001', { phone: '+351 900 000 001' })).webhook).toBeNull();
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'HA-0000002', check_in: '2026-08-01', check_out: '2026-08-03' }));
    expect(requireOk(await t.client.cancelBooking('vrbo', 'V1', 'HA-0000002'))).toMatchObject({ reservation: { state: 'cancelled' }, webhook: null });
    expect(await nightsOf(t.client, '2026-07-13', '2026-07-15')).toEqual([['2026-07-13', false, 'HA-0000001'], ['2026-07-14', false, null]]);

    // The same receiver takes an API listing's booking: nothing reached it before because nothing was sent.
    await registerListing(t.client, 'vrbo', 'A1');
    requireOk(await t.client.createBooking('vrbo', 'A1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(ingest.received.map((delivery) => (delivery.json as { listing_id: string }).listing_id)).toEqual(['A1']);
    expect(requireOk(await t.client.stats('vrbo')).webhooks).toMatchObject({ delivered: 1, attempts: 1 });
  });

  it('refuses every platform API call with 409 ical_only_listing, counted as rejected, and sends no calendar report', async () => {
    await registerIcalListing(t.client, 'vrbo', 'V1');
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'HA-0000001', check_in: '2026-07-10', check_out: '2026-07-13' }));
    const refusal = { status: 409, error: { error: 'ical_only_listing', listing_id: 'V1', sync: 'ical' } };
    expect(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'a', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] })).toMatchObject(refusal);
    expect(await t.client.pushRates('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', min_stay_arrival: 2 }] })).toMatchObject(refusal);
    expect(await t.client.readCalendar('vrbo', 'V1', '2026-07-01', '2026-07-02')).toMatchObject(refusal);
    expect(await t.client.hostCancel('vrbo', 'V1', 'HA-0000001', { request_id: 'c', reason: 'owner use' })).toMatchObject(refusal);
    expect(await t.client.reportCalendar('vrbo', 'V1', '2026-07-01', '2026-07-02')).toMatchObject(refusal);
    expect(requireOk(await t.client.stats('vrbo')).calls).toMatchObject({ availability: { rejected: 1, ok: 0 }, rates: { rejected: 1 }, calendar: { rejected: 1 }, host_cancel: { rejected: 1 } });
    expect(requireOk(await t.client.trueCalendar('vrbo', 'V1', '2026-07-01', '2026-07-02')).nights[0]).toMatchObject({ closed_by_host: false });
    expect(ingest.received).toHaveLength(0);
  });

  it('reads back with its sync settings and no webhook URL; the settings are refused where they do not belong (400)', async () => {
    requireOk(await t.client.registerListing('vrbo', 'V1', { connection_id: 'c', secret: 's', currency: 'EUR', sync: 'ical', import_url: 'http://127.0.0.1:1/feed.ics', ical_poll_seconds: 0 }));
    expect(requireOk(await t.client.getListing('vrbo', 'V1'))).toMatchObject({
      sync: 'ical',
      webhook_url: null,
      ical: { export_path: '/vrbo/ical/V1.ics', import: { url: 'http://127.0.0.1:1/feed.ics', poll_seconds: 0, polls: { changed: 0, unchanged: 0, failed: 0 }, last_poll: null, etag: null } },
    });
    requireOk(await t.client.registerListing('vrbo', 'V2', { connection_id: 'c', secret: 's', currency: 'EUR', sync: 'ical' }));
    expect(requireOk(await t.client.getListing('vrbo', 'V2')).ical.import).toMatchObject({ url: null, poll_seconds: 300 });
    expect(requireOk(await t.client.getListing('vrbo', 'V2')).ical.import).not.toBeNull();
    await registerListing(t.client, 'vrbo', 'A1');
    expect(requireOk(await t.client.getListing('vrbo', 'A1'))).toMatchObject({ sync: 'api', ical: { export_path: '/vrbo/ical/A1.ics', import: null } });

    const refused = [
      [{ sync: 'api', import_url: 'http://127.0.0.1:1/f.ics' }, 'import_url: only with sync'],
      [{ ical_poll_seconds: 60 }, 'ical_poll_seconds: only with sync'],
      [{ sync: 'ical', webhook_url: 'http://127.0.0.1:1/hook' }, 'webhook_url: an iCal listing sends no webhooks'],
      [{ sync: 'email' }, 'sync: '],
      [{ sync: 'ical', ical_poll_seconds: -1 }, 'ical_poll_seconds: '],
      [{ sync: 'ical', import_url: 'file:///etc/passwd' }, 'import_url: '],
    ] as const;
    for (const [settings, message] of refused) {
      const response = await t.client.registerListing('vrbo', 'V3', { connection_id: 'c', secret: 's', currency: 'EUR', ...(settings as object) } as never);
      expect(response.status).toBe(400);
      expect(!response.ok && response.error.message).toContain(message);
    }
  });
});

describe("the platform's export feed (GET /{channel}/ical/{listingId}.ics)", () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(async () => {
    ingest.answerWith({ status: 202, body: {} });
    await registerListing(t.client, 'vrbo', 'V1');
  });

  const readFeed = (text: string) => parseFeed(text, { timeZone: 'Europe/Lisbon' });

  it("shows each stay with a UID that stays the same, and the host's blocks, in Vrbo's words; 304 to its ETag or Last-Modified", async () => {
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'HA-0000001', check_in: '2026-07-10', check_out: '2026-07-13', guest: { name: 'Ana Lima' } }));
    requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'a', updates: [{ from: '2026-08-01', to: '2026-08-04', available: false }] }));

    const first = await t.client.icalFeed('vrbo', 'V1');
    expect(first).toMatchObject({ status: 200, contentType: 'text/calendar; charset=utf-8' });
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(Date.parse(first.lastModified!)).toBeLessThanOrEqual(Date.now());
    expect(first.text).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*PRODID:-\/\/HomeAway\.com, Inc\.\/\/EN\r\n[\s\S]*END:VCALENDAR\r\n$/);
    const { entries, problems } = readFeed(first.text);
    expect(problems).toEqual([]);
    expect(entries.map(({ kind, checkIn, checkOut, summary }) => ({ kind, checkIn, checkOut, summary }))).toEqual([
      { kind: 'reservation', checkIn: '2026-07-10', checkOut: '2026-07-13', summary: 'Reserved - Ana' },
      { kind: 'blocked', checkIn: '2026-08-01', checkOut: '2026-08-04', summary: 'Blocked' },
    ]);
    const stayUid = entries[0]!.uid;

    expect(await t.client.icalFeed('vrbo', 'V1')).toMatchObject({ status: 200, text: first.text, etag: first.etag, lastModified: first.lastModified });
    expect(await t.client.icalFeed('vrbo', 'V1', { ifNoneMatch: first.etag! })).toMatchObject({ status: 304, text: '', etag: first.etag });
    expect(await t.client.icalFeed('vrbo', 'V1', { ifModifiedSince: first.lastModified! })).toMatchObject({ status: 304, text: '' });

    requireOk(await t.client.modifyBooking('vrbo', 'V1', 'HA-0000001', { check_out: '2026-07-15' }));
    const changed = await t.client.icalFeed('vrbo', 'V1', { ifNoneMatch: first.etag! });
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(first.etag);
    expect(Date.parse(changed.lastModified!)).toBeGreaterThan(Date.parse(first.lastModified!));
    expect(readFeed(changed.text).entries[0]).toMatchObject({ uid: stayUid, checkIn: '2026-07-10', checkOut: '2026-07-15' });
    expect((await t.client.icalFeed('vrbo', 'V1', { ifModifiedSince: first.lastModified! })).status).toBe(200);

    expect(requireOk(await t.client.getListing('vrbo', 'V1')).ical.export).toMatchObject({ fetches: { full: 4, not_modified: 2, broken: 0 }, last_fetch: { outcome: 'full', etag: changed.etag } });
    expect(requireOk(await t.client.stats('vrbo')).calls.ical_feed).toMatchObject({ ok: 6, failed: 0 });
  });

  it("writes Airbnb's feed with the reservation code our importer reads, and Booking.com's with stays and closed dates alike", async () => {
    await registerListing(t.client, 'airbnb', 'L1');
    requireOk(await t.client.createBooking('airbnb', 'L1', { reservation_id: 'HMTEST0001', check_in: '2026-07-10', check_out: '2026-07-13', guest: { name: 'Ana Lima', phone: '+351 900 004 821' } }));
    requireOk(await t.client.pushAvailability('airbnb', 'L1', { request_id: 'a', updates: [{ from: '2026-08-01', to: '2026-08-03', available: false }] }));
    const airbnb = readFeed((await t.client.icalFeed('airbnb', 'L1')).text).entries;
    expect(airbnb).toMatchObject([
      { kind: 'reservation', summary: 'Reserved', reservationCode: 'HMTEST0001', description: expect.stringContaining('Phone Number (Last 4 Digits): 4821') },
      { kind: 'blocked', summary: 'Airbnb (Not available)' },
    ]);
    expect(airbnb[0]!.uid).toMatch(/@airbnb\.com$/);

    await registerListing(t.client, 'booking_com', 'B1');
    requireOk(await t.client.createBooking('booking_com', 'B1', { check_in: '2026-07-10', check_out: '2026-07-13' }));
    requireOk(await t.client.pushAvailability('booking_com', 'B1', { request_id: 'a', updates: [{ from: '2026-08-01', to: '2026-08-03', available: false }] }));
    const booking = readFeed((await t.client.icalFeed('booking_com', 'B1')).text).entries;
    expect(booking.map((entry) => [entry.kind, entry.summary])).toEqual([
      ['blocked', 'CLOSED - Not available'],
      ['blocked', 'CLOSED - Not available'],
    ]);
  });

  it('answers 404 for an unknown listing or a path that is not {listingId}.ics, and unknown_channel for another word', async () => {
    expect(await t.client.icalFeed('vrbo', 'nope')).toMatchObject({ status: 404, text: expect.stringContaining('listing_not_found') });
    const noSuffix = await fetch(`${t.simulator.url}/vrbo/ical/V1`);
    expect(noSuffix.status).toBe(404);
    expect(await fetch(`${t.simulator.url}/tripadvisor/ical/V1.ics`).then((r) => r.json())).toMatchObject({ error: 'unknown_channel' });
  });

  it("fails, and waits, as the fault plan says (server_errors on 'ical_feed', latency)", async () => {
    requireOk(await t.client.setFaults('vrbo', { server_errors: { rate: 1, status: 503, endpoints: ['ical_feed'] } }));
    expect(await t.client.icalFeed('vrbo', 'V1')).toMatchObject({ status: 503, text: expect.stringContaining('server_error') });
    requireOk(await t.client.readRates('vrbo', 'V1', '2026-07-01', '2026-07-02'));
    expect(requireOk(await t.client.stats('vrbo')).calls.ical_feed).toMatchObject({ failed: 1, ok: 0 });

    requireOk(await t.client.setFaults('vrbo', { latency: { fixed_ms: 300 } }));
    const started = Date.now();
    expect((await t.client.icalFeed('vrbo', 'V1')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('broken_feed serves an empty calendar or a body cut short for the next fetches, then the feed again', async () => {
    requireOk(await t.client.createBooking('vrbo', 'V1', { check_in: '2026-07-10', check_out: '2026-07-13' }));
    const whole = await t.client.icalFeed('vrbo', 'V1');

    expect(requireOk(await t.client.setFaults('vrbo', { broken_feed: { serve: 'empty', next: 1 } })).remaining).toMatchObject({ broken_feed_next: 1 });
    const empty = await t.client.icalFeed('vrbo', 'V1', { ifNoneMatch: whole.etag! });
    expect(empty.status).toBe(200);
    expect(empty.etag).not.toBe(whole.etag);
    expect(empty.lastModified).toBeNull();
    expect(readFeed(empty.text)).toEqual({ entries: [], problems: [] });
    expect((await t.client.icalFeed('vrbo', 'V1', { ifNoneMatch: whole.etag! })).status).toBe(304);

    requireOk(await t.client.setFaults('vrbo', { broken_feed: { serve: 'truncated', rate: 1 } }));
    const cut = await t.client.icalFeed('vrbo', 'V1');
    expect(cut.status).toBe(200);
    expect(whole.text.startsWith(cut.text.trimEnd())).toBe(true);
    expect(cut.text).not.toContain('END:VCALENDAR');
    expect(readFeed(cut.text).problems.map((problem) => problem.code)).toContain('truncated_calendar');

    requireOk(await t.client.clearFaults('vrbo'));
    expect(await t.client.icalFeed('vrbo', 'V1')).toMatchObject({ status: 200, text: whole.text });
    expect(requireOk(await t.client.getListing('vrbo', 'V1')).ical.export.fetches).toEqual({ full: 2, not_modified: 1, broken: 2 });
  });
});

describe('the platform polls our feed of an iCal listing (import_url)', () => {
  const ingest = new WebhookReceiver();
  const ours = new OurFeedServer();
  let importUrl: string;
  const t = useTestSimulator(ingest);
  beforeAll(async () => {
    importUrl = await ours.start();
  });
  afterAll(() => ours.stop());
  beforeEach(async () => {
    ours.entries = [];
    ours.body = null;
    ours.requests.length = 0;
    await registerIcalListing(t.client, 'vrbo', 'V1', { import_url: importUrl, ical_poll_seconds: 0 });
  });

  it("closes the nights our feed blocks and reopens them when it drops them, by conditional GET (a 304 changes nothing); its own guest's nights stay held", async () => {
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'HA-0000001', check_in: '2026-07-20', check_out: '2026-07-22' }));
    ours.entries = [
      { uid: 'stay-1', kind: 'reservation', checkIn: '2026-07-10', checkOut: '2026-07-12' },
      { uid: 'block-1', kind: 'blocked', checkIn: '2026-07-11', checkOut: '2026-07-13' },
    ];

    expect(requireOk(await t.client.pollIcal('vrbo', 'V1')).poll).toEqual({ outcome: 'changed', nights_changed: 3, nights_closed: 3, events: 2, problems: [] });
    expect(await nightsOf(t.client, '2026-07-10', '2026-07-14')).toEqual([
      ['2026-07-10', true, null],
      ['2026-07-11', true, null],
      ['2026-07-12', true, null],
      ['2026-07-13', false, null],
    ]);
    // What it imported is not exported again (as the platforms do): its own feed shows its own guest only.
    const own = parseFeed((await t.client.icalFeed('vrbo', 'V1')).text, { timeZone: 'UTC' }).entries;
    expect(own.map((e) => [e.kind, e.checkIn, e.checkOut])).toEqual([['reservation', '2026-07-20', '2026-07-22']]);
    const etag = requireOk(await t.client.getListing('vrbo', 'V1')).ical.import!.etag;
    expect(etag).toMatch(/^"/);
    expect(ours.requests).toHaveLength(1);
    expect(ours.requests[0]!['if-none-match']).toBeUndefined();

    const unchanged = requireOk(await t.client.pollIcal('vrbo', 'V1'));
    expect(unchanged.poll).toEqual({ outcome: 'unchanged' });
    expect(ours.requests[1]!['if-none-match']).toBe(etag);
    expect(await nightsOf(t.client, '2026-07-10', '2026-07-14')).toHaveLength(4);

    // Our ledger took the platform's own booking from its feed, and our feed shows it back; the block went.
    ours.entries = [
      { uid: 'stay-1', kind: 'reservation', checkIn: '2026-07-10', checkOut: '2026-07-12' },
      { uid: 'vrbo-HA-0000001', kind: 'reservation', checkIn: '2026-07-20', checkOut: '2026-07-22' },
    ];
    expect(requireOk(await t.client.pollIcal('vrbo', 'V1')).poll).toMatchObject({ outcome: 'changed', nights_changed: 3, nights_closed: 4 });
    expect(await nightsOf(t.client, '2026-07-12', '2026-07-13')).toEqual([['2026-07-12', false, null]]);
    expect(await nightsOf(t.client, '2026-07-20', '2026-07-22')).toEqual([
      ['2026-07-20', true, 'HA-0000001'],
      ['2026-07-21', true, 'HA-0000001'],
    ]);

    ours.entries = [];
    expect(requireOk(await t.client.pollIcal('vrbo', 'V1')).poll).toMatchObject({ outcome: 'changed', nights_changed: 4, nights_closed: 0, events: 0 });
    expect(await nightsOf(t.client, '2026-07-20', '2026-07-21')).toEqual([['2026-07-20', false, 'HA-0000001']]);
    expect(requireOk(await t.client.trueCalendar('vrbo', 'V1', '2026-07-20', '2026-07-21')).nights[0]!.available).toBe(false);

    const view = requireOk(await t.client.getListing('vrbo', 'V1')).ical.import!;
    expect(view).toMatchObject({ polls: { changed: 3, unchanged: 1, failed: 0 }, last_poll: { outcome: 'changed', nights_changed: 4 } });
    expect(view.etag).not.toBe(etag);
  });

  it('does not apply a feed cut short: the poll fails, the calendar and the validators stay as they were', async () => {
    ours.entries = [{ uid: 'stay-1', kind: 'reservation', checkIn: '2026-07-10', checkOut: '2026-07-12' }];
    requireOk(await t.client.pollIcal('vrbo', 'V1'));
    const held = requireOk(await t.client.getListing('vrbo', 'V1')).ical.import!.etag;

    ours.entries = [];
    ours.body = ours.render().replace('END:VCALENDAR\r\n', '');
    expect(requireOk(await t.client.pollIcal('vrbo', 'V1')).poll).toMatchObject({ outcome: 'failed', error: { code: 'feed_incomplete', retriable: true } });
    expect(await nightsOf(t.client, '2026-07-10', '2026-07-11')).toEqual([['2026-07-10', true, null]]);
    expect(requireOk(await t.client.getListing('vrbo', 'V1')).ical.import).toMatchObject({ etag: held, polls: { changed: 1, failed: 1 } });
    expect(ours.requests[1]!['if-none-match']).toBe(held);
  });

  it('records a feed it cannot reach as a failed poll', async () => {
    requireOk(await t.client.registerListing('vrbo', 'V1', { connection_id: 'c', secret: 's', currency: 'EUR', sync: 'ical', import_url: 'http://127.0.0.1:1/feed.ics', ical_poll_seconds: 0 }));
    expect(requireOk(await t.client.pollIcal('vrbo', 'V1')).poll).toMatchObject({ outcome: 'failed', error: { code: 'ICAL_FEED_NETWORK', retriable: true } });
  });

  it('answers 409 to a poll of an API listing or of an iCal listing without an import_url', async () => {
    await registerListing(t.client, 'vrbo', 'A1');
    expect(await t.client.pollIcal('vrbo', 'A1')).toMatchObject({ status: 409, error: { error: 'not_ical_listing' } });
    await registerIcalListing(t.client, 'vrbo', 'V2');
    expect(await t.client.pollIcal('vrbo', 'V2')).toMatchObject({ status: 409, error: { error: 'no_import_url' } });
    expect(await t.client.pollIcal('vrbo', 'nope')).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
  });
});

describe('timed polls (ical_poll_seconds)', () => {
  it('poll at once and then every interval; close() ends them and aborts the poll in flight', async () => {
    const ours = new OurFeedServer();
    const importUrl = await ours.start();
    const t = await startTestSimulator();
    try {
      ours.entries = [{ uid: 'stay-1', kind: 'reservation', checkIn: '2026-07-10', checkOut: '2026-07-12' }];
      await registerIcalListing(t.client, 'vrbo', 'V1', { import_url: importUrl, ical_poll_seconds: 1 });
      await waitUntil('two polls', () => ours.requests.length >= 2, 5_000);
      expect(requireOk(await t.client.getListing('vrbo', 'V1')).ical.import!.polls).toMatchObject({ changed: 1 });
      expect(ours.requests[1]!['if-none-match']).toMatch(/^"/);

      ours.stall = true;
      const seen = ours.requests.length;
      await waitUntil('a poll held by our stalled feed', () => ours.requests.length > seen, 5_000);
      const started = Date.now();
      await t.simulator.close();
      // The platform waits 10 s for a feed: closing sooner means the poll in flight was aborted.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await t.simulator.close();
      await ours.stop();
    }
  });
});
