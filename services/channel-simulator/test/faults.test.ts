import { requireOk, type SimulatorResponse } from '../src/client';
import { SimulatorUnreachableError } from '../src/errors';
import type { Ack } from '../src/api-types';
import { registerListing, startTestSimulator, type TestSimulator } from './support/simulator';

const closeNight = (requestId: string, day = '2026-07-01', to = '2026-07-02') => ({ request_id: requestId, updates: [{ from: day, to, available: false }] });
const minStay = (requestId: string) => ({ request_id: requestId, updates: [{ from: '2026-07-01', to: '2026-07-02', min_stay: 2 }] });

describe('faults on demand', () => {
  let t: TestSimulator;
  beforeAll(async () => {
    t = await startTestSimulator({ seed: 7 });
  });
  afterAll(() => t.simulator.close());
  beforeEach(async () => {
    requireOk(await t.client.reset());
    await registerListing(t.client, 'booking_com', 'L1');
    await registerListing(t.client, 'booking_com', 'L2');
  });

  const nightOpen = async (day = '2026-07-01') => {
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    return requireOk(await t.client.trueCalendar('booking_com', 'L1', day, next)).nights[0]?.available;
  };

  it('latency: every API call takes at least fixed_ms', async () => {
    requireOk(await t.client.setFaults('booking_com', { latency: { fixed_ms: 150, jitter_ms: 50 } }));
    const started = performance.now();
    const response = await t.client.readCalendar('booking_com', 'L1', '2026-07-01', '2026-07-02');
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('server errors: the seeded share of calls fails with the status, unapplied, and a seed replays the same failures', async () => {
    let run = 0;
    const outcomes = async (seed: number) => {
      run++;
      requireOk(await t.client.setFaults('booking_com', { seed, server_errors: { rate: 0.3, status: 503 } }));
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await t.client.pushAvailability('booking_com', 'L1', closeNight(`run${run}-${i}`))).status);
      return statuses;
    };
    const first = await outcomes(11);
    const failures = first.filter((s) => s === 503).length;
    expect(new Set(first)).toEqual(new Set([200, 503]));
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
    expect(await outcomes(11)).toEqual(first);
    expect(await outcomes(12)).not.toEqual(first);
    const stats = requireOk(await t.client.stats('booking_com')).calls.availability;
    expect(stats.failed + stats.ok).toBe(600);
  });

  it('a failed call is not applied', async () => {
    requireOk(await t.client.setFaults('booking_com', { server_errors: { rate: 1 } }));
    expect(await t.client.pushAvailability('booking_com', 'L1', closeNight('f-1'))).toMatchObject({ status: 500, error: { error: 'server_error' } });
    expect(await nightOpen()).toBe(true);
    // A retry with the same request_id after the failure is applied: the failure was not recorded.
    requireOk(await t.client.clearFaults('booking_com'));
    expect(requireOk(await t.client.pushAvailability('booking_com', 'L1', closeNight('f-1'))).nights_changed).toBe(1);
  });

  it('server errors scoped to writes: pushes fail while the calendar still reads', async () => {
    requireOk(await t.client.setFaults('booking_com', { server_errors: { rate: 1, status: 503, endpoints: ['availability', 'rates'] } }));
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('s-1'))).status).toBe(503);
    expect((await t.client.readCalendar('booking_com', 'L1', '2026-07-01', '2026-07-02')).status).toBe(200);
    expect(requireOk(await t.client.stats('booking_com')).calls).toMatchObject({ availability: { failed: 1 }, calendar: { ok: 1 } });
  });

  it('throttle for N requests: 429 with the Retry-After asked for, then calls pass', async () => {
    requireOk(await t.client.setFaults('booking_com', { throttle: { requests: 2, retry_after_seconds: 7 } }));
    const first = await t.client.pushAvailability('booking_com', 'L1', closeNight('t-1'));
    expect(first).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 7, error: { error: 'throttled', retry_after_seconds: 7 } });
    expect((await t.client.readCalendar('booking_com', 'L1', '2026-07-01', '2026-07-02')).status).toBe(429);
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('t-1'))).status).toBe(200);
    expect(requireOk(await t.client.stats('booking_com')).calls).toMatchObject({ availability: { throttled: 1, ok: 1 }, calendar: { throttled: 1 } });
  });

  it('throttle for N seconds: Retry-After counts the seconds left', async () => {
    requireOk(await t.client.setFaults('booking_com', { throttle: { for_seconds: 30 } }));
    expect(await t.client.pushAvailability('booking_com', 'L1', closeNight('t-1'))).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    t.clock.advance(12_500);
    const response = await t.client.pushAvailability('booking_com', 'L1', closeNight('t-1'));
    expect(response).toMatchObject({ status: 429, retryAfterSeconds: 18 });
    t.clock.advance(17_500);
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('t-1'))).status).toBe(200);
  });

  describe('Channex-style limit per listing (10 availability and 10 rate calls a minute)', () => {
    it('sliding window: the 11th availability call in a minute gets 429 + Retry-After while rate calls and other listings pass', async () => {
      requireOk(await t.client.setFaults('booking_com', { property_rate_limit: {} }));
      for (let i = 0; i < 10; i++) {
        expect((await t.client.pushAvailability('booking_com', 'L1', closeNight(`a-${i}`))).status).toBe(200);
        t.clock.advance(2_000);
      }
      // First call at t0, now t0+20s: the first call leaves the window at t0+60s, in 40 s.
      const eleventh = await t.client.pushAvailability('booking_com', 'L1', closeNight('a-10'));
      expect(eleventh).toMatchObject({ status: 429, retryAfterSeconds: 40, error: { error: 'rate_limited', retry_after_seconds: 40 } });
      expect((await t.client.pushRates('booking_com', 'L1', minStay('r-0'))).status).toBe(200);
      expect((await t.client.pushAvailability('booking_com', 'L2', { ...closeNight('b-0'), request_id: 'b-0' })).status).toBe(200);

      t.clock.advance(39_999);
      expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('a-10'))).status).toBe(429);
      t.clock.advance(1);
      expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('a-10'))).status).toBe(200);
      expect(requireOk(await t.client.stats('booking_com')).calls.availability).toMatchObject({ ok: 12, throttled: 2 });
    });

    it('prices and restrictions have their own bucket: the 11th /rates call in a minute gets 429 + Retry-After while availability calls and reads pass', async () => {
      requireOk(await t.client.setFaults('booking_com', { property_rate_limit: {} }));
      for (let i = 0; i < 10; i++) {
        expect((await t.client.pushRates('booking_com', 'L1', minStay(`r-${i}`))).status).toBe(200);
        t.clock.advance(1_000);
      }
      const eleventh = await t.client.pushRates('booking_com', 'L1', minStay('r-10'));
      expect(eleventh).toMatchObject({ status: 429, retryAfterSeconds: 50, error: { error: 'rate_limited', retry_after_seconds: 50 } });
      expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('a-0'))).status).toBe(200);
      expect((await t.client.readRates('booking_com', 'L1', '2026-07-01', '2026-07-02')).status).toBe(200);
      expect((await t.client.pushRates('booking_com', 'L2', { ...minStay('b-0'), request_id: 'b-0' })).status).toBe(200);
      t.clock.advance(50_000);
      expect((await t.client.pushRates('booking_com', 'L1', minStay('r-10'))).status).toBe(200);
      expect(requireOk(await t.client.stats('booking_com')).calls.rates).toMatchObject({ ok: 12, throttled: 1 });
    });

    it('fixed window: refused until the next minute starts', async () => {
      requireOk(await t.client.setFaults('booking_com', { property_rate_limit: { window: 'fixed', rates_per_minute: 3 } }));
      t.clock.nowMs = Date.parse('2026-06-01T12:00:45Z');
      for (let i = 0; i < 3; i++) expect((await t.client.pushRates('booking_com', 'L1', minStay(`r-${i}`))).status).toBe(200);
      expect(await t.client.pushRates('booking_com', 'L1', minStay('r-3'))).toMatchObject({ status: 429, retryAfterSeconds: 15 });
      t.clock.nowMs = Date.parse('2026-06-01T12:01:00Z');
      expect((await t.client.pushRates('booking_com', 'L1', minStay('r-3'))).status).toBe(200);
    });

    it('is off by default', async () => {
      for (let i = 0; i < 25; i++) expect((await t.client.pushAvailability('booking_com', 'L1', closeNight(`a-${i}`))).status).toBe(200);
    });
  });

  it('outage (503) until a time: every API call fails, then the channel is back', async () => {
    const until = new Date(t.clock.nowMs + 90_000).toISOString();
    const view = requireOk(await t.client.setFaults('booking_com', { outage: { until } }));
    expect(view.remaining.outage_until).toBe(until);
    expect(await t.client.pushAvailability('booking_com', 'L1', closeNight('o-1'))).toMatchObject({ status: 503, error: { error: 'outage' } });
    expect((await t.client.readCalendar('booking_com', 'L1', '2026-07-01', '2026-07-02')).status).toBe(503);
    expect(await nightOpen()).toBe(true);
    t.clock.advance(90_000);
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('o-1'))).status).toBe(200);
    expect(await nightOpen()).toBe(false);
  });

  it('outage destroying connections: the client gets no answer at all', async () => {
    requireOk(await t.client.setFaults('booking_com', { outage: { for_seconds: 60, mode: 'destroy_connection' } }));
    await expect(t.client.pushAvailability('booking_com', 'L1', closeNight('d-1'))).rejects.toBeInstanceOf(SimulatorUnreachableError);
    expect(await nightOpen()).toBe(true);
    t.clock.advance(60_000);
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('d-1'))).status).toBe(200);
    expect(requireOk(await t.client.stats('booking_com')).calls.availability).toMatchObject({ failed: 1, ok: 1 });
  });

  it('lost updates (the next N): 200 with an ack, calendar unchanged, counted as lost; a replay stays lost', async () => {
    requireOk(await t.client.setFaults('booking_com', { lost_updates: { next: 1 } }));
    const lost = requireOk(await t.client.pushAvailability('booking_com', 'L1', closeNight('l-1')));
    expect(lost).toMatchObject({ request_id: 'l-1', nights_changed: 1 });
    expect(await nightOpen()).toBe(true);
    expect(requireOk(await t.client.pushAvailability('booking_com', 'L1', closeNight('l-1')))).toEqual(lost);
    expect(await nightOpen()).toBe(true);

    requireOk(await t.client.pushAvailability('booking_com', 'L1', closeNight('l-2', '2026-07-02', '2026-07-03')));
    expect(await nightOpen('2026-07-02')).toBe(false);
    expect(requireOk(await t.client.stats('booking_com')).calls.availability).toMatchObject({ ok: 1, lost: 1, duplicate: 1 });
  });

  it('lost updates (a rate): about that share of writes never lands', async () => {
    requireOk(await t.client.setFaults('booking_com', { lost_updates: { rate: 0.5 } }));
    const acks: SimulatorResponse<Ack>[] = [];
    for (let i = 0; i < 100; i++) acks.push(await t.client.pushRates('booking_com', 'L1', { request_id: `p-${i}`, updates: [{ from: day(i), to: day(i + 1), min_stay: 5 }] }));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    const calendar = requireOk(await t.client.trueCalendar('booking_com', 'L1', day(0), day(100)));
    const landed = calendar.nights.filter((n) => n.min_stay === 5).length;
    const stats = requireOk(await t.client.stats('booking_com')).calls.rates;
    expect(stats.ok).toBe(landed);
    expect(stats.lost).toBe(100 - landed);
    expect(landed).toBeGreaterThan(30);
    expect(landed).toBeLessThan(70);
  });

  it('DELETE clears the plan; GET shows it; a bad plan is a 400', async () => {
    requireOk(await t.client.setFaults('booking_com', { throttle: { requests: 5 } }));
    expect(requireOk(await t.client.getFaults('booking_com'))).toMatchObject({ plan: { throttle: { requests: 5 } }, remaining: { throttle_requests: 5 } });
    expect((await t.client.clearFaults('booking_com')).status).toBe(204);
    expect(requireOk(await t.client.getFaults('booking_com')).plan).toBeNull();
    expect((await t.client.pushAvailability('booking_com', 'L1', closeNight('c-1'))).status).toBe(200);

    expect(await t.client.setFaults('booking_com', { throttle: { requests: 5, for_seconds: 3 } })).toMatchObject({
      status: 400,
      error: { message: 'throttle: give exactly one of for_seconds and requests' },
    });
    expect(await t.client.setFaults('booking_com', { server_errors: { rate: 1.5 } })).toMatchObject({ status: 400, error: { error: 'invalid_request' } });
    expect(await t.client.setFaults('booking_com', { server_errors: { rate: 0.5, status: 418 } as never })).toMatchObject({ status: 400 });
  });

  it('faults never touch the admin API', async () => {
    requireOk(await t.client.setFaults('booking_com', { outage: { for_seconds: 60 } }));
    expect((await t.client.trueCalendar('booking_com', 'L1', '2026-07-01', '2026-07-02')).status).toBe(200);
    expect((await t.client.getListing('booking_com', 'L1')).status).toBe(200);
  });
});

function day(offset: number): string {
  return new Date(Date.parse('2026-07-01') + offset * 86_400_000).toISOString().slice(0, 10);
}
