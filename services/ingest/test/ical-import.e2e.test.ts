import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImportUrl } from '@cm/directory';
import type { AvailabilityChange, Channel, Conflict } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { testKeyRing } from '@cm/test-harness';
import { ingestWorld, type IngestProcess, type IngestWorld, type TestTenant } from '@cm/test-harness/worlds/ingest-world';
import { ImportStore } from '../src/ical-import/import-store';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

/** A platform's export feed of one listing, as the test sets it: Vrbo's words, an ETag, 304s counted. */
class PlatformFeed {
  body = calendar([]);
  status = 200;
  gets = 0;
  notModified = 0;
  get etag() {
    return `"${createHash('sha256').update(this.body).digest('hex').slice(0, 16)}"`;
  }
}

function calendar(events: readonly { uid: string; summary: string; from: string; to: string }[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Vrbo//Calendar//EN'];
  for (const e of events) lines.push('BEGIN:VEVENT', `UID:${e.uid}`, 'DTSTAMP:20261201T000000Z', `DTSTART;VALUE=DATE:${e.from.replaceAll('-', '')}`, `DTEND;VALUE=DATE:${e.to.replaceAll('-', '')}`, `SUMMARY:${e.summary}`, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

const stay = (uid: string, from: string, to: string) => ({ uid: `${uid}@vrbo.example`, summary: `Reserved - ${uid}`, from, to });

/**
 * Issue 21.1 on the real stack (ingest and booking-arbiter as processes, Kafka, PostgreSQL): each
 * listing's import feed, served here as a platform serves it, is read by ingest and its events
 * become ledger holds decided by the arbiter.
 */
describe('ingest: iCal import feeds become ledger holds', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;
  let server: Server;
  let imports: ImportStore;
  const feeds = new Map<string, PlatformFeed>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      const feed = feeds.get(request.url ?? '');
      if (!feed) return void response.writeHead(404).end();
      feed.gets++;
      if (feed.status !== 200) return void response.writeHead(feed.status).end('unavailable');
      if (request.headers['if-none-match'] === feed.etag) {
        feed.notModified++;
        return void response.writeHead(304, { etag: feed.etag }).end();
      }
      response.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag: feed.etag }).end(feed.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    world = await ingestWorld();
    imports = new ImportStore(world.db);
    ingest = await world.startIngest({ ICAL_IMPORT_TICK_MS: '200', DIRECTORY_CACHE_MS: '200' });
    await world.startArbiter();
  });
  afterAll(async () => {
    await world?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A feed for one listing, its URL set in the directory as the listing's (sealed) import URL. */
  const importedFeed = async (tenant: TestTenant, channel: Channel) => {
    const path = `/${tenant.tenantId}/${channel.toLowerCase()}.ics`;
    const feed = new PlatformFeed();
    feeds.set(path, feed);
    const listing = { channel, listingId: tenant.connections[channel].listingId };
    await setImportUrl(world.db, testKeyRing, listing, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { feed, listing, readNow: async () => {
      const gets = feed.gets;
      // An operator's "read it now": the importer picks it up at its next tick.
      await waitFor(`the ${channel} feed known to the importer`, () => imports.pollNow(listing.channel, listing.listingId, Date.now()), { timeoutMs: 20_000, intervalMs: 100 });
      await waitFor(`a read of the ${channel} feed`, async () => feed.gets > gets, { timeoutMs: 20_000, intervalMs: 50 });
    } };
  };

  const heldBy = async (tenant: TestTenant, from: string, to: string) => {
    const answer = await world.pms(ingest, 'GET', `/v1/properties/${tenant.propertyId}/calendar?from=${from}&to=${to}`, undefined, { tenant });
    expect(answer.status).toBe(200);
    return (answer.body.nights as { date: string; held_by: string | null }[]).map((n) => n.held_by);
  };
  const conflictsOf = (propertyId: string, type: Conflict['conflict_type'], atLeast = 1) =>
    world.read<Conflict>(world.topics.conflicts, (rs) => rs.filter((r) => r.value.property_id === propertyId && r.value.conflict_type === type).length >= atLeast, 30_000).then((rs) => rs.map((r) => r.value).filter((c) => c.property_id === propertyId && c.conflict_type === type));

  it('a reservation appearing in an imported feed closes the other channels, and its removal opens them; an unchanged feed is a 304', async () => {
    const tenant = world.tenants[0];
    const { feed, readNow } = await importedFeed(tenant, 'VRBO');
    feed.body = calendar([stay('ana', '2027-03-01', '2027-03-04')]);
    await readNow();
    const held = await waitFor('the Vrbo stay held', async () => ((await heldBy(tenant, '2027-03-01', '2027-03-05')).slice(0, 3).every((h) => h?.startsWith('VRBO:ical-')) ? heldBy(tenant, '2027-03-01', '2027-03-05') : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    expect(held[3]).toBeNull();
    const closed = await world.read<AvailabilityChange>(world.topics.availabilityChanges, (rs) => rs.some((r) => r.value.property_id === tenant.propertyId && !r.value.available && r.value.from_date === day('2027-03-01')));
    expect(closed.find((r) => r.value.property_id === tenant.propertyId && !r.value.available)!.value).toMatchObject({ to_date: day('2027-03-04'), except_channel: 'VRBO', source: 'VRBO' });

    await readNow();
    await waitFor('a 304 for the unchanged feed', async () => feed.notModified >= 1, { timeoutMs: 10_000, intervalMs: 50 });

    feed.body = calendar([]);
    await readNow();
    await waitFor('the Vrbo stay released', async () => (await heldBy(tenant, '2027-03-01', '2027-03-04')).every((h) => h === null), { timeoutMs: 30_000, intervalMs: 200 });
    const opened = await world.read<AvailabilityChange>(world.topics.availabilityChanges, (rs) => rs.some((r) => r.value.property_id === tenant.propertyId && r.value.available && r.value.from_date === day('2027-03-01')));
    expect(opened.find((r) => r.value.property_id === tenant.propertyId && r.value.available)!.value).toMatchObject({ to_date: day('2027-03-04'), except_channel: 'VRBO' });
  });

  it('a reservation in a feed over nights the ledger already holds is the losing booking of an overbooking (CRITICAL, for review), whose task says iCal cannot act on it', async () => {
    const tenant = world.tenants[0];
    const direct = await world.pms(ingest, 'POST', `/v1/properties/${tenant.propertyId}/bookings`, { reference: 'direct-may', check_in: '2027-05-10', check_out: '2027-05-14', status: 'CONFIRMED' }, { tenant });
    expect([200, 201, 202]).toContain(direct.status);
    await waitFor('the direct booking held', async () => (await heldBy(tenant, '2027-05-10', '2027-05-11'))[0] !== null, { timeoutMs: 30_000, intervalMs: 200 });

    const { feed, readNow } = await importedFeed(tenant, 'EXPEDIA');
    feed.body = calendar([stay('bo', '2027-05-12', '2027-05-15')]);
    await readNow();
    const [overbooking] = await conflictsOf(tenant.propertyId, 'OVERBOOKING');
    expect(overbooking).toMatchObject({ severity: 'CRITICAL', requires_review: true, channel: 'EXPEDIA', source: 'EXPEDIA' });
    // The losing reservation cannot be acted on through iCal: the task says so.
    expect(overbooking!.summary).toContain("it came from EXPEDIA's iCal feed, which carries no reservation operation: a person must cancel it, or keep the guest, on EXPEDIA");
    expect((await heldBy(tenant, '2027-05-12', '2027-05-15')).map((h) => h?.split(':')[0] ?? null)).toEqual(['PMS', 'PMS', null]);
  });

  it('5.1 availability, iCal feed shrank: a feed that goes from three stays to none releases nothing and raises AVAILABILITY_DRIFT; once an operator accepts it, its next read releases them', async () => {
    const tenant = world.tenants[1];
    const { feed, listing, readNow } = await importedFeed(tenant, 'VRBO');
    feed.body = calendar([stay('c1', '2027-06-01', '2027-06-03'), stay('c2', '2027-06-10', '2027-06-12'), stay('c3', '2027-06-20', '2027-06-22')]);
    await readNow();
    await waitFor('three Vrbo stays held', async () => (await heldBy(tenant, '2027-06-01', '2027-06-22')).filter((h) => h !== null).length === 6, { timeoutMs: 30_000, intervalMs: 200 });

    feed.body = calendar([]);
    await readNow();
    const [drift] = await conflictsOf(tenant.propertyId, 'AVAILABILITY_DRIFT');
    expect(drift).toMatchObject({ rule: '5.1 availability, iCal feed shrank', resolution: 'KEPT_LEDGER', severity: 'CRITICAL', channel: 'VRBO', facts: { kind: 'AVAILABILITY_DRIFT', drift_nights: 6, open_while_booked: 6 } });
    // A second read still believes nothing: nothing has been released in between, and the same shrink is not raised again.
    await readNow();
    expect((await heldBy(tenant, '2027-06-01', '2027-06-22')).filter((h) => h !== null)).toHaveLength(6);
    expect(await conflictsOf(tenant.propertyId, 'AVAILABILITY_DRIFT')).toHaveLength(1);

    expect(await imports.acceptShrink(listing.channel, listing.listingId, Date.now())).toBe(true);
    await waitFor('the three stays released after the operator accepted the feed', async () => (await heldBy(tenant, '2027-06-01', '2027-06-22')).every((h) => h === null), { timeoutMs: 30_000, intervalMs: 200 });
  });

  it('a feed that cannot be read (an error status, a cut-off calendar) raises SYNC_FAILED at the 1st and the 4th failure in a row, without its URL, and releases nothing', async () => {
    const tenant = world.tenants[1];
    const { feed, listing, readNow } = await importedFeed(tenant, 'EXPEDIA');
    feed.body = calendar([stay('d1', '2027-08-01', '2027-08-05')]);
    await readNow();
    await waitFor('the stay held', async () => (await heldBy(tenant, '2027-08-01', '2027-08-02'))[0] !== null, { timeoutMs: 30_000, intervalMs: 200 });

    const stateOf = async () => (await imports.states()).find((f) => f.channel === listing.channel && f.listingId === listing.listingId)!;
    feed.status = 503;
    await readNow();
    await waitFor('the first failure recorded', async () => (await stateOf()).consecutiveFailures === 1, { timeoutMs: 10_000, intervalMs: 50 });
    feed.status = 200;
    feed.body = calendar([]).replace('END:VCALENDAR\r\n', '');
    await readNow();
    await waitFor('the cut-off calendar recorded as the second failure', async () => (await stateOf()).consecutiveFailures === 2, { timeoutMs: 10_000, intervalMs: 50 });
    expect((await stateOf()).lastProblem).toContain('not a whole calendar');
    feed.status = 503;
    await readNow();
    await readNow();
    const failures = await conflictsOf(tenant.propertyId, 'SYNC_FAILED', 2);
    expect(failures.map((c) => c.facts)).toEqual([
      expect.objectContaining({ kind: 'SYNC_FAILED', channel: 'EXPEDIA', consecutive_failures: 1 }),
      expect.objectContaining({ kind: 'SYNC_FAILED', channel: 'EXPEDIA', consecutive_failures: 4 }),
    ]);
    expect(failures[1]).toMatchObject({ severity: 'HIGH', requires_review: true });
    expect(failures[0]!.summary).toContain('HTTP 503');
    for (const c of failures) expect(JSON.stringify(c)).not.toContain('127.0.0.1');
    expect((await heldBy(tenant, '2027-08-01', '2027-08-05')).every((h) => h !== null)).toBe(true);
  });

  // Found by a review: PostgreSQL refused the NUL, the read failed on every poll, and nothing of the feed was taken in, with nobody told.
  it('a UID holding a NUL, or longer than any calendar writes, is kept by its hash: the feed is taken in, and its next read changes nothing', async () => {
    const tenant = world.tenants[0];
    const { feed, readNow } = await importedFeed(tenant, 'BOOKING_COM');
    feed.body = calendar([
      { uid: 'nul\u0000@booking.example', summary: 'Reserved', from: '2027-09-01', to: '2027-09-03' },
      { uid: `${'x'.repeat(3_000)}@booking.example`, summary: 'Reserved', from: '2027-09-10', to: '2027-09-12' },
    ]);
    await readNow();
    await waitFor('both stays held', async () => (await heldBy(tenant, '2027-09-01', '2027-09-12')).filter((h) => h?.startsWith('BOOKING_COM:ical-')).length === 4, { timeoutMs: 30_000, intervalMs: 200 });
    const kept = await world.db('ingest.ical_import_events').where({ channel: 'BOOKING_COM', listing_id: tenant.connections.BOOKING_COM.listingId }).select('uid');
    expect(kept.map((e: { uid: string }) => e.uid.replace(/[0-9a-f]{64}/, 'H')).sort()).toEqual(['sha256:H', 'sha256:H']);

    // Read again whole (another ETag): the same events under the same keys, so nothing moves.
    const state = () => world.db('ingest.ical_imports').where({ channel: 'BOOKING_COM', listing_id: tenant.connections.BOOKING_COM.listingId }).first('consecutive_failures', 'last_read_at_ms', 'source_version');
    const before = await state();
    feed.body = feed.body.replace('VERSION:2.0', 'VERSION:2.0\r\nX-WR-CALNAME:again');
    await readNow();
    await waitFor('the second read recorded', async () => Number((await state())?.last_read_at_ms) > Number(before?.last_read_at_ms), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await state()).toMatchObject({ consecutive_failures: 0, source_version: before?.source_version });
    const counted = await world.db('ingest.ical_import_events').where({ channel: 'BOOKING_COM', listing_id: tenant.connections.BOOKING_COM.listingId }).count({ n: '*' });
    expect(Number(counted[0]?.n)).toBe(2);
  });

  it('a read asked for while another read of the feed is under way is kept, not overwritten by its next due time', async () => {
    const feed = { channel: 'VRBO' as const, listingId: `not-imported-${Date.now()}` };
    const dueAt = async () => (await world.db('ingest.ical_imports').where({ channel: feed.channel, listing_id: feed.listingId }).first<{ next_poll_at_ms: string }>())!.next_poll_at_ms;
    await imports.ensure([feed], 1_000);

    const [first] = await imports.claimDue([feed], 1_000, 60_000, 1);
    expect(first!.claimedUntilMs).toBe(61_000);
    await imports.pollNow(feed.channel, feed.listingId, 2_000);
    await imports.recordUnchanged(feed.channel, feed.listingId, 3_000, { atMs: 303_000, claimedUntilMs: first!.claimedUntilMs });
    expect(Number(await dueAt())).toBe(2_000);

    const [second] = await imports.claimDue([feed], 4_000, 60_000, 1);
    await imports.recordUntaken(feed.channel, feed.listingId, 'HTTP 503', { atMs: 305_000, claimedUntilMs: second!.claimedUntilMs }, true);
    expect(Number(await dueAt())).toBe(305_000);

    // An operator's accept made while a read is under way waits for the next read.
    const [third] = await imports.claimDue([feed], 306_000, 60_000, 1);
    await imports.acceptShrink(feed.channel, feed.listingId, 307_000);
    await imports.recordRead(feed.channel, feed.listingId, { etag: null, lastModified: null, sourceVersion: 0, readAtMs: 308_000, nextPoll: { atMs: 608_000, claimedUntilMs: third!.claimedUntilMs }, events: [] });
    const [fourth] = await imports.claimDue([feed], 309_000, 60_000, 1);
    expect(fourth).toMatchObject({ acceptShrink: true });
    await imports.recordRead(feed.channel, feed.listingId, { etag: null, lastModified: null, sourceVersion: 0, readAtMs: 310_000, nextPoll: { atMs: 610_000, claimedUntilMs: fourth!.claimedUntilMs }, events: [] });
    expect(Number(await dueAt())).toBe(610_000);
    expect((await imports.claimDue([feed], 610_000, 60_000, 1))[0]).toMatchObject({ acceptShrink: false });
  });
});
