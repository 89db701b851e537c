import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { reconcileMigrations } from '@cm/reconciler';
import { DriftReads } from '../src/store/drift-reads';
import { PassStore, RATES_NOT_READ, type ListingOutcome } from '../src/store/pass-store';
import type { LocalDate, MismatchKind } from '@cm/domain';
import type { Channel } from '@cm/schemas';

const NOW = 1_800_000_000_000;
const DAY_MS = 86_400_000;
const D = (s: string) => s as LocalDate;

/**
 * What the console reads of the passes, on a real PostgreSQL: the newest pass per listing with
 * its drifting nights clipped to the nights asked for, and per channel and property what the
 * passes of the window found and what became of it.
 */
describe('DriftReads', () => {
  let scratch: ScratchDatabase;
  let passes: PassStore;
  let reads: DriftReads;

  async function pass(passId: string, startedAtMs: number, listings: { propertyId?: string; channel: Channel; outcome: ListingOutcome; drift?: [string, string, MismatchKind][]; rateDriftNights?: number }[]): Promise<void> {
    await scratch.db.transaction(async (tx) => {
      await tx('reconcile.passes').insert({ pass_id: passId, scope: 'all', trigger: 'schedule', window_days: 90, status: 'finished', started_at_ms: startedAtMs, finished_at_ms: startedAtMs + 1_000 });
      await passes.record(
        tx,
        listings.map((l) => {
          const drift = (l.drift ?? []).map(([checkIn, checkOut, kind]) => ({ dates: { checkIn: D(checkIn), checkOut: D(checkOut) }, kind }));
          const nights = drift.reduce((n, d) => n + (Date.parse(d.dates.checkOut) - Date.parse(d.dates.checkIn)) / DAY_MS, 0);
          return { passId, propertyId: l.propertyId ?? 'p1', channel: l.channel, listingId: `${l.propertyId ?? 'p1'}-${l.channel.toLowerCase()}`, compared: 90, driftNights: nights, driftRanges: drift, openWhileBooked: 0, correctionRanges: drift.length, ledgerVersion: 1, outcome: l.outcome, error: null, ...RATES_NOT_READ, rateDriftNights: l.rateDriftNights ?? 0 };
        }),
      );
    });
  }

  beforeAll(async () => {
    scratch = await scratchDatabase(uniqueName('tdr').toLowerCase(), [reconcileMigrations]);
    passes = new PassStore(scratch.db);
    reads = new DriftReads(scratch.db);
    await pass('old', NOW - 10 * DAY_MS, [{ channel: 'VRBO', outcome: 'fixed', drift: [['2027-01-01', '2027-01-05', 'open_while_booked']] }, { channel: 'EXPEDIA', outcome: 'in_sync' }]);
    await pass('new', NOW - DAY_MS, [
      { channel: 'VRBO', outcome: 'failed', drift: [['2027-01-03', '2027-01-06', 'closed_while_free'], ['2027-01-20', '2027-01-22', 'open_while_booked']], rateDriftNights: 4 },
      { channel: 'AIRBNB', outcome: 'unread' },
      { propertyId: 'p2', channel: 'VRBO', outcome: 'pending', drift: [['2027-01-03', '2027-01-04', 'open_while_booked']] },
    ]);
  });
  afterAll(() => scratch.drop());

  it("each listing's newest pass, its drift clipped to [from, to); another property's passes are not shown", async () => {
    const listings = await reads.lastPasses('p1', '2027-01-04', '2027-01-21');
    expect(listings).toEqual([
      { channel: 'AIRBNB', listing_id: 'p1-airbnb', pass_id: 'new', checked_at: new Date(NOW - DAY_MS).toISOString(), outcome: 'unread', settled_at: null, drift_nights: 0, drift: [] },
      { channel: 'EXPEDIA', listing_id: 'p1-expedia', pass_id: 'old', checked_at: new Date(NOW - 10 * DAY_MS).toISOString(), outcome: 'in_sync', settled_at: null, drift_nights: 0, drift: [] },
      {
        channel: 'VRBO',
        listing_id: 'p1-vrbo',
        pass_id: 'new',
        checked_at: new Date(NOW - DAY_MS).toISOString(),
        outcome: 'failed',
        settled_at: null,
        drift_nights: 5,
        drift: [
          { check_in: '2027-01-04', check_out: '2027-01-06', kind: 'closed_while_free' },
          { check_in: '2027-01-20', check_out: '2027-01-21', kind: 'open_while_booked' },
        ],
      },
    ]);
    expect((await reads.lastPasses('p1', '2027-02-01', '2027-02-10')).find((l) => l.channel === 'VRBO')!.drift).toEqual([]);
    expect(await reads.lastPasses('p-none', '2027-01-01', '2027-01-10')).toEqual([]);
  });

  it('health counts the checks of the window per channel and property: drift found, corrected, failed, pending, unread', async () => {
    const week = await reads.health(['p1', 'p2'], NOW - 7 * DAY_MS);
    expect(week.map((h) => [h.property_id, h.channel])).toEqual([['p1', 'AIRBNB'], ['p1', 'VRBO'], ['p2', 'VRBO']]);
    expect(week[1]).toEqual({ channel: 'VRBO', property_id: 'p1', checks: 1, unread: 0, last_checked_at: new Date(NOW - DAY_MS).toISOString(), drift_found: 1, drift_nights: 5, last_drift_found_at: new Date(NOW - DAY_MS).toISOString(), corrected: 0, correction_failed: 1, correction_pending: 0, rate_drift_found: 1, rate_drift_nights: 4 });
    expect(week[0]).toMatchObject({ channel: 'AIRBNB', checks: 1, unread: 1, drift_found: 0, last_drift_found_at: null });
    const fortnight = await reads.health(['p1'], NOW - 14 * DAY_MS);
    expect(fortnight.find((h) => h.channel === 'VRBO')).toMatchObject({ checks: 2, drift_found: 2, drift_nights: 9, corrected: 1, correction_failed: 1 });
    expect(fortnight.find((h) => h.channel === 'EXPEDIA')).toMatchObject({ checks: 1, drift_found: 0 });
  });
});
