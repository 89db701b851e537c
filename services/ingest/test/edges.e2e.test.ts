import type { BookingCommand } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/**
 * What probing ingest as an attacker found (issue 16), each on a real ingest and arbiter: events
 * of two tenants that share an event id, text that is not Unicode, look-alike ids, answers that
 * told which connections and listings exist, and numbers that were not read as written.
 */
describe('ingest: the edges hold against hostile and careless input', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DECISION_DEADLINE_MS: '5000' });
    await world.startArbiter();
  });
  afterAll(async () => world?.close());

  const commandsFor = async (refs: string[]) => {
    const records = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => refs.every((ref) => rs.some((r) => r.value.booking_ref === ref)));
    return records.filter((r) => refs.includes(r.value.booking_ref)).map((r) => r.value);
  };
  const problem = (answer: { status: number; body: any }) => ({ status: answer.status, code: answer.body?.code });

  it('two tenants whose platform accounts send the same event id: both bookings are taken in and decided', async () => {
    const [a, b] = world.tenants;
    const eventId = 'evt-shared-by-two-accounts';
    const first = reservationCreated(b, 'AIRBNB', { event_id: eventId });
    const second = reservationCreated(a, 'AIRBNB', { event_id: eventId }, { check_in: '2027-08-01', check_out: '2027-08-04' });
    expect((await world.webhook(ingest, 'AIRBNB', first, { tenant: b })).status).toBe(202);
    const answer = await world.webhook(ingest, 'AIRBNB', second, { tenant: a });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', command_id: `AIRBNB:${a.connections.AIRBNB.connectionId}:${eventId}` });

    const refs = [first, second].map((body) => (body.reservation as { id: string }).id);
    const commands = await commandsFor(refs);
    expect(commands.map((c) => c.property_id).sort()).toEqual([a.propertyId, b.propertyId].sort());
    await waitFor('both decided', async () => (await world.db('stays').whereIn('ref', refs).select('ref')).length === 2, { timeoutMs: 15_000, intervalMs: 100 });

    // Each is still deduplicated within its own connection.
    expect((await world.webhook(ingest, 'AIRBNB', second, { tenant: a })).body).toEqual({ status: 'duplicate' });
  });

  it('refuses strings that are not Unicode: a lone surrogate escaped or raw bytes that are not UTF-8, naming the field', async () => {
    const [tenant] = world.tenants;
    const guestName = await world.pms(ingest, 'POST', `/v1/properties/${tenant.propertyId}/bookings`, { check_in: '2027-09-01', check_out: '2027-09-03', guest: { name: 'Ana \uD800' } });
    expect(problem(guestName)).toEqual({ status: 400, code: 'ill_formed_unicode' });
    expect(guestName.body.errors).toEqual([{ path: 'guest.name', message: expect.stringContaining('lone surrogate') }]);

    const eventId = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { event_id: 'evt-\uDC00' }));
    expect(problem(eventId)).toEqual({ status: 400, code: 'ill_formed_unicode' });
    expect(eventId.body.errors).toEqual([{ path: 'event_id', message: expect.any(String) }]);

    const json = Buffer.from(JSON.stringify(reservationCreated(tenant, 'AIRBNB', {}, { guest: { name: 'Ana #' } })));
    const at = json.indexOf('#');
    const bytes = await world.webhook(ingest, 'AIRBNB', Buffer.concat([json.subarray(0, at), Buffer.from([0xc3, 0x28]), json.subarray(at + 1)]));
    expect(problem(bytes)).toEqual({ status: 400, code: 'malformed_utf8' });
  });

  it('two event ids that differ only in a lone surrogate are not one event: neither is taken in', async () => {
    const [tenant] = world.tenants;
    for (const eventId of ['evt-twin-\uD800', 'evt-twin-\uD801']) {
      expect(problem(await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { event_id: eventId })))).toEqual({ status: 400, code: 'ill_formed_unicode' });
    }
  });

  it('refuses ids with bidirectional overrides, zero-width or control characters; free text keeps them', async () => {
    const [tenant] = world.tenants;
    const spoofed = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', {}, { id: 'HM\u202E1234' }));
    expect(problem(spoofed)).toEqual({ status: 400, code: 'invalid_identifier' });
    expect(spoofed.body.errors).toEqual([{ path: 'reservation.id', message: 'contains a bidirectional control character U+202E' }]);
    const invisible = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { event_id: 'evt\u200Bx' }));
    expect(invisible.body.errors).toEqual([{ path: 'event_id', message: 'contains a zero-width character U+200B' }]);

    const reference = await world.pms(ingest, 'POST', `/v1/properties/${tenant.propertyId}/bookings`, { reference: 'D-\u2066900', check_in: '2027-09-05', check_out: '2027-09-07' });
    expect(problem(reference)).toEqual({ status: 400, code: 'invalid_request' });
    expect(reference.body.errors).toEqual([{ path: 'reference', message: 'contains a bidirectional control character U+2066' }]);
    const path = await world.pms(ingest, 'GET', `/v1/properties/${tenant.propertyId}/bookings/${encodeURIComponent('D\u200D1')}`);
    expect(problem(path)).toEqual({ status: 400, code: 'invalid_request' });
  });

  it('an unknown connection is answered exactly as a known one with a wrong signature', async () => {
    const [tenant] = world.tenants;
    const body = reservationCreated(tenant, 'AIRBNB');
    const unknown = await world.webhook(ingest, 'AIRBNB', body, { connectionId: 'no-such-connection' });
    const wrongSecret = await world.webhook(ingest, 'AIRBNB', body, { secret: 'not-the-secret' });
    const otherChannel = await world.webhook(ingest, 'VRBO', body, { connectionId: tenant.connections.AIRBNB.connectionId });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrongSecret.body);
    expect(otherChannel.body).toEqual(wrongSecret.body);
    const unsigned = { 'x-cm-signature': '' };
    expect((await world.webhook(ingest, 'AIRBNB', body, { connectionId: 'no-such-connection', headers: unsigned })).body).toEqual((await world.webhook(ingest, 'AIRBNB', body, { headers: unsigned })).body);
  });

  it("another tenant's listing is answered exactly as a listing that does not exist", async () => {
    const [tenant, other] = world.tenants;
    const theirs = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: other.connections.AIRBNB.listingId }));
    const nobodys = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: 'never-mapped' }));
    expect(problem(theirs)).toEqual({ status: 422, code: 'unknown_listing' });
    expect({ ...theirs.body, detail: theirs.body.detail.replace(other.connections.AIRBNB.listingId, '<id>') }).toEqual({ ...nobodys.body, detail: nobodys.body.detail.replace('never-mapped', '<id>') });
  });

  it('a number that cannot be read as written is refused, not stored as another amount', async () => {
    const [tenant] = world.tenants;
    for (const amount of ['1e-400', '1e400', '12345678901234567890', '0.1000000000000000055511151231257827']) {
      const raw = JSON.stringify(reservationCreated(tenant, 'AIRBNB', {}, { total: { amount: 0, currency: 'EUR' } })).replace('"amount":0', `"amount":${amount}`);
      const answer = await world.webhook(ingest, 'AIRBNB', raw);
      expect({ amount, ...problem(answer) }).toEqual({ amount, status: 400, code: 'number_not_representable' });
      const pms = await world.pms(ingest, 'POST', `/v1/properties/${tenant.propertyId}/bookings`, `{"check_in":"2027-10-01","check_out":"2027-10-03","total":{"amount":${amount},"currency":"EUR"}}`);
      expect({ amount, ...problem(pms) }).toEqual({ amount, status: 400, code: 'number_not_representable' });
    }
    // Numbers written plainly still read as written, trailing zeros and exponents included.
    const fine = JSON.stringify(reservationCreated(tenant, 'AIRBNB', {}, { total: { amount: 0, currency: 'EUR' } })).replace('"amount":0', '"amount":6.125e2');
    expect((await world.webhook(ingest, 'AIRBNB', fine)).status).toBe(202);
  });

  it('a total in another currency than the property’s is taken, and the decision records the mismatch', async () => {
    const [tenant] = world.tenants;
    const body = reservationCreated(tenant, 'BOOKING_COM', {}, { check_in: '2027-11-01', check_out: '2027-11-04', total: { amount: '300.00', currency: 'USD' } });
    expect((await world.webhook(ingest, 'BOOKING_COM', body)).status).toBe(202);
    const ref = (body.reservation as { id: string }).id;
    const [command] = await commandsFor([ref]);
    expect(command!.command).toMatchObject({ kind: 'CREATE_BOOKING', property_currency: 'EUR', price: { amount_minor: 30_000, currency: 'USD' } });
    const conflict = await waitFor(
      'the decision',
      async () => world.db('audit_log').where({ property_id: tenant.propertyId, conflict_type: 'CURRENCY_MISMATCH' }).where('stay_key', `BOOKING_COM:${ref}`).first(),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(conflict).toMatchObject({ rule: '1.3 currency mismatch', resolution: 'ACCEPTED_INCOMING' });
    expect(await world.db('stays').where({ ref }).first('status')).toEqual({ status: 'CONFIRMED' });
  });
});
