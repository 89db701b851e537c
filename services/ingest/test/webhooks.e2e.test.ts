import { signWebhook } from '@cm/channel-webhooks';
import type { BookingCommand } from '@cm/schemas';
import { createRedis, waitFor } from '@cm/service-runtime';
import { stack } from '@cm/test-harness';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/** Channel webhooks against a real ingest process, broker, registry, PostgreSQL and Redis. */
describe('ingest: channel webhooks', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ BODY_LIMIT_BYTES: '8192' });
  });
  afterAll(async () => world?.close());

  const commandsFor = async (refs: string[]) => {
    const records = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => refs.every((ref) => rs.some((r) => r.value.booking_ref === ref)));
    return records.filter((r) => refs.includes(r.value.booking_ref));
  };

  it('turns a signed reservation into a command keyed by property: local dates, minor units, our status', async () => {
    const [tenant] = world.tenants;
    const body = reservationCreated(tenant, 'BOOKING_COM', {}, {
      // 23:30 on the 9th in New York is already the 10th in Paris, the property's zone.
      check_in: '2027-03-09T23:30:00-05:00',
      check_out: '2027-03-14',
      total: { amount: '1234.5', currency: 'eur' },
      status: 'NEW',
    });
    const answer = await world.webhook(ingest, 'BOOKING_COM', body);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', outcome: 'command', command_id: `BOOKING_COM:${tenant.connections.BOOKING_COM.connectionId}:${body.event_id}` });

    const reservation = body.reservation as { id: string };
    const [command] = await commandsFor([reservation.id]);
    expect(command!.record.key?.toString()).toBe(tenant.propertyId);
    expect(command!.value).toMatchObject({
      property_id: tenant.propertyId,
      source: 'BOOKING_COM',
      source_version: 1,
      command: {
        kind: 'CREATE_BOOKING',
        status: 'CONFIRMED',
        check_in: Date.parse('2027-03-10') / 86_400_000,
        check_out: Date.parse('2027-03-14') / 86_400_000,
        price: { amount_minor: 123_450, currency: 'EUR' },
      },
    });
  });

  it('drops a duplicate delivery (same channel and event id) once, and counts it', async () => {
    const [tenant] = world.tenants;
    const body = reservationCreated(tenant, 'AIRBNB');
    expect((await world.webhook(ingest, 'AIRBNB', body)).status).toBe(202);
    const again = await world.webhook(ingest, 'AIRBNB', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate' });
    const reservation = body.reservation as { id: string };
    const commands = await commandsFor([reservation.id]);
    expect(commands).toHaveLength(1);
    expect(await ingest.metrics()).toMatch(/cm_ingest_events_total\{path="webhook",channel="AIRBNB",outcome="duplicate",service="ingest"\} 1/);
  });

  it('a twin of a delivery still being taken in is told to retry, not dropped; it goes through once the first is done', async () => {
    const [tenant] = world.tenants;
    const body = reservationCreated(tenant, 'AIRBNB');
    const redis = createRedis(stack.REDIS_URL);
    await redis.connect();
    try {
      // As if another ingest instance had claimed the event and not yet written its command.
      const connectionId = tenant.connections.AIRBNB.connectionId;
      const key = `cm:${world.namespace}:event:AIRBNB:${connectionId.length}:${connectionId}:${body.event_id}`;
      await redis.set(key, 'pending', 'PX', 60_000);
      const twin = await world.webhook(ingest, 'AIRBNB', body);
      expect([twin.status, twin.body.code, twin.headers.get('retry-after')]).toEqual([409, 'event_in_progress', '1']);
      // The claimer died: its claim lapses, and the platform's retry is taken in.
      await redis.del(key);
      expect((await world.webhook(ingest, 'AIRBNB', body)).status).toBe(202);
      await waitFor('claim marked done', async () => (await redis.get(key)) === 'done', { timeoutMs: 5_000, intervalMs: 20 });
    } finally {
      await redis.quit();
    }
  });

  it('keeps unicode and hostile strings exactly as sent', async () => {
    const [tenant] = world.tenants;
    const name = "Zoë O'Brien-Łukasz 山田 \u202Eevil\u202C <script>alert(1)</script>'; DROP TABLE stays;-- 👩‍👩‍👧";
    const body = reservationCreated(tenant, 'VRBO', {}, { guest: { name, email: 'z@example.com', phone: '+33 6 12 34 56 78' } });
    expect((await world.webhook(ingest, 'VRBO', body)).status).toBe(202);
    const [command] = await commandsFor([(body.reservation as { id: string }).id]);
    expect(command!.value.command).toMatchObject({ guest: { name } });
  });

  describe('refuses, with a machine-readable reason', () => {
    const expectProblem = (answer: { status: number; body: any }, status: number, code: string) => {
      expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
      expect(answer.body).toMatchObject({ status, type: expect.stringContaining(code), detail: expect.any(String) });
    };

    it('401: no signature, a forged one, another connection’s secret, a replay outside the window', async () => {
      const [tenant, other] = world.tenants;
      const body = reservationCreated(tenant, 'AIRBNB');
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { headers: { 'x-cm-signature': '' } }), 401, 'signature_missing');
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { headers: { 'x-cm-signature': `v1=${'0'.repeat(64)}` } }), 401, 'signature_mismatch');
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { headers: { 'x-cm-signature': 'sha1=abc' } }), 401, 'signature_malformed');
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { secret: other.connections.AIRBNB.secret }), 401, 'signature_mismatch');
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { nowMs: Date.now() - 6 * 60_000 }), 401, 'timestamp_outside_window');
      // An unknown connection, or one of another channel, is answered as a wrong signature: no oracle of connection ids.
      expectProblem(await world.webhook(ingest, 'AIRBNB', body, { connectionId: 'nobody' }), 401, 'signature_mismatch');
      expectProblem(await world.webhook(ingest, 'VRBO', body, { connectionId: tenant.connections.AIRBNB.connectionId }), 401, 'signature_mismatch');

      // A captured delivery replayed byte for byte: its timestamp ages out of the window.
      const raw = JSON.stringify(body);
      const oldTimestamp = Math.floor(Date.now() / 1000) - 301;
      const replay = await fetch(`${ingest.url}/webhooks/airbnb`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cm-connection': tenant.connections.AIRBNB.connectionId, 'x-cm-timestamp': String(oldTimestamp), 'x-cm-signature': signWebhook(tenant.connections.AIRBNB.secret, oldTimestamp, raw) },
        body: raw,
      });
      expect(replay.status).toBe(401);
    });

    it('422 for a listing of another connection as for an unknown listing, 404 for an unknown channel', async () => {
      const [tenant, other] = world.tenants;
      expectProblem(await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: other.connections.AIRBNB.listingId })), 422, 'unknown_listing');
      expectProblem(await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: 'never-mapped' })), 422, 'unknown_listing');
      const answer = await fetch(`${ingest.url}/webhooks/myspace`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(answer.status).toBe(404);
      expect(((await answer.json()) as { code: string }).code).toBe('unknown_channel');
    });

    it('400 for malformed JSON and wrong types, naming the fields', async () => {
      const [tenant] = world.tenants;
      expectProblem(await world.webhook(ingest, 'AIRBNB', '{"event_id": "x",'), 400, 'malformed_json');
      const wrong = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { occurred_at: 12 }, { revision: 'one', check_in: '10/03/2027' }));
      expectProblem(wrong, 400, 'invalid_request');
      expect(wrong.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['occurred_at', 'reservation.check_in', 'reservation.revision']);
      expectProblem(await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { surprise: true })), 400, 'invalid_request');
      expectProblem(await world.webhook(ingest, 'AIRBNB', [1, 2]), 400, 'invalid_request');
      // Found by the fuzz: a NUL in an id reached PostgreSQL, which answered an error (a 503).
      const nul = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: '\u0000', event_id: '\u0000' }));
      expectProblem(nul, 400, 'invalid_request');
      expect(nul.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['event_id', 'listing_id']);
    });

    it.each([
      ['check_out before check_in', { check_in: '2027-03-14', check_out: '2027-03-10' }, 'check_in/check_out'],
      ['a day that does not exist', { check_in: '2027-02-29', check_out: '2027-03-02' }, 'reservation.check_in'],
      ['dates decades away', { check_in: '2071-03-10', check_out: '2071-03-12' }, 'check_in'],
      ['a negative price', { total: { amount: '-10.00', currency: 'EUR' } }, 'reservation.total'],
      ['an absurd price', { total: { amount: '99999999999999', currency: 'EUR' } }, 'reservation.total'],
      ['an unknown currency', { total: { amount: '10.00', currency: 'XXX' } }, 'reservation.total'],
      ['more decimals than the currency has', { total: { amount: '10.5', currency: 'JPY' } }, 'reservation.total'],
      ['an unknown status word', { status: 'maybe' }, 'reservation.status'],
      ['a NUL character in a name', { guest: { name: 'a\u0000b' } }, 'guest.name'],
      ['a stay of two years', { check_in: '2027-01-01', check_out: '2029-01-01' }, 'check_in/check_out'],
      // Found by a review: an instant whose local year is not four digits became no day at all, and a 500.
      ['a check-in instant in the year 226', { check_in: '0226-12-20T15:00:00+01:00', check_out: '2027-03-12' }, 'reservation.check_in'],
      ['a check-out instant past the year 9999 where the property is', { check_in: '2027-03-10', check_out: '9999-12-31T23:00:00-05:00' }, 'reservation.check_out'],
      ["a guest's details changed in the year 9999 (they would outrank every later change)", { guest: { name: 'Ana', updated_at: '9999-12-31T00:00:00Z' } }, 'reservation.guest.updated_at'],
    ])('400 for %s', async (_what, reservation, path) => {
      const [tenant] = world.tenants;
      const answer = await world.webhook(ingest, 'EXPEDIA', reservationCreated(tenant, 'EXPEDIA', {}, reservation));
      expectProblem(answer, 400, 'invalid_request');
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('413 for a body over the limit, 415 for a body that is not JSON', async () => {
      const [tenant] = world.tenants;
      const big = reservationCreated(tenant, 'AIRBNB', { dispute_reason: 'x'.repeat(9_000) });
      expectProblem(await world.webhook(ingest, 'AIRBNB', big), 413, 'body_too_large');
      const form = await fetch(`${ingest.url}/webhooks/airbnb`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(form.status).toBe(415);
      expect(((await form.json()) as { code: string }).code).toBe('unsupported_media_type');
    });

    it('400 for an event that says it happened before 2000 or more than a day ahead of our clock', async () => {
      const [tenant] = world.tenants;
      for (const occurredAt of ['1999-12-31T23:59:59Z', new Date(Date.now() + 25 * 3_600_000).toISOString()]) {
        const answer = await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { occurred_at: occurredAt }));
        expectProblem(answer, 400, 'invalid_request');
        expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(['occurred_at']);
      }
      // A channel's clock a few minutes ahead of ours is not a mistake.
      expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { occurred_at: new Date(Date.now() + 5 * 60_000).toISOString() }))).status).toBe(202);
    });

    it('a JSON body with a charset parameter is taken as any other, one that says it is not UTF-8 is a 415, and a query that is not well-formed UTF-8 a 400', async () => {
      const [tenant] = world.tenants;
      // .NET's StringContent and many webhook senders name the charset; found refused by a review.
      for (const contentType of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON; Charset="utf-8"']) {
        expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'), { headers: { 'content-type': contentType } })).status).toBe(202);
      }
      expectProblem(await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'), { headers: { 'content-type': 'application/json; charset=iso-8859-1' } }), 415, 'unsupported_charset');
      const pms = await world.pms(ingest, 'GET', '/v1/audit?booking=AIRBNB:%FF');
      expectProblem(pms, 400, 'ill_formed_unicode');
    });

    it('429 with Retry-After once a tenant goes over its rate', async () => {
      const [, other] = world.tenants;
      await world.db('ingest.tenants').where({ tenant_id: other.tenantId }).update({ rate_per_second: 2 });
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await world.webhook(ingest, 'AIRBNB', reservationCreated(other, 'AIRBNB'), { tenant: other }));
      const limited = answers.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited[0]!.body.code).toBe('rate_limited');
      await world.db('ingest.tenants').where({ tenant_id: other.tenantId }).update({ rate_per_second: 100_000 });
    });
  });

  it('serves its OpenAPI document, the one checked in', async () => {
    const served = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(served).toEqual(require('../openapi.json'));
    expect(served.openapi).toBe('3.1.0');
    expect(Object.keys(served.paths)).toContain('/webhooks/{channel}');
  });
});
