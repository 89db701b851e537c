import fc from 'fast-check';
import { signedHeaders } from '@cm/channel-webhooks';
import type { Channel } from '@cm/schemas';
import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/**
 * 10,000+ generated requests against a real ingest: whatever arrives, the answer is never a 5xx,
 * and every refusal is a problem document with a code.
 */
describe('ingest: fuzzed HTTP input', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DECISION_DEADLINE_MS: '0' });
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`statuses of fuzzed requests: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await world?.close();
  });

  const expectAnswered = async (response: Response) => {
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const text = await response.text();
    if (response.status >= 500) throw new Error(`${response.status}: ${text}`);
    const body = JSON.parse(text) as { code?: string };
    if (response.status >= 400 && typeof body.code !== 'string') throw new Error(`a ${response.status} without a code: ${text}`);
  };

  /** A path segment from any text: lone surrogates cannot be percent-encoded, so they become U+FFFD; some raw oddities stay raw. */
  const segment = (text: fc.Arbitrary<string>) =>
    fc.oneof(text.map((t) => encodeURIComponent(t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))), fc.constantFrom('%', '%zz', '..', '%00', '%2F'));

  const channels: Channel[] = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
  const hostileText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('', ' ', '\u0000', '\ud800', '💥'.repeat(30), "'; DROP TABLE stays;--", '<script>x</script>', '../../etc/passwd', '%00', '9'.repeat(400)),
  );
  const dateLike = fc.oneof(
    fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    fc.date({ min: new Date('2026-01-01'), max: new Date('2029-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    hostileText,
  );
  const amount = fc.record({
    amount: fc.oneof(fc.double(), fc.integer(), fc.constantFrom('12.34', '-1', '1e5', '0.001', '99999999999999999', 'NaN'), hostileText),
    currency: fc.oneof(fc.constantFrom('EUR', 'JPY', 'KWD', 'usd', 'XXX'), hostileText),
  });
  const reservation = fc.record(
    {
      id: hostileText,
      revision: fc.oneof(fc.nat(), fc.integer(), fc.double(), hostileText),
      status: fc.oneof(fc.constantFrom('accepted', 'new', 'booked', 'Booked', 'cancelled', 'pending'), hostileText),
      check_in: dateLike,
      check_out: dateLike,
      total: amount,
      rate_plan: hostileText,
      guest: fc.record({ name: hostileText, email: hostileText, phone: hostileText, updated_at: dateLike }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const webhookBody = (channel: Channel) =>
    fc.oneof(
      fc.record(
        {
          event_id: hostileText,
          type: fc.constantFrom('reservation.created', 'reservation.modified', 'reservation.cancelled', 'reservation.status_changed', 'guest.updated', 'price.reported', 'availability.reported', 'guest.dispute_flagged', 'nonsense'),
          listing_id: fc.oneof(fc.constant(world.tenants[0].connections[channel].listingId), fc.constant(world.tenants[1].connections[channel].listingId), hostileText),
          occurred_at: dateLike,
          reservation,
          calendar: fc.record({ revision: fc.nat(), nights: fc.array(fc.record({ date: dateLike, available: fc.boolean(), price: amount, min_stay: fc.integer() }, { requiredKeys: ['date', 'available'] }), { maxLength: 5 }) }),
          dispute_reason: hostileText,
        },
        { requiredKeys: ['event_id', 'type', 'listing_id', 'occurred_at'] },
      ).map((value) => JSON.stringify(value)),
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );

  it('webhooks: 5,000 signed and unsigned deliveries, no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...channels).chain((channel) => fc.tuple(fc.constant(channel), webhookBody(channel), fc.constantFrom('valid', 'valid', 'valid', 'forged', 'other_connection', 'no_headers'))),
        async ([channel, body, signing]) => {
          const connection = world.tenants[0].connections[channel];
          const signed = signedHeaders(signing === 'other_connection' ? world.tenants[1].connections[channel].connectionId : connection.connectionId, connection.secret, body);
          if (signing === 'forged') signed['x-cm-signature'] = `v1=${'a'.repeat(64)}`;
          const headers = { 'content-type': 'application/json', ...(signing === 'no_headers' ? {} : signed) };
          await expectAnswered(await fetch(`${ingest.url}/webhooks/${channel.toLowerCase()}`, { method: 'POST', headers, body }));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('the PMS API: 5,000 requests with fuzzed paths, queries, keys and bodies, no 5xx', async () => {
    const property = fc.oneof(fc.constant(world.tenants[0].propertyId), fc.constant(world.tenants[1].propertyId), segment(hostileText));
    const reference = fc.oneof(fc.constantFrom('D-1', 'B-1'), segment(hostileText));
    const request = fc.oneof(
      fc.tuple(fc.constant('POST'), property.map((p) => `/v1/properties/${p}/bookings`)),
      fc.tuple(fc.constant('PATCH'), fc.tuple(property, reference).map(([p, r]) => `/v1/properties/${p}/bookings/${r}`)),
      fc.tuple(fc.constant('POST'), fc.tuple(property, reference).map(([p, r]) => `/v1/properties/${p}/bookings/${r}/cancel`)),
      fc.tuple(fc.constant('PUT'), fc.tuple(property, reference).map(([p, r]) => `/v1/properties/${p}/bookings/${r}/guest`)),
      fc.tuple(fc.constant('POST'), property.map((p) => `/v1/properties/${p}/blocks`)),
      fc.tuple(fc.constant('DELETE'), fc.tuple(property, reference).map(([p, r]) => `/v1/properties/${p}/blocks/${r}`)),
      fc.tuple(fc.constant('GET'), fc.tuple(property, reference, segment(hostileText)).map(([p, r, q]) => `/v1/properties/${p}/bookings/${r}?source=${q}`)),
      fc.tuple(fc.constant('GET'), fc.tuple(property, segment(dateLike), segment(dateLike)).map(([p, from, to]) => `/v1/properties/${p}/calendar?from=${from}&to=${to}`)),
      fc.tuple(fc.constant('GET'), segment(hostileText).map((c) => `/v1/commands/${c}`)),
      fc.tuple(fc.constantFrom('GET', 'POST', 'PUT'), segment(hostileText).map((p) => `/v1/${p}`)),
    );
    const body = fc.oneof(
      fc.record({ reference: hostileText, check_in: dateLike, check_out: dateLike, status: fc.constantFrom('CONFIRMED', 'PENDING', 'x'), total: amount, guest: fc.record({ name: hostileText }), reason: hostileText, revision: fc.integer() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.constant(undefined),
    );
    const apiKey = fc.oneof(fc.constant(world.tenants[0].apiKey), fc.constant(world.tenants[0].apiKey), fc.constant(world.tenants[1].apiKey), hostileText, fc.constant(null));
    const idempotencyKey = fc.option(fc.oneof(fc.constantFrom('k1', 'k2'), hostileText), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(request, body, apiKey, idempotencyKey, async ([method, path], payload, key, idem) => {
        const headers: Record<string, string> = {};
        const safeHeader = (value: string) => /^[\x20-\x7e]*$/.test(value);
        if (key !== null && safeHeader(key)) headers.authorization = `Bearer ${key}`;
        if (idem !== undefined && safeHeader(idem)) headers['idempotency-key'] = idem;
        if (payload !== undefined) headers['content-type'] = 'application/json';
        const withBody = payload !== undefined && method !== 'GET';
        await expectAnswered(await fetch(`${ingest.url}${path}`, { method, headers, ...(withBody ? { body: payload } : {}) }));
      }),
      { numRuns: 5_000 },
    );
  });
});
