import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { ledgerMigrations } from '@cm/booking-arbiter';
import { syncMigrations } from '@cm/sync-dispatcher';
import { writeTogether } from '@cm/service-runtime';
import { ChannelSideReads } from '../src/store/channel-side-reads';
import { PushHistory, type PushCall } from '../src/store/push-calls';
import type { ListingWork, PendingNight } from '../src/store/sync-store';

const NOW = 1_800_000_000_000;
const DAY_MS = 86_400_000;
const vrbo: ListingWork = { channel: 'VRBO', listingId: 'vrbo-1', propertyId: 'p1', attempts: 0, changesPending: 1 };
const expedia: ListingWork = { channel: 'EXPEDIA', listingId: 'exp-1', propertyId: 'p1', attempts: 0, changesPending: 1 };

function night(date: string, correlationId: string): PendingNight {
  return { date, available: false, price: null, minStay: null, version: 3, source: 'AIRBNB', changeEventId: `e-${date}`, correlationId, changedAtMs: NOW - 1_000, isReconciliation: false, traceParent: null };
}

function call(work: ListingWork, outcome: string, answeredAtMs: number, ranges = [{ from: '2027-01-10', to: '2027-01-13', available: false }], correlationId = 'corr-1'): PushCall {
  return { work, requestId: `req-${answeredAtMs}`, attempt: 1, ranges, nights: [night(ranges[0]!.from, correlationId)], newestVersion: 3, isReconciliation: false, outcome, httpStatus: outcome === 'ok' ? null : 503, error: outcome === 'ok' ? null : 'HTTP 503', answeredAtMs };
}

/**
 * What the console reads of the channel side, on a real PostgreSQL: the log of calls and which
 * nights each carried, the waits and breakers counted per listing and instance, the health they
 * add up to, and the purge of calls past their retention.
 */
describe('PushHistory and ChannelSideReads', () => {
  let scratch: ScratchDatabase;
  let history: PushHistory;
  let reads: ChannelSideReads;

  beforeAll(async () => {
    scratch = await scratchDatabase(uniqueName('tph').toLowerCase(), [ledgerMigrations, syncMigrations]);
    history = new PushHistory(scratch.db, 'instance-a');
    reads = new ChannelSideReads(scratch.db);
  });
  afterAll(() => scratch.drop());
  beforeEach(async () => {
    for (const table of ['push_calls', 'listing_waits', 'breaker_states']) await scratch.db(`sync.${table}`).delete();
  });

  it('a call is found by each night it carried, and by the correlation of a change it carried; not by a night between its ranges', async () => {
    await writeTogether(scratch.db, [history.callInsert(call(vrbo, 'ok', NOW, [{ from: '2027-01-10', to: '2027-01-12', available: false }, { from: '2027-01-15', to: '2027-01-16', available: true }]))]);
    for (const date of ['2027-01-10', '2027-01-11', '2027-01-15']) expect((await reads.callsOfNight(vrbo, date, 10)).map((c) => c.request_id)).toEqual([`req-${NOW}`]);
    for (const date of ['2027-01-09', '2027-01-12', '2027-01-14', '2027-01-16']) expect(await reads.callsOfNight(vrbo, date, 10)).toEqual([]);
    expect(await reads.callsOfNight(expedia, '2027-01-10', 10)).toEqual([]);
    const [found] = await reads.callsOfCorrelations('p1', ['corr-1', 'corr-x'], 10);
    expect(found).toMatchObject({ channel: 'VRBO', outcome: 'ok', ranges: [{ from: '2027-01-10', to: '2027-01-12', available: false }, { from: '2027-01-15', to: '2027-01-16', available: true }], correlation_ids: ['corr-1'], answered_at: new Date(NOW).toISOString() });
    expect(await reads.callsOfCorrelations('p1', ['corr-x'], 10)).toEqual([]);
    expect(await reads.callsOfCorrelations('p2', ['corr-1'], 10)).toEqual([]);
  });

  it("health adds up a channel's calls, waits and breakers per property; another channel's breaker is not shown", async () => {
    await writeTogether(scratch.db, [history.callInsert(call(expedia, 'ok', NOW - 2 * DAY_MS)), history.callInsert(call(expedia, 'server_error', NOW - 60_000)), history.callInsert(call(expedia, 'rate_limited', NOW - 30_000))]);
    for (const [kind, at] of [['rate_limited', NOW - 20_000], ['rate_limited', NOW - 10_000], ['circuit_open', NOW - 5_000]] as const) await writeTogether(scratch.db, [history.waitCount(expedia, kind, at)]);
    await history.breakerEntered('EXPEDIA', 'open', NOW - 50_000);
    await new PushHistory(scratch.db, 'instance-b').breakerEntered('EXPEDIA', 'closed', NOW - 40_000);
    await history.breakerEntered('VRBO', 'half_open', NOW - 1_000);

    const health = await reads.health([{ ...expedia }, { ...vrbo }], NOW);
    expect(health.map((h) => h.channel)).toEqual(['EXPEDIA', 'VRBO']);
    expect(health[0]).toEqual({
      channel: 'EXPEDIA',
      property_id: 'p1',
      listings: 1,
      last_successful_push_at: new Date(NOW - 2 * DAY_MS).toISOString(),
      last_failed_push_at: new Date(NOW - 30_000).toISOString(),
      last_error: 'HTTP 503',
      calls_24h: 2,
      failures_24h: 2,
      channel_rate_limited_24h: 1,
      pending_nights: 0,
      oldest_pending_change_at: null,
      rate_limit_waits: 2,
      circuit_waits: 1,
      last_wait_at: new Date(NOW - 5_000).toISOString(),
      circuit: [
        { instance: 'instance-a', state: 'open', since: new Date(NOW - 50_000).toISOString() },
        { instance: 'instance-b', state: 'closed', since: new Date(NOW - 40_000).toISOString() },
      ],
    });
    expect(health[1]).toMatchObject({ channel: 'VRBO', last_successful_push_at: null, calls_24h: 0, rate_limit_waits: 0, circuit: [{ instance: 'instance-a', state: 'half_open' }] });
    expect(await reads.health([], NOW)).toEqual([]);
  });

  it('the purge deletes calls answered before the cut-off only, a batch at a time', async () => {
    await writeTogether(scratch.db, [1, 2, 3].map((i) => history.callInsert(call(vrbo, 'ok', NOW - 40 * DAY_MS + i))));
    await writeTogether(scratch.db, [history.callInsert(call(vrbo, 'ok', NOW))]);
    expect(await history.purgeCalls(NOW - 30 * DAY_MS, 2)).toBe(2);
    expect(await history.purgeCalls(NOW - 30 * DAY_MS, 2)).toBe(1);
    expect(await history.purgeCalls(NOW - 30 * DAY_MS, 2)).toBe(0);
    expect((await scratch.db('sync.push_calls').select('answered_at_ms')).map((r) => Number(r.answered_at_ms))).toEqual([NOW]);
  });
});
