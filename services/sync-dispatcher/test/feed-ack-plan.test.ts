import { planFeedAcknowledgement, type FeedAcknowledge, type FeedWait } from '../src/plan/feed-ack';
import type { ListingWork, PendingNight } from '../src/store/sync-store';

const t0 = Date.UTC(2027, 0, 10, 12, 0, 0);
const listing = (over: Partial<ListingWork> = {}): ListingWork => ({ channel: 'VRBO', listingId: 'V1', propertyId: 'P1', attempts: 0, changesPending: 2, ...over });
const night = (date: string, over: Partial<PendingNight> = {}): PendingNight => ({
  date,
  available: false,
  price: null,
  minStay: null,
  version: 1,
  source: 'AIRBNB',
  changeEventId: 'chg-1',
  correlationId: 'corr-1',
  changedAtMs: t0 - 60_000,
  isReconciliation: false,
  traceParent: null,
  ...over,
});
/** A booking closing two nights at version 3 (a minute ago), and a later one closing a night at version 5 (ten seconds ago). */
const nights = (): PendingNight[] => [
  night('2027-03-01', { version: 3, changeEventId: 'chg-3' }),
  night('2027-03-02', { version: 3, changeEventId: 'chg-3' }),
  night('2027-03-09', { version: 5, changeEventId: 'chg-5', correlationId: 'corr-5', source: 'EXPEDIA', changedAtMs: t0 - 10_000 }),
];

function acknowledgeOf(plan: FeedWait | FeedAcknowledge): FeedAcknowledge {
  if (plan.kind !== 'acknowledge') throw new Error(`expected an acknowledgement, got ${JSON.stringify(plan)}`);
  return plan;
}

describe('a feed channel’s changes are acknowledged by the channel’s fetch, not by publishing them', () => {
  it('never fetched: nothing acknowledged, the listing goes back with its changes still pending', () => {
    expect(planFeedAcknowledgement({ work: listing(), nights: nights(), fetched: undefined, nowMs: t0 })).toEqual({ kind: 'wait', reason: 'not_fetched', releaseAt: t0, spent: 0 });
  });

  it('a fetch of an older version (before the changes): nothing acknowledged', () => {
    expect(planFeedAcknowledgement({ work: listing(), nights: nights(), fetched: { version: 2, fetchedAtMs: t0 - 120_000, lastFetchedAtMs: t0 - 120_000 }, nowMs: t0 })).toEqual({ kind: 'wait', reason: 'not_fetched', releaseAt: t0, spent: 0 });
  });

  it('a fetch at the newest version acknowledges every change, with the lag of each change to the fetch', () => {
    const plan = acknowledgeOf(planFeedAcknowledgement({ work: listing(), nights: nights(), fetched: { version: 5, fetchedAtMs: t0 + 5_000, lastFetchedAtMs: t0 + 5_000 }, nowMs: t0 + 6_000 }));
    expect(plan.nights).toEqual([
      { date: '2027-03-01', version: 3 },
      { date: '2027-03-02', version: 3 },
      { date: '2027-03-09', version: 5 },
    ]);
    expect([...plan.lagsSeconds].sort((a, b) => a - b)).toEqual([15, 65]);
    expect(plan.report).toMatchObject({ channel: 'VRBO', propertyId: 'P1', version: 5, changeEventId: 'chg-5', correlationId: 'corr-5', source: 'EXPEDIA', attempts: 1, completedAt: t0 + 5_000, isReconciliation: false });
    expect(plan.ack).toBe('ical-feed:v5');
    expect({ carried: plan.carried, coalesced: plan.coalesced }).toEqual({ carried: 2, coalesced: 1 });
  });

  it('a fetch between two changes acknowledges the first; the second stays pending, counted as such', () => {
    const plan = acknowledgeOf(planFeedAcknowledgement({ work: listing(), nights: nights(), fetched: { version: 4, fetchedAtMs: t0, lastFetchedAtMs: t0 }, nowMs: t0 }));
    expect(plan.nights.map((n) => n.version)).toEqual([3, 3]);
    expect(plan.lagsSeconds).toEqual([60]);
    expect(plan.report).toMatchObject({ version: 3, changeEventId: 'chg-3' });
    expect({ carried: plan.carried, coalesced: plan.coalesced }).toEqual({ carried: 1, coalesced: 0 });
  });

  it('nothing pending: its changes are spent', () => {
    expect(planFeedAcknowledgement({ work: listing({ changesPending: 4 }), nights: [], fetched: { version: 9, fetchedAtMs: t0, lastFetchedAtMs: t0 }, nowMs: t0 })).toEqual({ kind: 'wait', reason: 'nothing_pending', releaseAt: t0, spent: 4 });
  });

  it('the same nights acknowledged by the same fetched version are the same result; another version is another', () => {
    const at = (version: number) => acknowledgeOf(planFeedAcknowledgement({ work: listing(), nights: nights(), fetched: { version, fetchedAtMs: t0, lastFetchedAtMs: t0 }, nowMs: t0 })).report.requestId;
    expect(at(5)).toBe(at(5));
    expect(at(6)).not.toBe(at(5));
  });

  it('a reconciliation’s correction at a version the feed showed already (the channel lost it) waits for a fetch after it; its lag runs to that fetch', () => {
    const correction = night('2027-03-01', { version: 3, changeEventId: 'fix-3', isReconciliation: true, changedAtMs: t0 });
    const before = { version: 9, fetchedAtMs: t0 - 600_000, lastFetchedAtMs: t0 - 1_000 };
    expect(planFeedAcknowledgement({ work: listing({ changesPending: 1 }), nights: [correction], fetched: before, nowMs: t0 })).toEqual({ kind: 'wait', reason: 'not_fetched', releaseAt: t0, spent: 0 });
    const plan = acknowledgeOf(planFeedAcknowledgement({ work: listing({ changesPending: 1 }), nights: [correction], fetched: { ...before, lastFetchedAtMs: t0 + 30_000 }, nowMs: t0 + 31_000 }));
    expect(plan.lagsSeconds).toEqual([30]);
    expect(plan.report).toMatchObject({ completedAt: t0 + 30_000, isReconciliation: true });
  });

  it('a fetch recorded before a change happened (clocks apart) counts no negative lag', () => {
    const plan = acknowledgeOf(planFeedAcknowledgement({ work: listing(), nights: [night('2027-03-01', { version: 3, changedAtMs: t0 + 1_000 })], fetched: { version: 3, fetchedAtMs: t0, lastFetchedAtMs: t0 }, nowMs: t0 }));
    expect(plan.lagsSeconds).toEqual([0]);
  });
});
