import { PUSH_OUTCOMES, type PushOutcome } from '../src/policy/backoff';
import {
  breakerAllows,
  breakerGaugeValue,
  countsAsBreakerFailure,
  initialBreaker,
  recordResult,
  type BreakerConfig,
  type BreakerResult,
  type BreakerState,
} from '../src/policy/circuit-breaker';
import { seededRandom } from '@cm/service-runtime';

const config: BreakerConfig = { failureThreshold: 3, coolDownMs: 30_000, halfOpenTrials: 2 };
const t0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const trialRules = { halfOpenTrials: 2, trialTimeoutMs: 30_000 };

/** Records results one after another, all at `nowMs`. */
function recordAll(state: BreakerState, results: readonly BreakerResult[], nowMs: number, breakerConfig: BreakerConfig = config): BreakerState {
  return results.reduce((current, result) => recordResult(current, result, nowMs, breakerConfig), state);
}

/** A breaker opened at t0 by three failures. */
const openedAtT0 = (): BreakerState => recordAll(initialBreaker(), ['failure', 'failure', 'failure'], t0);

describe('closed: counts consecutive failures', () => {
  it('a new breaker is closed, counts nothing and lets calls through', () => {
    expect(initialBreaker()).toEqual({ name: 'closed', consecutiveFailures: 0 });
    expect(breakerAllows(initialBreaker(), t0)).toEqual({ allowed: true, state: { name: 'closed', consecutiveFailures: 0 } });
  });

  it('failures below the threshold keep it closed, counted', () => {
    expect(recordAll(initialBreaker(), ['failure', 'failure'], t0)).toEqual({ name: 'closed', consecutiveFailures: 2 });
  });

  it('the threshold-th consecutive failure opens it, cool-down from that failure', () => {
    expect(openedAtT0()).toEqual({ name: 'open', openedAtMs: t0, coolDownEndsAtMs: t0 + 30_000, trials: trialRules });
  });

  it('a success resets the count: failures must be consecutive', () => {
    expect(recordAll(initialBreaker(), ['failure', 'failure', 'success', 'failure', 'failure'], t0)).toEqual({ name: 'closed', consecutiveFailures: 2 });
  });

  it('a success on a clean breaker returns the same state object (nothing to persist)', () => {
    const clean = initialBreaker();
    expect(recordResult(clean, 'success', t0, config)).toBe(clean);
  });

  it('threshold 1 opens on the first failure', () => {
    expect(recordResult(initialBreaker(), 'failure', t0, { ...config, failureThreshold: 1 })).toMatchObject({ name: 'open', coolDownEndsAtMs: t0 + 30_000 });
  });
});

describe('open: refuses calls until the cool-down has passed', () => {
  it('refuses a call 1 ms before the cool-down ends, leaving the state as it was', () => {
    const open = openedAtT0();
    const answer = breakerAllows(open, t0 + 29_999);
    expect(answer.allowed).toBe(false);
    expect(answer.state).toBe(open);
  });

  it('at the end of the cool-down it turns half_open and grants the first trial', () => {
    expect(breakerAllows(openedAtT0(), t0 + 30_000)).toEqual({
      allowed: true,
      state: { name: 'half_open', trialsGranted: 1, trialSuccesses: 0, lastTrialGrantedAtMs: t0 + 30_000, trials: trialRules },
    });
  });

  it('late results of calls let through before it opened change nothing: a failure does not stretch the cool-down', () => {
    const open = openedAtT0();
    expect(recordResult(open, 'failure', t0 + 10_000, config)).toBe(open);
    expect(recordResult(open, 'success', t0 + 10_000, config)).toBe(open);
  });
});

describe('half_open: a limited number of trials decides', () => {
  const firstTrialAt = t0 + 30_000;
  const halfOpen = (): BreakerState => breakerAllows(openedAtT0(), firstTrialAt).state;

  it('grants halfOpenTrials trials in all, then refuses', () => {
    const second = breakerAllows(halfOpen(), firstTrialAt + 100);
    const third = breakerAllows(second.state, firstTrialAt + 200);
    expect([second.allowed, third.allowed]).toEqual([true, false]);
    expect(third.state).toEqual({ name: 'half_open', trialsGranted: 2, trialSuccesses: 0, lastTrialGrantedAtMs: firstTrialAt + 100, trials: trialRules });
  });

  it('one success of two keeps it half_open; the second closes it with a clean count', () => {
    const both = breakerAllows(halfOpen(), firstTrialAt).state;
    const oneSuccess = recordResult(both, 'success', firstTrialAt + 500, config);
    expect(oneSuccess).toEqual({ name: 'half_open', trialsGranted: 2, trialSuccesses: 1, lastTrialGrantedAtMs: firstTrialAt, trials: trialRules });
    expect(recordResult(oneSuccess, 'success', firstTrialAt + 600, config)).toEqual({ name: 'closed', consecutiveFailures: 0 });
  });

  it('a failed trial opens it again, with a fresh cool-down from the failure', () => {
    const failedAt = firstTrialAt + 700;
    expect(recordResult(halfOpen(), 'failure', failedAt, config)).toEqual({ name: 'open', openedAtMs: failedAt, coolDownEndsAtMs: failedAt + 30_000, trials: trialRules });
  });

  it('a failure after a success still reopens it: all trials must succeed', () => {
    const both = breakerAllows(halfOpen(), firstTrialAt).state;
    expect(recordAll(both, ['success', 'failure'], firstTrialAt + 900)).toMatchObject({ name: 'open', coolDownEndsAtMs: firstTrialAt + 900 + 30_000 });
  });

  it('trials never answered are presumed lost after a cool-down, and one more is granted', () => {
    const allOut = breakerAllows(halfOpen(), firstTrialAt + 100).state;
    const oneSuccess = recordResult(allOut, 'success', firstTrialAt + 200, config);
    expect(breakerAllows(oneSuccess, firstTrialAt + 100 + 29_999).allowed).toBe(false);
    expect(breakerAllows(oneSuccess, firstTrialAt + 100 + 30_000)).toEqual({
      allowed: true,
      state: { name: 'half_open', trialsGranted: 2, trialSuccesses: 1, lastTrialGrantedAtMs: firstTrialAt + 100 + 30_000, trials: trialRules },
    });
  });

  it('halfOpenTrials 1: a single trial, whose success closes it', () => {
    const oneTrial = { ...config, halfOpenTrials: 1 };
    const open = recordAll(initialBreaker(), ['failure', 'failure', 'failure'], t0, oneTrial);
    const trial = breakerAllows(open, t0 + 30_000);
    expect(breakerAllows(trial.state, t0 + 30_001).allowed).toBe(false);
    expect(recordResult(trial.state, 'success', t0 + 30_002, oneTrial)).toEqual({ name: 'closed', consecutiveFailures: 0 });
  });

  it('an episode keeps the trial count it opened with, even if the config changes meanwhile', () => {
    const trial = breakerAllows(openedAtT0(), firstTrialAt).state;
    expect(recordResult(trial, 'success', firstTrialAt + 1, { ...config, halfOpenTrials: 1 })).toMatchObject({ name: 'half_open', trialSuccesses: 1 });
  });
});

describe('what counts as a failure', () => {
  it.each<[PushOutcome, boolean]>([
    ['ok', false],
    ['rate_limited', false], // up, pacing us: backoff's business, not the breaker's
    ['client_error', false], // up, refusing our request
    ['server_error', true],
    ['timeout', true],
    ['network_error', true],
  ])('%s counts as a breaker failure: %s', (outcome, expected) => {
    expect(countsAsBreakerFailure(outcome)).toBe(expected);
  });

  it('a storm of 429s never opens the breaker', () => {
    const afterStorm = Array.from({ length: 50 }, (): PushOutcome => 'rate_limited').reduce(
      (state, outcome) => recordResult(state, countsAsBreakerFailure(outcome) ? 'failure' : 'success', t0, config),
      initialBreaker(),
    );
    expect(afterStorm).toEqual({ name: 'closed', consecutiveFailures: 0 });
  });

  it('a 429 between 5xx breaks the run of consecutive failures', () => {
    const outcomes: PushOutcome[] = ['server_error', 'server_error', 'rate_limited', 'server_error', 'timeout'];
    const state = outcomes.reduce((current, outcome) => recordResult(current, countsAsBreakerFailure(outcome) ? 'failure' : 'success', t0, config), initialBreaker());
    expect(state).toEqual({ name: 'closed', consecutiveFailures: 2 });
  });
});

describe('circuit state gauge', () => {
  it('is 0 closed, 1 half_open, 2 open', () => {
    const open = openedAtT0();
    const halfOpen = breakerAllows(open, t0 + 30_000).state;
    expect([initialBreaker(), halfOpen, open].map((state) => [state.name, breakerGaugeValue(state)])).toEqual([
      ['closed', 0],
      ['half_open', 1],
      ['open', 2],
    ]);
  });
});

describe('config', () => {
  it.each([
    ['failureThreshold 0', { failureThreshold: 0 }, 'failureThreshold must be an integer >= 1, got 0'],
    ['a fractional failureThreshold', { failureThreshold: 1.5 }, 'failureThreshold must be an integer >= 1, got 1.5'],
    ['coolDownMs 0', { coolDownMs: 0 }, 'coolDownMs must be a finite number > 0, got 0'],
    ['an infinite coolDownMs', { coolDownMs: Number.POSITIVE_INFINITY }, 'coolDownMs must be a finite number > 0, got Infinity'],
    ['halfOpenTrials 0', { halfOpenTrials: 0 }, 'halfOpenTrials must be an integer >= 1, got 0'],
  ])('refuses %s (a caller bug)', (_case, overrides, message) => {
    expect(() => recordResult(initialBreaker(), 'failure', t0, { ...config, ...overrides })).toThrow(new RangeError(message));
  });
});

describe('invariants over 300 seeded runs of 200 calls each', () => {
  it('never lets a call through while open and cooling down, never grants more trials than allowed, never counts past the threshold', () => {
    const outcomes = PUSH_OUTCOMES;
    const runsThatReached = { closed: 0, half_open: 0, open: 0 };
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = seededRandom(seed);
      const runConfig: BreakerConfig = { failureThreshold: 1 + Math.floor(random() * 5), coolDownMs: 1_000 + Math.floor(random() * 10_000), halfOpenTrials: 1 + Math.floor(random() * 3) };
      let state = initialBreaker();
      let nowMs = t0;
      const reached = new Set<BreakerState['name']>();
      for (let call = 0; call < 200; call += 1) {
        nowMs += Math.floor(random() * 3_000);
        const before = state;
        const answer = breakerAllows(state, nowMs);
        state = answer.state;
        reached.add(state.name);
        const context = { seed, call, before };
        if (before.name === 'open') expect({ ...context, allowed: answer.allowed }).toEqual({ ...context, allowed: nowMs >= before.coolDownEndsAtMs });
        if (before.name === 'closed') expect({ ...context, allowed: answer.allowed }).toEqual({ ...context, allowed: true });
        if (answer.allowed) {
          const outcome = outcomes[Math.floor(random() * outcomes.length)] ?? 'ok';
          state = recordResult(state, countsAsBreakerFailure(outcome) ? 'failure' : 'success', nowMs, runConfig);
        }
        if (state.name === 'closed') expect({ ...context, below: state.consecutiveFailures < runConfig.failureThreshold }).toEqual({ ...context, below: true });
        if (state.name === 'half_open') {
          expect({ ...context, trialsWithinLimit: state.trialsGranted <= runConfig.halfOpenTrials }).toEqual({ ...context, trialsWithinLimit: true });
          expect({ ...context, successesBelowLimit: state.trialSuccesses < runConfig.halfOpenTrials }).toEqual({ ...context, successesBelowLimit: true });
        }
        reached.add(state.name);
      }
      for (const name of reached) runsThatReached[name] += 1;
    }
    // the loop must exercise every state (fixed seeds make the counts exact; a few runs with a high threshold never open)
    expect(runsThatReached).toEqual({ closed: 300, half_open: 297, open: 297 });
  });
});
