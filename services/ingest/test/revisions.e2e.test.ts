import { topics, type BookingEvent } from '@cm/schemas';
import { AvroSerde, BatchedPurge, topicRecord, waitFor, type RecordProducer } from '@cm/service-runtime';
import { stack, testKafka, testLogger } from '@cm/test-harness';
import { acknowledgedRevisions } from '../src/revisions/purge';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld, type TestTenant } from '@cm/test-harness/worlds/ingest-world';

const DAY_MS = 86_400_000;

interface Revision {
  revision_id: string;
  property_id: string;
  event_id: string;
  event_type: string;
  stay_key: string;
  booking_source: string;
  booking_ref: string;
  source: string;
  command_id: string;
  version: number;
  acknowledged_at: string | null;
  changes: Record<string, unknown>;
}

/**
 * Issue 18.4: the PMS revision feed. booking.events, as the arbiter publishes it, becomes each
 * tenant's feed on the real broker and database; the PMS pulls it oldest first and acknowledges.
 */
describe('ingest: the PMS revision feed', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;
  let serde: AvroSerde;
  let producer: RecordProducer;
  const kafka = testKafka('ingest-revision-tests');

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DECISION_DEADLINE_MS: '5000' });
    await world.startArbiter();
    serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [world.topics.bookingEvents], world.namespace);
    producer = await kafka.producer();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await world?.close();
  });

  const [a, b] = [() => world.tenants[0], () => world.tenants[1]];
  const feed = async (tenant: TestTenant, query = '', process = ingest) => {
    const answer = await world.pms(process, 'GET', `/v1/revisions${query}`, undefined, { tenant });
    expect(answer.status).toBe(200);
    return answer.body as { revisions: Revision[]; next_cursor: string | null; has_more: boolean; unacknowledged: number };
  };
  const feedUntil = async (tenant: TestTenant, count: number, query = '') => {
    let last = await feed(tenant, query);
    await waitFor(`${count} revisions of ${tenant.tenantId}`, async () => (last = await feed(tenant, query)).revisions.length >= count, { timeoutMs: 60_000, intervalMs: 200 });
    return last;
  };
  const metric = (text: string, name: string, tenant?: string): number | undefined => {
    const labels = tenant ? `\\{[^}]*tenant="${tenant}"[^}]*\\}` : '(?:\\{[^}]*\\})?';
    const match = new RegExp(`^${name}${labels} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const counted = async (process: IngestProcess, outcome: string) => metric(await process.metrics(), `cm_ingest_pms_revisions_total\\{[^}]*outcome="${outcome}"[^}]*\\}`) ?? 0;
  const rowsOf = async (tenantId: string) => Number((await world.db('ingest.pms_revisions').where({ tenant_id: tenantId }).count<{ count: string }[]>('* as count'))[0]!.count);

  let channelRevision: Revision;
  let pmsRevision: Revision;

  it('a channel booking and a PMS booking become revisions of their tenant, oldest first, with no guest data', async () => {
    const webhook = reservationCreated(a(), 'AIRBNB', {}, { id: 'HM-REV-1', guest: { name: 'Ana Revision', email: 'ana.revision@example.com' } });
    const taken = await world.webhook(ingest, 'AIRBNB', webhook);
    expect(taken.status).toBe(202);
    await feedUntil(a(), 1);
    const booked = await world.pms(ingest, 'POST', `/v1/properties/${a().propertyId}/bookings`, {
      reference: 'PMS-REV-1',
      check_in: '2027-04-01',
      check_out: '2027-04-03',
      total: { amount: '200.00', currency: 'EUR' },
      guest: { name: 'Pat Revision', email: 'pat.revision@example.com', phone: '+351 900 000 001' },
    });
    expect(booked.status).toBe(201);

    const page = await feedUntil(a(), 2);
    expect(page.revisions.map((r) => [r.event_type, r.stay_key, r.source])).toEqual([
      ['BOOKING_ACCEPTED', 'AIRBNB:HM-REV-1', 'AIRBNB'],
      ['BOOKING_ACCEPTED', 'PMS:PMS-REV-1', 'PMS'],
    ]);
    [channelRevision, pmsRevision] = page.revisions as [Revision, Revision];
    expect(channelRevision).toMatchObject({
      property_id: a().propertyId,
      event_id: `${taken.body.command_id}:event`,
      command_id: taken.body.command_id,
      booking_source: 'AIRBNB',
      booking_ref: 'HM-REV-1',
      acknowledged_at: null,
      changes: { status: 'CONFIRMED', check_in: '2027-03-10', check_out: '2027-03-14', total: { amount_minor: 61_250, currency: 'EUR' } },
    });
    expect(pmsRevision).toMatchObject({ command_id: booked.body.command_id, version: booked.body.version, changes: { status: 'CONFIRMED', check_in: '2027-04-01', check_out: '2027-04-03', total: { amount_minor: 20_000, currency: 'EUR' } } });
    // The cursor grows, and so does the ledger version of the property.
    expect(BigInt(pmsRevision.revision_id)).toBeGreaterThan(BigInt(channelRevision.revision_id));
    expect(pmsRevision.version).toBeGreaterThan(channelRevision.version);
    expect(page).toMatchObject({ next_cursor: pmsRevision.revision_id, has_more: false, unacknowledged: 2 });
    // The guest is read from the booking, as before: the feed copies none of it.
    expect(JSON.stringify(await world.db('ingest.pms_revisions').where({ tenant_id: a().tenantId }).select('*'))).not.toMatch(/Revision|revision@example|900 000/);
    const read = await world.pms(ingest, 'GET', `/v1/properties/${channelRevision.property_id}/bookings/${channelRevision.booking_ref}?source=${channelRevision.booking_source}`);
    expect(read.body.guest).toMatchObject({ name: 'Ana Revision' });
  });

  it('pages by cursor, oldest first', async () => {
    const first = await feed(a(), '?limit=1');
    expect(first).toMatchObject({ revisions: [{ revision_id: channelRevision.revision_id }], next_cursor: channelRevision.revision_id, has_more: true, unacknowledged: 2 });
    const second = await feed(a(), `?limit=1&after=${first.next_cursor}`);
    expect(second).toMatchObject({ revisions: [{ revision_id: pmsRevision.revision_id }], has_more: false });
    const past = await feed(a(), `?after=${second.next_cursor}`);
    expect(past).toMatchObject({ revisions: [], next_cursor: pmsRevision.revision_id, has_more: false });
    expect((await feed(a(), `?property_id=${encodeURIComponent(a().propertyId)}`)).revisions).toHaveLength(2);
    for (const bad of ['?after=-1', '?after=0', '?after=99999999999999999999', '?limit=0', '?include_acknowledged=yes', '?other=1']) {
      expect({ bad, ...(await world.pms(ingest, 'GET', `/v1/revisions${bad}`)) }).toMatchObject({ bad, status: 400, body: { code: 'invalid_request' } });
    }
  });

  it('the gauges count unacknowledged revisions per tenant and the age of the oldest', async () => {
    const text = await ingest.metrics();
    expect(metric(text, 'cm_ingest_pms_revisions_unacknowledged', a().tenantId)).toBe(2);
    expect(metric(text, 'cm_ingest_pms_revisions_unacknowledged', b().tenantId)).toBe(0);
    expect(metric(text, 'cm_ingest_pms_revisions_oldest_unacknowledged_age_seconds', a().tenantId)).toBeGreaterThan(0);
    expect(metric(text, 'cm_ingest_pms_revisions_oldest_unacknowledged_age_seconds', b().tenantId)).toBe(0);
    expect(await counted(ingest, 'recorded')).toBeGreaterThanOrEqual(2);
  });

  it("another tenant sees none of it: an empty feed, 404 acknowledging one, its property 404", async () => {
    expect(await feed(b())).toMatchObject({ revisions: [], unacknowledged: 0, next_cursor: null });
    expect((await feed(b(), '?include_acknowledged=true')).revisions).toEqual([]);
    const ack = await world.pms(ingest, 'POST', `/v1/revisions/${channelRevision.revision_id}/ack`, undefined, { tenant: b() });
    expect(ack).toMatchObject({ status: 404, body: { code: 'revision_not_found' } });
    const missing = await world.pms(ingest, 'POST', '/v1/revisions/987654321987/ack', undefined, { tenant: b() });
    expect(missing).toMatchObject({ status: 404, body: { code: 'revision_not_found' } });
    const batch = await world.pms(ingest, 'POST', '/v1/revisions/ack', { revision_ids: [channelRevision.revision_id] }, { tenant: b() });
    expect(batch).toMatchObject({ status: 200, body: { acknowledged: [], not_found: [channelRevision.revision_id] } });
    expect((await world.pms(ingest, 'GET', `/v1/revisions?property_id=${encodeURIComponent(a().propertyId)}`, undefined, { tenant: b() })).status).toBe(404);
    expect((await world.pms(ingest, 'GET', '/v1/revisions', undefined, { apiKey: null })).status).toBe(401);
    // Nothing of tenant A's was acknowledged by B's attempts.
    expect((await feed(a())).unacknowledged).toBe(2);
  });

  it('acknowledging takes a revision out of the unacknowledged feed, and acknowledging again answers the same', async () => {
    const first = await world.pms(ingest, 'POST', `/v1/revisions/${channelRevision.revision_id}/ack`);
    expect(first).toMatchObject({ status: 200, body: { revision_id: channelRevision.revision_id, event_id: channelRevision.event_id } });
    expect(first.body.acknowledged_at).toEqual(expect.any(String));
    const again = await world.pms(ingest, 'POST', `/v1/revisions/${channelRevision.revision_id}/ack`);
    expect(again).toMatchObject({ status: 200, body: first.body });

    expect(await feed(a())).toMatchObject({ revisions: [{ revision_id: pmsRevision.revision_id }], unacknowledged: 1 });
    const all = await feed(a(), '?include_acknowledged=true');
    expect(all.revisions.map((r) => [r.revision_id, r.acknowledged_at])).toEqual([
      [channelRevision.revision_id, first.body.acknowledged_at],
      [pmsRevision.revision_id, null],
    ]);
    expect(metric(await ingest.metrics(), 'cm_ingest_pms_revisions_unacknowledged', a().tenantId)).toBe(1);

    const batch = await world.pms(ingest, 'POST', '/v1/revisions/ack', { revision_ids: [pmsRevision.revision_id, channelRevision.revision_id, '555555555555'] });
    expect(batch.status).toBe(200);
    expect(batch.body.acknowledged.map((r: Revision) => [r.revision_id, r.acknowledged_at])).toEqual([
      [channelRevision.revision_id, first.body.acknowledged_at],
      [pmsRevision.revision_id, expect.any(String)],
    ]);
    expect(batch.body.not_found).toEqual(['555555555555']);
    expect(await feed(a())).toMatchObject({ revisions: [], unacknowledged: 0 });
    const text = await ingest.metrics();
    expect(metric(text, 'cm_ingest_pms_revisions_unacknowledged', a().tenantId)).toBe(0);
    expect(metric(text, 'cm_ingest_pms_revisions_oldest_unacknowledged_age_seconds', a().tenantId)).toBe(0);
    for (const bad of [{}, { revision_ids: [] }, { revision_ids: ['x'] }, { revision_ids: [1] }]) {
      expect((await world.pms(ingest, 'POST', '/v1/revisions/ack', bad)).status).toBe(400);
    }
    expect((await world.pms(ingest, 'POST', '/v1/revisions/abc/ack')).status).toBe(400);
  });

  it('an event of a property the directory does not know is counted and skipped; COMMAND_IGNORED is no revision', async () => {
    const before = { unknown: await counted(ingest, 'unknown_property'), ignored: await counted(ingest, 'not_a_change') };
    const event = (propertyId: string, overrides: Partial<BookingEvent>): BookingEvent => ({
      event_id: `test:${world.namespace}:${propertyId}:${overrides.event_type}`,
      property_id: propertyId,
      version: 1,
      source: 'VRBO',
      command_id: `test:${propertyId}`,
      event_type: 'BOOKING_ACCEPTED',
      booking_ref: 'VR-1',
      booking_source: 'VRBO',
      status: 'CONFIRMED',
      check_in: 20_000,
      check_out: 20_002,
      previous_check_in: null,
      previous_check_out: null,
      price: null,
      rate_plan: null,
      reason: null,
      conflicting_ref: null,
      occurred_at: Date.now(),
      correlation_id: 'test',
      ...overrides,
    });
    const send = async (value: BookingEvent) => producer.send(world.topics.bookingEvents, [await topicRecord(serde, topics.bookingEvents, value)]);
    await send(event('no-such-property', { event_type: 'BOOKING_ACCEPTED' }));
    await send(event(b().propertyId, { event_type: 'COMMAND_IGNORED', version: 0, reason: 'duplicate_command', status: null }));
    await waitFor('both counted', async () => (await counted(ingest, 'unknown_property')) > before.unknown && (await counted(ingest, 'not_a_change')) > before.ignored, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await world.db('ingest.pms_revisions').where({ property_id: 'no-such-property' }).first()).toBeUndefined();
    expect(await rowsOf(b().tenantId)).toBe(0);
    expect(ingest.output()).toMatch(/does not know/);
  });

  it('a replay of booking.events (a new consumer group from the start) records nothing twice, purged revisions included', async () => {
    // Another booking for B, so the replay meets two tenants' events.
    const webhook = reservationCreated(b(), 'BOOKING_COM', {}, { id: 'BC-REV-1' });
    expect((await world.webhook(ingest, 'BOOKING_COM', webhook, { tenant: b() })).status).toBe(202);
    await feedUntil(b(), 1);

    // A's channel revision is acknowledged past the window and purged: its version becomes the property's purge mark.
    await world.db('ingest.pms_revisions').where({ revision_id: channelRevision.revision_id }).update({ acknowledged_at: world.db.raw(`now() - interval '8 days'`) });
    const purge = new BatchedPurge({ what: 'acknowledged PMS revisions', deleteBatch: acknowledgedRevisions(world.db, 7 * DAY_MS), intervalMs: DAY_MS, batchSize: 1, onPurged: () => {}, log: testLogger });
    expect(await purge.purgeOnce()).toBe(1);
    expect(Number((await world.db('ingest.pms_revision_purge_marks').where({ property_id: a().propertyId }).first()).version)).toBe(channelRevision.version);

    const rows = await world.db('ingest.pms_revisions').orderBy('revision_id').select('revision_id', 'event_id');
    // Three decisions of the arbiter (two of A, one purged since, and one of B) and the two events sent above.
    const events = await world.read<BookingEvent>(world.topics.bookingEvents, (records) => records.length >= 5, 30_000);
    expect(events).toHaveLength(5);
    const replaying = await world.startIngest({ CONSUMER_GROUP: `cm.ingest.${world.namespace}.replay` });
    const expected = events.filter((e) => e.value.event_type !== 'COMMAND_IGNORED' && e.value.property_id !== 'no-such-property').length;
    await waitFor('the replay took every event', async () => (await counted(replaying, 'duplicate')) >= expected, { timeoutMs: 60_000, intervalMs: 250 });
    expect(await counted(replaying, 'recorded')).toBe(0);
    expect(await world.db('ingest.pms_revisions').orderBy('revision_id').select('revision_id', 'event_id')).toEqual(rows);
    expect(await feed(a(), '', replaying)).toMatchObject({ revisions: [], unacknowledged: 0 });
  });
});
