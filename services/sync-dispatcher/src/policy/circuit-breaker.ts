/**
 * One circuit breaker per channel, as a pure state machine: the caller keeps the state, asks
 * `breakerAllows` before each call and hands the answer to `recordResult`. Time comes in as `nowMs`.
 *
 *   closed ── failureThreshold consecutive failures ──▶ open
 *   open ── coolDownMs passed, next breakerAllows ──▶ half_open (grants the first trial)
 *   half_open ── halfOpenTrials successes ──▶ closed
 *   half_open ── any failure ──▶ open (a fresh cool-down)
 *
 * The failure rule is consecutive failures, not a failure ratio over a window: traffic to one
 * channel swings from bursts to nothing, and a ratio over a quiet window is decided by a handful of
 * calls, while N failures in a row says "down" whatever the rate. It also needs no window bookkeeping.
 */
import type { PushOutcome } from './backoff';

export interface BreakerConfig {
  /** Consecutive failures, in the closed state, that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before it lets trial calls through. */
  readonly coolDownMs: number;
  /** Trial calls let through at once when half open; all of them must succeed to close. */
  readonly halfOpenTrials: number;
}

/**
 * The config an open breaker carries into its half-open episode, since `breakerAllows` takes no
 * config: the episode keeps the rules it opened with.
 */
interface TrialRules {
  readonly halfOpenTrials: number;
  /** A trial unanswered for this long is presumed lost (see `breakerAllows`); equal to the cool-down. */
  readonly trialTimeoutMs: number;
}

export type BreakerState =
  | { readonly name: 'closed'; readonly consecutiveFailures: number }
  | { readonly name: 'open'; readonly openedAtMs: number; readonly coolDownEndsAtMs: number; readonly trials: TrialRules }
  | {
      readonly name: 'half_open';
      /** Trials let through and not yet presumed lost; their successes included. */
      readonly trialsGranted: number;
      readonly trialSuccesses: number;
      readonly lastTrialGrantedAtMs: number;
      readonly trials: TrialRules;
    };

export type BreakerStateName = BreakerState['name'];
export type BreakerResult = 'success' | 'failure';

/** A fresh breaker: closed, no failures counted. */
export function initialBreaker(): BreakerState {
  return { name: 'closed', consecutiveFailures: 0 };
}

/**
 * Whether a call may go out now, and the state to keep (a grant in half_open uses up a trial).
 * An open breaker whose cool-down has passed turns half_open and grants the first trial.
 *
 * Trials whose results never come back (a crashed worker) would otherwise wedge half_open shut for
 * good: once all trials are out and none was granted for `trialTimeoutMs`, the unanswered ones are
 * presumed lost and one more is granted.
 */
export function breakerAllows(state: BreakerState, nowMs: number): { allowed: boolean; state: BreakerState } {
  switch (state.name) {
    case 'closed':
      return { allowed: true, state };
    case 'open':
      if (nowMs < state.coolDownEndsAtMs) return { allowed: false, state };
      return { allowed: true, state: { name: 'half_open', trialsGranted: 1, trialSuccesses: 0, lastTrialGrantedAtMs: nowMs, trials: state.trials } };
    case 'half_open': {
      if (state.trialsGranted < state.trials.halfOpenTrials) {
        return { allowed: true, state: { ...state, trialsGranted: state.trialsGranted + 1, lastTrialGrantedAtMs: nowMs } };
      }
      if (nowMs - state.lastTrialGrantedAtMs >= state.trials.trialTimeoutMs) {
        return { allowed: true, state: { ...state, trialsGranted: state.trialSuccesses + 1, lastTrialGrantedAtMs: nowMs } };
      }
      return { allowed: false, state };
    }
    default:
      return assertNever(state);
  }
}

/**
 * The state after a call's result. Results reaching an open breaker come from calls let through
 * before it opened, and change nothing: a late failure must not stretch the cool-down.
 */
export function recordResult(state: BreakerState, result: BreakerResult, nowMs: number, config: BreakerConfig): BreakerState {
  requireValidConfig(config);
  switch (state.name) {
    case 'closed':
      if (result === 'success') return state.consecutiveFailures === 0 ? state : initialBreaker();
      if (state.consecutiveFailures + 1 >= config.failureThreshold) return opened(nowMs, config);
      return { name: 'closed', consecutiveFailures: state.consecutiveFailures + 1 };
    case 'open':
      return state;
    case 'half_open':
      if (result === 'failure') return opened(nowMs, config);
      if (state.trialSuccesses + 1 >= state.trials.halfOpenTrials) return initialBreaker();
      return { ...state, trialSuccesses: state.trialSuccesses + 1 };
    default:
      return assertNever(state);
  }
}

function opened(nowMs: number, config: BreakerConfig): BreakerState {
  return {
    name: 'open',
    openedAtMs: nowMs,
    coolDownEndsAtMs: nowMs + config.coolDownMs,
    trials: { halfOpenTrials: config.halfOpenTrials, trialTimeoutMs: config.coolDownMs },
  };
}

/**
 * Whether an outcome is the channel failing, for `recordResult` (true → 'failure', false →
 * 'success'). The caller decides, with this rule: only signs that the channel is down or broken
 * count. A 429 means it is up and pacing us (backoff handles it), and another 4xx means it answered
 * and refused our request; neither should stop pushes for every property on that channel.
 */
export function countsAsBreakerFailure(outcome: PushOutcome): boolean {
  switch (outcome) {
    case 'server_error':
    case 'timeout':
    case 'network_error':
      return true;
    case 'ok':
    case 'rate_limited':
    case 'client_error':
      return false;
    default:
      return assertNever(outcome);
  }
}

/** The `circuit state` gauge's value: 0 closed, 1 half_open, 2 open (higher is worse). */
export function breakerGaugeValue(state: BreakerState): 0 | 1 | 2 {
  switch (state.name) {
    case 'closed':
      return 0;
    case 'half_open':
      return 1;
    case 'open':
      return 2;
    default:
      return assertNever(state);
  }
}

function requireValidConfig(config: BreakerConfig): void {
  const { failureThreshold, coolDownMs, halfOpenTrials } = config;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw new RangeError(`failureThreshold must be an integer >= 1, got ${failureThreshold}`);
  // a zero cool-down would never hold a call back, and would let half_open grant trials without limit
  if (!Number.isFinite(coolDownMs) || coolDownMs <= 0) throw new RangeError(`coolDownMs must be a finite number > 0, got ${coolDownMs}`);
  if (!Number.isInteger(halfOpenTrials) || halfOpenTrials < 1) throw new RangeError(`halfOpenTrials must be an integer >= 1, got ${halfOpenTrials}`);
}

function assertNever(value: never): never {
  throw new Error(`unhandled breaker case: ${JSON.stringify(value)}`);
}
