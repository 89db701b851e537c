import type { PushResult } from '@cm/channel-adapters';
import { nextDelayMs, PUSH_OUTCOMES, type PushOutcome } from '../src/policy/backoff';
import { breakerAllows, initialBreaker, recordResult, type BreakerConfig, type BreakerState } from '../src/policy/circuit-breaker';
import { planAfterAnswer, planCall, planPush, type AfterAnswer, type Push, type PushPolicy, type Skip } from '../src/plan/push-plan';
import type { ListingWork, PendingNight } from '../src/store/sync-store';

const t0 = Date.UTC(2027, 0, 10, 12, 0, 0);
const breakerConfig: BreakerConfig = { failureThreshold: 3, coolDownMs: 30_000, halfOpenTrials: 1 };
const policy: PushPolicy = { retry: { maxAttempts: 4, baseMs: 100, maxMs: 5_000 }, breaker: breakerConfig, afterFailureMs: 30_000 };
const ADAPTER = 'the channel adapter';

const listing = (over: Partial<ListingWork> = {}): ListingWork => ({ channel: 'AIRBNB', listingId: 'L1', propertyId: 'P1', attempts: 0, changesPending: 1, ...over });
const night = (date: string, over: Partial<PendingNight> = {}): PendingNight => ({
  date,
  available: false,
  price: null,
  minStay: null,
  version: 1,
  source: 'PMS',
  changeEventId: 'chg-1',
  correlationId: 'corr-1',
  changedAtMs: t0 - 2_000,
  isReconciliation: false,
  traceParent: null,
  ...over,
});
/** Two nights closed by one change (versions 3 and 5), the night after opened at version 4. */
const nights = (): PendingNight[] => [
  night('2027-03-01', { version: 3, changeEventId: 'chg-3' }),
  night('2027-03-02', { version: 5, changeEventId: 'chg-5', correlationId: 'corr-5', source: 'AIRBNB', traceParent: '00-trace-5' }),
  night('2027-03-03', { version: 4, available: true, changeEventId: 'chg-4' }),
];

/** A breaker opened at `atMs` by as many failures as the threshold. */
const openedAt = (atMs: number): BreakerState => [1, 2, 3].reduce<BreakerState>((s) => recordResult(s, 'failure', atMs, breakerConfig), initialBreaker());
/** A half-open breaker whose one trial is out (granted at `atMs`). */
const trialOutAt = (atMs: number): BreakerState => breakerAllows(openedAt(atMs - breakerConfig.coolDownMs), atMs).state;

function skipOf(plan: { kind: string }): Skip {
  if (plan.kind !== 'skip') throw new Error(`expected a skip, got ${JSON.stringify(plan)}`);
  return plan as Skip;
}

/** The push planned for `work` and its nights with a token granted and a closed breaker. */
function pushOf(work: ListingWork = listing(), pending: readonly PendingNight[] = nights()): Push {
  const plan = planCall({ work, nights: pending, token: { allowed: true }, breaker: initialBreaker(), nowMs: t0, breakerConfig });
  if (plan.kind !== 'push') throw new Error(`expected a push, got ${JSON.stringify(plan)}`);
  return plan;
}

const failure = (outcome: Exclude<PushOutcome, 'ok'>, retryAfterMs: number | null = null): PushResult => ({ ok: false, outcome, status: null, retryAfterMs, error: `${outcome} from the channel` });
const acked: PushResult = { ok: true, ack: 'ack-1' };

function answer(result: PushResult, { work = listing(), breaker = initialBreaker(), pending = nights(), random = 0.5 }: { work?: ListingWork; breaker?: BreakerState; pending?: PendingNight[]; random?: number } = {}) {
  return planAfterAnswer({ work, nights: pending, push: pushOf(work, pending), result, breaker, completedAt: t0 + 300, random, policy });
}

function nextOf<K extends AfterAnswer['kind']>(kind: K, result: PushResult, options: Parameters<typeof answer>[1] = {}): Extract<AfterAnswer, { kind: K }> {
  const { next } = answer(result, options);
  if (next.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(next)}`);
  return next as Extract<AfterAnswer, { kind: K }>;
}

describe('before the token: a listing with nothing to push, or no channel to push to, is given back', () => {
  it('nothing pending: due again now, its changes spent, its attempts reset, no error', () => {
    const plan = planPush({ work: listing({ attempts: 2, changesPending: 4 }), nights: [], adapter: ADAPTER, breaker: initialBreaker(), nowMs: t0 });
    expect(plan).toEqual({ kind: 'skip', reason: 'nothing_pending', releaseAt: t0, attempts: 0, error: null, spent: 4 });
  });

  it('nothing pending on a channel without an adapter: its changes spent, due again in an hour with "no adapter"', () => {
    const plan = planPush({ work: listing({ changesPending: 4 }), nights: [], adapter: undefined, breaker: initialBreaker(), nowMs: t0 });
    expect(plan).toEqual({ kind: 'skip', reason: 'nothing_pending', releaseAt: t0 + 3_600_000, attempts: 0, error: 'no adapter', spent: 4 });
  });

  it('no adapter for the channel: due again in an hour with "no adapter", its changes still pending', () => {
    const plan = planPush({ work: listing({ attempts: 2, changesPending: 4 }), nights: nights(), adapter: undefined, breaker: initialBreaker(), nowMs: t0 });
    expect(plan).toEqual({ kind: 'skip', reason: 'no_adapter', releaseAt: t0 + 3_600_000, attempts: 0, error: 'no adapter', spent: 0 });
  });

  it('breaker open and cooling down: no token spent, due again when the cool-down ends, its attempts kept', () => {
    const breaker = openedAt(t0 - 10_000);
    const plan = planPush({ work: listing({ attempts: 2 }), nights: nights(), adapter: ADAPTER, breaker, nowMs: t0 });
    expect(plan).toEqual({ kind: 'skip', reason: 'circuit_open', releaseAt: t0 + 20_000, attempts: 2, error: 'circuit open', spent: 0 });
  });
});

describe('before the token: a listing that may be pushed asks its property bucket on its channel for a token', () => {
  it.each<[string, BreakerState]>([
    ['closed breaker', initialBreaker()],
    ['open breaker whose cool-down ended (the gate grants its trial after the token)', openedAt(t0 - 30_000)],
    ['half-open breaker (the gate decides after the token)', trialOutAt(t0 - 1_000)],
  ])('%s', (_, breaker) => {
    expect(planPush({ work: listing(), nights: nights(), adapter: ADAPTER, breaker, nowMs: t0 })).toEqual({ kind: 'take_token', bucket: 'sync:AIRBNB:P1', adapter: ADAPTER });
  });
});

describe('after the token: a refusal gives the listing back, else the breaker is asked last', () => {
  it('token refused: due again when the bucket has one, attempts kept, no error', () => {
    const plan = planCall({ work: listing({ attempts: 2 }), nights: nights(), token: { allowed: false, retryAfterMs: 4_200 }, breaker: initialBreaker(), nowMs: t0, breakerConfig });
    expect(plan).toEqual({ kind: 'skip', reason: 'rate_limited', releaseAt: t0 + 4_200, attempts: 2, error: null, spent: 0 });
  });

  it('breaker opened while the token was taken: refused, due again a quarter cool-down later with "circuit open"', () => {
    const plan = planCall({ work: listing({ attempts: 1 }), nights: nights(), token: { allowed: true }, breaker: openedAt(t0 - 1), nowMs: t0, breakerConfig });
    expect(plan).toEqual({ kind: 'skip', reason: 'breaker_refused', releaseAt: t0 + 7_500, attempts: 1, error: 'circuit open', spent: 0 });
  });

  it('half-open with its trial out: refused; a short cool-down still waits 250 ms', () => {
    const short = { ...breakerConfig, coolDownMs: 400 };
    const breaker = breakerAllows(recordResult(initialBreaker(), 'failure', t0 - 500, { ...short, failureThreshold: 1 }), t0 - 50).state;
    expect(breaker.name).toBe('half_open');
    const plan = skipOf(planCall({ work: listing(), nights: nights(), token: { allowed: true }, breaker, nowMs: t0, breakerConfig: short }));
    expect(plan).toMatchObject({ reason: 'breaker_refused', releaseAt: t0 + 250 });
  });

  it('open breaker whose cool-down ended: the call is its trial, and the breaker kept before the call is half-open', () => {
    const plan = planCall({ work: listing(), nights: nights(), token: { allowed: true }, breaker: openedAt(t0 - 30_000), nowMs: t0, breakerConfig });
    expect(plan.kind).toBe('push');
    expect((plan as Push).breaker).toMatchObject({ name: 'half_open', trialsGranted: 1, lastTrialGrantedAtMs: t0 });
  });

  it('closed breaker: the call is attempt number attempts + 1, and the breaker stays closed', () => {
    const push = pushOf(listing({ attempts: 2 }));
    expect(push.attempt).toBe(3);
    expect(push.breaker).toEqual(initialBreaker());
  });
});

describe('the call: pending nights merged into the fewest ranges, carrying the newest change', () => {
  it('consecutive nights with the same availability are one range; a change of availability or a gap starts another', () => {
    const pending = [night('2027-03-05'), ...nights(), night('2027-03-06', { changeEventId: 'chg-6' })];
    expect(pushOf(listing(), pending).ranges).toEqual([
      { from: '2027-03-01', to: '2027-03-03', available: false },
      { from: '2027-03-03', to: '2027-03-04', available: true },
      { from: '2027-03-05', to: '2027-03-07', available: false },
    ]);
  });

  it('nights in any order make the same ranges and the same request id', () => {
    const inOrder = pushOf(listing(), nights());
    const shuffled = pushOf(listing(), [...nights()].reverse());
    expect(shuffled.ranges).toEqual(inOrder.ranges);
    expect(shuffled.requestId).toBe(inOrder.requestId);
  });

  it('the newest night (highest version) is the change the push reports and the trace it runs in', () => {
    const push = pushOf();
    expect(push.newest).toMatchObject({ date: '2027-03-02', version: 5, changeEventId: 'chg-5', traceParent: '00-trace-5' });
    expect(push.isReconciliation).toBe(false);
  });
});

describe('the request id: stable across retries, new for a new state or a correction', () => {
  it('is sha256 of channel, listing, property, ranges and correction, cut to 32 hex digits', () => {
    // Pinned: a platform that dedupes by request id must see the ids it saw before code moves.
    // (The property went in when a remapped listing's push was found answered as a replay.)
    expect(pushOf().requestId).toBe('5da95d82afd40cb675165282e5e47cb9');
  });

  it('is the same for every retry of the same ranges', () => {
    const ids = [0, 1, 2, 3].map((attempts) => pushOf(listing({ attempts })).requestId);
    expect(new Set(ids).size).toBe(1);
  });

  it('does not depend on the changes counted or what else a night carries besides its terms and version', () => {
    const other = nights().map((n) => ({ ...n, changeEventId: `${n.changeEventId}-again`, correlationId: 'corr-x', changedAtMs: t0, traceParent: null }));
    expect(pushOf(listing({ changesPending: 9 }), other).requestId).toBe(pushOf().requestId);
  });

  it("differs for the same ranges at the same versions of another property: versions are each property's own, and a remapped listing's push is no replay", () => {
    expect(pushOf(listing({ propertyId: 'P2' })).requestId).not.toBe(pushOf().requestId);
  });

  it('differs for a night at a newer version, another listing and another channel', () => {
    const base = pushOf().requestId;
    const newer = nights().map((n) => (n.date === '2027-03-01' ? { ...n, version: 6 } : n));
    expect(pushOf(listing(), newer).requestId).not.toBe(base);
    expect(pushOf(listing({ listingId: 'L2' })).requestId).not.toBe(base);
    expect(pushOf(listing({ channel: 'VRBO' })).requestId).not.toBe(base);
  });

  it('a correction repeating the very ranges of an acknowledged push gets an id of its own, from its newest change', () => {
    const correction = (changeEventId: string) => nights().map((n) => (n.version === 5 ? { ...n, isReconciliation: true, changeEventId } : n));
    const corrected = pushOf(listing(), correction('chg-5'));
    expect(corrected.isReconciliation).toBe(true);
    expect(corrected.ranges).toEqual(pushOf().ranges);
    expect(corrected.requestId).toBe('93ef825bef52f6130d97905a1dcf6739');
    expect(pushOf(listing({ attempts: 2 }), correction('chg-5')).requestId).toBe(corrected.requestId);
    expect(pushOf(listing(), correction('chg-7')).requestId).not.toBe(corrected.requestId);
  });

  it('any reconciled night makes it a correction, named by the newest change', () => {
    const oneReconciled = nights().map((n) => (n.version === 3 ? { ...n, isReconciliation: true } : n));
    expect(pushOf(listing(), oneReconciled).requestId).toBe('93ef825bef52f6130d97905a1dcf6739');
  });
});

describe('the answer: acknowledged', () => {
  it('reports the newest change at attempt number attempts + 1, completed when the channel answered', () => {
    const next = nextOf('acknowledge', acked, { work: listing({ attempts: 1 }) });
    expect(next.ack).toBe('ack-1');
    expect(next.report).toEqual({
      propertyId: 'P1',
      channel: 'AIRBNB',
      requestId: pushOf(listing({ attempts: 1 })).requestId,
      version: 5,
      source: 'AIRBNB',
      changeEventId: 'chg-5',
      correlationId: 'corr-5',
      attempts: 2,
      isReconciliation: false,
      completedAt: t0 + 300,
    });
  });

  it('acknowledges every night at the version pushed, and the changes counted when the listing was claimed', () => {
    const next = nextOf('acknowledge', acked, { work: listing({ changesPending: 3 }) });
    expect(next.nights).toEqual([
      { date: '2027-03-01', version: 3 },
      { date: '2027-03-02', version: 5 },
      { date: '2027-03-03', version: 4 },
    ]);
    expect(next.carried).toBe(3);
  });

  it('counts the changes beyond the first as coalesced, none for a single change', () => {
    expect(nextOf('acknowledge', acked, { work: listing({ changesPending: 5 }) }).coalesced).toBe(4);
    expect(nextOf('acknowledge', acked, { work: listing({ changesPending: 1 }) }).coalesced).toBe(0);
    expect(nextOf('acknowledge', acked, { work: listing({ changesPending: 0 }) }).coalesced).toBe(0);
  });

  it('observes one lag per change carried, however many nights it set, never below zero', () => {
    const pending = [
      night('2027-03-01', { changeEventId: 'a', changedAtMs: t0 - 1_700 }),
      night('2027-03-02', { changeEventId: 'a', changedAtMs: t0 - 1_700 }),
      night('2027-03-03', { changeEventId: 'b', changedAtMs: t0 + 1_000 }),
    ];
    expect(nextOf('acknowledge', acked, { pending }).lagsSeconds).toEqual([2, 0]);
  });
});

describe('the answer: retried while attempts are left, reported after the last', () => {
  it.each<[string, PushResult]>([
    ['a server error', failure('server_error')],
    ['a timeout', failure('timeout')],
    ['a network error', failure('network_error')],
    ['a rate limit', failure('rate_limited')],
  ])('%s with attempts left: retried after the backoff, its failed calls counted', (_, result) => {
    const next = nextOf('retry', result, { work: listing({ attempts: 1 }), random: 0.25 });
    expect(next).toEqual({ kind: 'retry', at: t0 + 300 + nextDelayMs({ attempt: 2, baseMs: 100, maxMs: 5_000, random: 0.25 }), attempt: 2, error: result.ok ? '' : result.error });
  });

  it("a rate limit's Retry-After is the least wait", () => {
    expect(nextOf('retry', failure('rate_limited', 3_000), { random: 0 }).at).toBe(t0 + 300 + 3_000);
  });

  it('the backoff is drawn from the random number given', () => {
    expect(nextOf('retry', failure('server_error'), { random: 0 }).at).toBe(t0 + 300);
    expect(nextOf('retry', failure('server_error'), { random: 0.999 }).at).toBe(t0 + 300 + 99);
  });

  it('the last attempt failed: reported at that attempt, tried again after the wait that follows a failure', () => {
    const next = nextOf('report_failure', failure('server_error'), { work: listing({ attempts: 3 }) });
    expect(next).toMatchObject({ kind: 'report_failure', error: 'server_error from the channel', againAfterMs: 30_000 });
    expect(next.report).toMatchObject({ attempts: 4, version: 5, changeEventId: 'chg-5', completedAt: t0 + 300 });
  });

  it('a client error is reported at once: the same request would be refused again', () => {
    const next = nextOf('report_failure', failure('client_error'), { work: listing({ attempts: 0 }) });
    expect(next.report.attempts).toBe(1);
  });
});

describe('the answer: the breaker counts only signs that the channel is down', () => {
  const results: Record<PushOutcome, PushResult> = {
    ok: acked,
    server_error: failure('server_error'),
    timeout: failure('timeout'),
    network_error: failure('network_error'),
    rate_limited: failure('rate_limited'),
    client_error: failure('client_error'),
  };
  const downSigns: readonly PushOutcome[] = ['server_error', 'timeout', 'network_error'];
  const twoFailures: BreakerState = { name: 'closed', consecutiveFailures: 2 };

  it.each(PUSH_OUTCOMES.filter((o) => downSigns.includes(o)))('%s after two failures in a row opens the breaker when the channel answered', (outcome) => {
    expect(answer(results[outcome], { breaker: twoFailures }).breaker).toMatchObject({ name: 'open', openedAtMs: t0 + 300, coolDownEndsAtMs: t0 + 300 + 30_000 });
  });

  it.each(PUSH_OUTCOMES.filter((o) => !downSigns.includes(o)))('%s counts as a success: the failures in a row start again', (outcome) => {
    expect(answer(results[outcome], { breaker: twoFailures }).breaker).toEqual(initialBreaker());
  });

  it('the trial of a half-open breaker closes it when acknowledged', () => {
    expect(answer(acked, { breaker: trialOutAt(t0) }).breaker).toEqual(initialBreaker());
  });

  it('a failed trial opens it again for a fresh cool-down', () => {
    expect(answer(failure('timeout'), { breaker: trialOutAt(t0) }).breaker).toMatchObject({ name: 'open', coolDownEndsAtMs: t0 + 300 + 30_000 });
  });

  it('an answer reaching an open breaker (a call let through before it opened) changes nothing', () => {
    const open = openedAt(t0);
    expect(answer(failure('server_error'), { breaker: open }).breaker).toBe(open);
    expect(answer(acked, { breaker: open }).breaker).toBe(open);
  });
});
