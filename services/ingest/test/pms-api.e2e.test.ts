import type { BookingCommand } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/** The PMS API against a real ingest and a real booking-arbiter deciding on the real ledger. */
describe('ingest: the PMS API', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DECISION_DEADLINE_MS: '5000' });
    await world.startArbiter();
  });
  afterAll(async () => world?.close());

  const property = () => world.tenants[0].propertyId;
  const bookings = () => `/v1/properties/${property()}/bookings`;

  it('a direct booking waits for the decision: 201 with the stay as the ledger holds it', async () => {
    const answer = await world.pms(ingest, 'POST', bookings(), { reference: 'D-100', check_in: '2027-05-01', check_out: '2027-05-05', total: { amount: '480.00', currency: 'EUR' }, guest: { name: 'Jo Park' } });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      outcome: 'applied',
      stay: { stay_key: 'PMS:D-100', kind: 'booking', status: 'CONFIRMED', active: true, check_in: '2027-05-01', check_out: '2027-05-05', total: { amount_minor: 48_000, currency: 'EUR' }, guest: { name: 'Jo Park' } },
    });
    const read = await world.pms(ingest, 'GET', `${bookings()}/D-100`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(answer.body.stay);
  });

  it('409 with the conflicting stay when the nights are taken', async () => {
    const answer = await world.pms(ingest, 'POST', bookings(), { reference: 'D-101', check_in: '2027-05-03', check_out: '2027-05-08' });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'nights_unavailable', outcome: 'rejected', conflicting_stay: { stay_key: 'PMS:D-100', check_in: '2027-05-01', check_out: '2027-05-05' } });
  });

  it('modify, guest update, cancel; the calendar follows', async () => {
    const modified = await world.pms(ingest, 'PATCH', `${bookings()}/D-100`, { check_in: '2027-05-02', check_out: '2027-05-06' });
    expect(modified.status).toBe(200);
    expect(modified.body.stay).toMatchObject({ check_in: '2027-05-02', check_out: '2027-05-06' });
    const guest = await world.pms(ingest, 'PUT', `${bookings()}/D-100/guest`, { email: 'jo@example.com' });
    expect(guest.status).toBe(200);
    expect(guest.body.stay.guest).toMatchObject({ name: 'Jo Park', email: 'jo@example.com' });

    const calendar = await world.pms(ingest, 'GET', `/v1/properties/${property()}/calendar?from=2027-05-01&to=2027-05-08`);
    expect(calendar.status).toBe(200);
    expect(calendar.body.nights.map((n: { held_by: string | null }) => n.held_by)).toEqual([null, 'PMS:D-100', 'PMS:D-100', 'PMS:D-100', 'PMS:D-100', null, null]);

    const cancelled = await world.pms(ingest, 'POST', `${bookings()}/D-100/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.stay).toMatchObject({ status: 'CANCELLED', active: false });
    const again = await world.pms(ingest, 'GET', `/v1/properties/${property()}/calendar?from=2027-05-01&to=2027-05-08`);
    expect(again.body.nights.every((n: { available: boolean }) => n.available)).toBe(true);
  });

  it('blocks: refused over a booking, created on free nights, removed', async () => {
    expect((await world.pms(ingest, 'POST', bookings(), { reference: 'D-200', check_in: '2027-06-10', check_out: '2027-06-12' })).status).toBe(201);
    const refused = await world.pms(ingest, 'POST', `/v1/properties/${property()}/blocks`, { reference: 'B-1', check_in: '2027-06-11', check_out: '2027-06-15', reason: 'painting' });
    expect(refused.status).toBe(409);
    expect(refused.body.conflicting_stay).toMatchObject({ stay_key: 'PMS:D-200' });
    const blocked = await world.pms(ingest, 'POST', `/v1/properties/${property()}/blocks`, { reference: 'B-2', check_in: '2027-06-12', check_out: '2027-06-15', reason: 'painting' });
    expect(blocked.status).toBe(201);
    expect(blocked.body.stay).toMatchObject({ kind: 'block', active: true });
    const removed = await world.pms(ingest, 'DELETE', `/v1/properties/${property()}/blocks/B-2`);
    expect(removed.status).toBe(200);
    expect(removed.body.stay).toMatchObject({ active: false });
  });

  it('Idempotency-Key: same key and body, the same answer and one command; another body, 422', async () => {
    const body = { reference: 'D-300', check_in: '2027-07-01', check_out: '2027-07-04' };
    const first = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'key-300' });
    expect(first.status).toBe(201);
    // The same request with its keys in another order is the same request.
    const second = await world.pms(ingest, 'POST', bookings(), { check_out: '2027-07-04', check_in: '2027-07-01', reference: 'D-300' }, { idempotencyKey: 'key-300' });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const other = await world.pms(ingest, 'POST', bookings(), { ...body, check_out: '2027-07-05' }, { idempotencyKey: 'key-300' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.some((r) => r.value.booking_ref === 'D-300'));
    expect(commands.filter((r) => r.value.booking_ref === 'D-300')).toHaveLength(1);
  });

  // Found by a review: the same retry spelled with escapes was a 422, and an unknown query parameter was ignored.
  it('Idempotency-Key: the same path spelled with percent-escapes is the same request; a write refuses a query it does not take, and writes nothing', async () => {
    const body = { reference: 'D-310', check_in: '2027-07-11', check_out: '2027-07-13' };
    const first = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'key-310' });
    expect(first.status).toBe(201);
    const escaped = bookings().replace(/\/v1\/properties\/([^/]+)\//, (_m, id: string) => `/v1/properties/${[...decodeURIComponent(id)].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('')}/`);
    expect(escaped).not.toBe(bookings());
    const again = await world.pms(ingest, 'POST', escaped, body, { idempotencyKey: 'key-310' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const dry = await world.pms(ingest, 'POST', `${bookings()}?dry_run=true`, { reference: 'D-311', check_in: '2027-07-21', check_out: '2027-07-23' });
    expect(dry).toMatchObject({ status: 400, body: { code: 'unknown_parameter', errors: [{ path: 'dry_run' }] } });
    expect(await world.db('stays').where({ property_id: property(), ref: 'D-311' })).toEqual([]);
  });

  it('202 with a status URL when the decision is late, and the URL gives it once made', async () => {
    const slow = await world.startIngest({ DECISION_DEADLINE_MS: '0' });
    const answer = await world.pms(slow, 'POST', bookings(), { reference: 'D-400', check_in: '2027-08-01', check_out: '2027-08-03' });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'pending', status_url: expect.stringMatching(/^\/v1\/commands\//) });
    let status: { status: string } | undefined;
    await waitFor('decision', async () => {
      status = (await world.pms(slow, 'GET', answer.body.status_url)).body;
      return status?.status === 'decided';
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(status).toMatchObject({ status: 'decided', outcome: 'applied', stay: { stay_key: 'PMS:D-400' } });
    const otherTenant = await world.pms(slow, 'GET', answer.body.status_url, undefined, { tenant: world.tenants[1] });
    expect(otherTenant.status).toBe(404);
  });

  describe('refuses, with a machine-readable reason', () => {
    it('401 without a key or with an unknown one; 404 for another tenant’s property', async () => {
      expect((await world.pms(ingest, 'GET', `${bookings()}/D-200`, undefined, { apiKey: null })).body.code).toBe('missing_api_key');
      const bad = await world.pms(ingest, 'GET', `${bookings()}/D-200`, undefined, { apiKey: 'cm_guess' });
      expect([bad.status, bad.body.code]).toEqual([401, 'invalid_api_key']);
      const foreign = await world.pms(ingest, 'GET', `${bookings()}/D-200`, undefined, { tenant: world.tenants[1] });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'property_not_found']);
      const write = await world.pms(ingest, 'POST', bookings(), { check_in: '2027-09-01', check_out: '2027-09-02' }, { tenant: world.tenants[1] });
      expect([write.status, write.body.code]).toEqual([404, 'property_not_found']);
    });

    it.each([
      ['check_out before check_in', { check_in: '2027-09-05', check_out: '2027-09-01' }, 'check_in/check_out'],
      ['dates decades away', { check_in: '2070-09-01', check_out: '2070-09-03' }, 'check_in'],
      ['a date that is not one', { check_in: '2027-13-01', check_out: '2027-09-03' }, 'check_in'],
      ['a negative total', { check_in: '2027-09-01', check_out: '2027-09-03', total: { amount: '-1', currency: 'EUR' } }, 'total'],
      ['an unknown currency', { check_in: '2027-09-01', check_out: '2027-09-03', total: { amount: '1', currency: 'ABC' } }, 'total'],
      ['a status of another kind', { check_in: '2027-09-01', check_out: '2027-09-03', status: 'CANCELLED' }, 'status'],
      ['a control character in the reference', { reference: 'a\nb', check_in: '2027-09-01', check_out: '2027-09-03' }, 'reference'],
      ['a field nobody knows', { check_in: '2027-09-01', check_out: '2027-09-03', price: 100 }, '(body)'],
    ])('400 for %s', async (_what, body, path) => {
      const answer = await world.pms(ingest, 'POST', bookings(), body);
      expect([answer.status, answer.body.code]).toEqual([400, 'invalid_request']);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('400 for malformed JSON, 404 for a booking that does not exist, 400 for a calendar of two years', async () => {
      expect((await world.pms(ingest, 'POST', bookings(), '{"check_in":')).body.code).toBe('malformed_json');
      expect((await world.pms(ingest, 'GET', `${bookings()}/nope`)).body.code).toBe('booking_not_found');
      const modifyUnknown = await world.pms(ingest, 'PATCH', `${bookings()}/nope`, { check_in: '2027-09-01', check_out: '2027-09-03' });
      expect([modifyUnknown.status, modifyUnknown.body.code]).toEqual([404, 'unknown_booking']);
      const calendar = await world.pms(ingest, 'GET', `/v1/properties/${property()}/calendar?from=2027-01-01&to=2029-01-01`);
      expect([calendar.status, calendar.body.code]).toEqual([400, 'invalid_range']);
    });

    it('414 for an overlong path segment, 400 for broken percent-encoding, both as problem documents', async () => {
      const long = await world.pms(ingest, 'GET', `/v1/properties/${'x'.repeat(1_200)}/calendar?from=2027-01-01&to=2027-01-02`);
      expect([long.status, long.body.code]).toEqual([414, 'uri_too_long']);
      const broken = await world.pms(ingest, 'GET', '/v1/properties/%E0%A4%A/calendar?from=2027-01-01&to=2027-01-02');
      expect([broken.status, broken.body.code]).toEqual([400, 'bad_url']);
    });
  });

  it('3.3 guest fields from a channel: address, language and preferences reach the ledger and the PMS reads them, with the guest count', async () => {
    const [tenant] = world.tenants;
    const guest = { name: 'Maria Silva', address: { line1: 'Rua Augusta 10', city: 'Lisboa', postal_code: '1100-053', country: 'pt' }, language: 'pt-br', preferences: { bed: 'twin' } };
    const body = reservationCreated(tenant, 'AIRBNB', {}, { check_in: '2027-07-01', check_out: '2027-07-05', guest, guest_count: 3 });
    expect((await world.webhook(ingest, 'AIRBNB', body)).status).toBe(202);
    const ref = (body.reservation as { id: string }).id;
    const path = `${bookings()}/${ref}?source=AIRBNB`;
    const read = await waitFor('the channel booking in the ledger', async () => {
      const answer = await world.pms(ingest, 'GET', path);
      return answer.status === 200 ? answer : undefined;
    }, { timeoutMs: 15_000 });
    expect(read.body).toMatchObject({
      guest_count: 3,
      guest: { name: 'Maria Silva', address: { line1: 'Rua Augusta 10', line2: null, city: 'Lisboa', postal_code: '1100-053', region: null, country: 'PT' }, language: 'pt-BR', preferences: { bed: 'twin' } },
    });

  });

  it('the audit trail per tenant: one booking’s rows, who decided, paged, without the guest’s personal data; another tenant sees none of it', async () => {
    const [tenant, other] = world.tenants;
    expect((await world.pms(ingest, 'POST', bookings(), { reference: 'D-AUDIT', check_in: '2027-12-01', check_out: '2027-12-04', guest: { name: 'Audit Person', email: 'audit.person@example.com' } })).status).toBe(201);
    expect((await world.pms(ingest, 'PUT', `${bookings()}/D-AUDIT/guest`, { phone: '+351 21 000 0000' })).status).toBe(200);
    expect((await world.pms(ingest, 'POST', `${bookings()}/D-AUDIT/cancel`, {})).status).toBe(200);

    const trail = await world.pms(ingest, 'GET', `/v1/audit?booking=${encodeURIComponent('PMS:D-AUDIT')}`);
    expect(trail.status).toBe(200);
    expect(trail.body.entries.map((e: { entity_type: string; entity_id: string; decided_by: string; operator: string | null }) => [e.entity_type, e.entity_id, e.decided_by, e.operator])).toEqual([
      ['booking', 'PMS:D-AUDIT', 'system', null],
      ['guest', 'PMS:D-AUDIT', 'system', null],
      ['booking', 'PMS:D-AUDIT', 'system', null],
    ]);
    expect(trail.body.entries[0]).toMatchObject({ property_id: tenant.propertyId, source: 'PMS', version: expect.any(Number) });
    expect(JSON.stringify(trail.body)).not.toMatch(/Audit Person|audit\.person|21 000 0000/);

    const page = await world.pms(ingest, 'GET', `/v1/audit?booking=${encodeURIComponent('PMS:D-AUDIT')}&limit=2`);
    expect(page.body.entries).toHaveLength(2);
    const rest = await world.pms(ingest, 'GET', `/v1/audit?booking=${encodeURIComponent('PMS:D-AUDIT')}&limit=2&cursor=${page.body.next_cursor}`);
    expect([...page.body.entries, ...rest.body.entries]).toEqual(trail.body.entries);
    expect(rest.body.next_cursor).toBeNull();

    expect((await world.pms(ingest, 'GET', `/v1/audit?booking=${encodeURIComponent('PMS:D-AUDIT')}`, undefined, { tenant: other })).body.entries).toEqual([]);
    expect((await world.pms(ingest, 'GET', `/v1/audit?property_id=${tenant.propertyId}`, undefined, { tenant: other })).status).toBe(404);
    expect((await world.pms(ingest, 'GET', '/v1/audit?conflict_type=no%20such')).status).toBe(400);
    // Values PostgreSQL could not compare are the request's fault: 400, never a 503 to retry forever.
    for (const query of ['cursor=9999999999999999999', 'from=0000-01-01T00:00:00Z', `to=${encodeURIComponent('2026-01-01T00:00:00+23:59')}`, `property_id=${encodeURIComponent('a\u0000b')}`]) {
      expect({ query, status: (await world.pms(ingest, 'GET', `/v1/audit?${query}`)).status }).toEqual({ query, status: 400 });
    }
  });
});
