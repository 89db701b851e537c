import { waitFor } from '@cm/service-runtime';
import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

const HOUR_MS = 3_600_000;

/** Issue 16.6: Idempotency-Key records (their answers hold the guest's details) last 24 h, then go. */
describe('ingest: Idempotency-Key records expire', () => {
  let world: IngestWorld;
  /** Purges only at its start: what claim() does with an expired key before any purge ran. */
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ DECISION_DEADLINE_MS: '5000', IDEMPOTENCY_PURGE_INTERVAL_MS: String(24 * HOUR_MS) });
    await world.startArbiter();
  });
  afterAll(async () => world?.close());

  const tenant = () => world.tenants[0];
  const bookings = () => `/v1/properties/${tenant().propertyId}/bookings`;
  const guest = { name: 'Ines Retention-Test', email: 'ines.retention@example.org', phone: '+351 911 222 333' };
  const keyRow = (key: string, tenantId = tenant().tenantId) => world.db('ingest.idempotency_keys').where({ tenant_id: tenantId, idempotency_key: key }).first();
  const age = (key: string, hours: number) => world.db('ingest.idempotency_keys').where({ tenant_id: tenant().tenantId, idempotency_key: key }).update({ created_at: world.db.raw(`now() - make_interval(hours => ?)`, [hours]) });
  const purged = async (process: IngestProcess) => Number(/^cm_ingest_idempotency_keys_purged_total(?:\{[^}]*\})? (\d+)/m.exec(await process.metrics())?.[1] ?? 'NaN');

  it('a key older than the window is a new key, even before the purge ran; a younger one still replays', async () => {
    const body = { reference: 'R-100', check_in: '2027-09-01', check_out: '2027-09-03', guest };
    const first = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'retained-100' });
    expect(first.status).toBe(201);
    // What the record keeps is the answer, and the answer holds the guest.
    expect(JSON.stringify((await keyRow('retained-100')).response)).toContain(guest.email);

    await age('retained-100', 23);
    const replay = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'retained-100' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const other = await world.pms(ingest, 'POST', bookings(), { ...body, check_out: '2027-09-04' }, { idempotencyKey: 'retained-100' });
    expect(other).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });

    await age('retained-100', 25);
    const fresh = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'retained-100' });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.stay).toMatchObject({ stay_key: 'PMS:R-100' });
    const renewed = await world.db('ingest.idempotency_keys').where({ tenant_id: tenant().tenantId, idempotency_key: 'retained-100' }).where('created_at', '>', world.db.raw(`now() - interval '1 minute'`)).first();
    expect(renewed).toMatchObject({ status_code: 201 });
    // The renewed record is the key's from now on.
    const again = await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'retained-100' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  // The command id is derived from the key and the request: an expired key's next request is a new command.
  it('a different request under an expired key is booked', async () => {
    const body = { reference: 'R-150', check_in: '2027-09-10', check_out: '2027-09-12' };
    expect((await world.pms(ingest, 'POST', bookings(), body, { idempotencyKey: 'retained-150' })).status).toBe(201);
    await age('retained-150', 25);
    const next = await world.pms(ingest, 'POST', bookings(), { reference: 'R-151', check_in: '2027-09-14', check_out: '2027-09-16' }, { idempotencyKey: 'retained-150' });
    expect(next.status).toBe(201);
    expect(await world.db('stays').where({ property_id: tenant().propertyId, stay_key: 'PMS:R-151' }).first()).toBeDefined();
  });

  it('two instances purge expired records in batches, each once, leave younger ones, and stop on SIGTERM; the purged key is used afresh', async () => {
    const first = await world.pms(ingest, 'POST', bookings(), { reference: 'R-200', check_in: '2027-10-01', check_out: '2027-10-03', guest }, { idempotencyKey: 'retained-200' });
    expect(first.status).toBe(201);
    await age('retained-200', 25);
    // More expired records than one batch holds (1,000), of another tenant too, and some younger ones.
    const other = world.tenants[1].tenantId;
    const rows = (n: number, prefix: string, hours: number) =>
      Array.from({ length: n }, (_, i) => ({ tenant_id: other, idempotency_key: `${prefix}-${i}`, fingerprint: 'f', status_code: 201, response: JSON.stringify({ stay: { guest } }), created_at: world.db.raw(`now() - make_interval(hours => ?)`, [hours]) }));
    for (let i = 0; i < 2_500; i += 500) await world.db('ingest.idempotency_keys').insert(rows(2_500, 'bulk-expired', 25).slice(i, i + 500));
    await world.db('ingest.idempotency_keys').insert(rows(20, 'bulk-young', 23));
    const expired = 2_501;

    const purgers = [await world.startIngest({ IDEMPOTENCY_PURGE_INTERVAL_MS: '200' }), await world.startIngest({ IDEMPOTENCY_PURGE_INTERVAL_MS: '200' })];
    await waitFor('expired records purged', async () => {
      const left = await world.db('ingest.idempotency_keys').where('created_at', '<', world.db.raw(`now() - interval '24 hours'`)).count<{ count: string }[]>('* as count');
      return Number(left[0]!.count) === 0 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(await keyRow('retained-200')).toBeUndefined();
    const young = await world.db('ingest.idempotency_keys').where({ tenant_id: other }).where('idempotency_key', 'like', 'bulk-young-%').count<{ count: string }[]>('* as count');
    expect(Number(young[0]!.count)).toBe(20);
    // Each expired record counted once, by whichever instance deleted it.
    const counted = (await Promise.all([ingest, ...purgers].map(purged))).reduce((a, b) => a + b, 0);
    expect(counted).toBe(expired);

    const reused = await world.pms(ingest, 'POST', bookings(), { reference: 'R-200', check_in: '2027-10-01', check_out: '2027-10-03', guest }, { idempotencyKey: 'retained-200' });
    expect(reused.status).toBe(201);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
    expect(await keyRow('retained-200')).toMatchObject({ status_code: 201 });

    for (const p of purgers) p.child.kill('SIGTERM');
    expect(await Promise.all(purgers.map((p) => p.exited()))).toEqual([0, 0]);
  });
});
