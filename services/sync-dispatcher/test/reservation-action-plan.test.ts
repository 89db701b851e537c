import type { ChannelReservation, ChannelReservationState, HostDecision, OperationConflict, OperationResult, ReservationOperations } from '@cm/channel-adapters';
import { judge, planAction, withoutCapability, type Action, type ActionPlan, type Verdict } from '../src/actions/plan';

const policy = { maxAttempts: 4, baseMs: 100, maxMs: 1_000 };
const target = { listingId: 'L1', reservationId: 'HM1', requestId: 'evt-1' };

const reservation = (state: ChannelReservationState, acknowledgedRevision = 0): ChannelReservation => ({
  id: 'HM1',
  listingId: 'L1',
  state,
  revision: 3,
  checkIn: '2027-05-01',
  checkOut: '2027-05-04',
  requestExpiresAt: null,
  alteration: null,
  cancelledBy: null,
  acknowledgement: { acknowledgedRevision, pendingRevision: null, redeliveries: 0 },
});
const conflict = (state: ChannelReservationState, acknowledgedRevision = 0): OperationConflict => ({ ok: false, outcome: 'conflict', status: 409, retryAfterMs: null, error: '409: wrong state', code: 'x', state, reservation: reservation(state, acknowledgedRevision) });
const failure = (outcome: 'rate_limited' | 'server_error' | 'timeout' | 'network_error' | 'client_error' | 'unsupported', retryAfterMs: number | null = null, status: number | null = null): OperationResult => ({ ok: false, outcome, status, retryAfterMs, error: outcome, code: null });
const ok: OperationResult = { ok: true, ack: 'op_1', reservation: reservation('cancelled') };

const ACKNOWLEDGE: Action = { kind: 'ACKNOWLEDGE', revision: 2 };
const DECLINE: Action = { kind: 'DECLINE_REQUEST', reason: 'nights held' };
const CANCEL: Action = { kind: 'HOST_CANCEL', reason: 'overbooked' };
const CHANGE: Action = { kind: 'CHANGE_DATES', check_in: 20_000, check_out: 20_003 };
const ACCEPT_ALTERATION: Action = { kind: 'ACCEPT_ALTERATION' };
const DECLINE_ALTERATION: Action = { kind: 'DECLINE_ALTERATION', reason: 'the requested nights are not available' };

function operation(action: Action): Extract<ActionPlan, { kind: 'operation' }> {
  const plan = planAction(action);
  if (plan.kind !== 'operation') throw new Error(`${action.kind} has no operation`);
  return plan;
}

/** Records which operation a plan calls, with what. */
function recorder(): { channel: ReservationOperations; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const answer = async (...args: unknown[]) => (calls.push(args), ok);
  const channel: ReservationOperations = {
    channel: 'AIRBNB',
    capabilities: new Set(),
    readReservation: (...a) => answer('readReservation', ...a),
    acknowledge: (...a) => answer('acknowledge', ...a),
    decideRequest: (l: string, r: string, d: HostDecision, id: string) => answer('decideRequest', l, r, d, id),
    decideAlteration: (...a) => answer('decideAlteration', ...a),
    hostCancel: (...a) => answer('hostCancel', ...a),
  };
  return { channel, calls };
}

describe('each kind of reservation action is one channel operation', () => {
  it.each([
    ['ACKNOWLEDGE → acknowledge(revision)', ACKNOWLEDGE, 'acknowledge', ['acknowledge', 'L1', 'HM1', 2, 'evt-1']],
    ['DECLINE_REQUEST → decide the request: decline, with the reason', DECLINE, 'decide_request', ['decideRequest', 'L1', 'HM1', { accept: false, reason: 'nights held' }, 'evt-1']],
    ['HOST_CANCEL → host cancellation, with the reason', CANCEL, 'host_cancel', ['hostCancel', 'L1', 'HM1', 'overbooked', 'evt-1']],
    ['ACCEPT_ALTERATION → decide the alteration: accept', ACCEPT_ALTERATION, 'decide_alteration', ['decideAlteration', 'L1', 'HM1', { accept: true }, 'evt-1']],
    ['DECLINE_ALTERATION → decide the alteration: decline, with the reason', DECLINE_ALTERATION, 'decide_alteration', ['decideAlteration', 'L1', 'HM1', { accept: false, reason: 'the requested nights are not available' }, 'evt-1']],
  ] as const)('%s, the event id as request id', async (_, action, capability, call) => {
    const plan = operation(action);
    expect(plan.capability).toBe(capability);
    const { channel, calls } = recorder();
    await plan.call(channel, target);
    expect(calls).toEqual([call]);
  });

  it('a channel without the operation: declining or cancelling there cannot happen (unsupported); acknowledging there has nothing to do', () => {
    expect(withoutCapability(operation(CANCEL), 'BOOKING_COM')).toEqual({ kind: 'unsupported', error: 'BOOKING_COM offers no host_cancel through its API' });
    expect(withoutCapability(operation(DECLINE), 'EXPEDIA')).toEqual({ kind: 'unsupported', error: 'EXPEDIA offers no decide_request through its API' });
    expect(withoutCapability(operation(ACKNOWLEDGE), 'AIRBNB')).toEqual({ kind: 'not_needed', why: 'AIRBNB offers no acknowledge through its API' });
  });

  it('CHANGE_DATES → no platform offers it through its API: unsupported, nothing called', () => {
    expect(planAction(CHANGE)).toMatchObject({ kind: 'unsupported', why: expect.stringContaining('date change') });
  });
});

describe('what an answer comes to', () => {
  const verdict = (action: Action, result: OperationResult, attempt = 1): Verdict => judge(operation(action), result, attempt, policy, 0.5);

  it('the channel did it: done, with its operation id', () => {
    expect(verdict(CANCEL, ok)).toEqual({ kind: 'done', ack: 'op_1' });
  });

  it.each([
    ['declining a request already declined', DECLINE, 'declined'],
    ['declining a request that expired', DECLINE, 'expired'],
    ['declining a request the guest withdrew', DECLINE, 'cancelled'],
    ['cancelling a cancelled reservation', CANCEL, 'cancelled'],
    ['cancelling a request that expired', CANCEL, 'expired'],
  ] as const)('a conflict where the channel already is the goal counts as done: %s', (_, action, state) => {
    expect(verdict(action, conflict(state))).toEqual({ kind: 'already_done', state });
  });

  it('declining an alteration no longer waiting (withdrawn or expired) counts as done; accepting one is refused, for a person to look at', () => {
    const noAlteration: OperationResult = { ...conflict('confirmed'), code: 'no_pending_alteration' };
    expect(verdict(DECLINE_ALTERATION, noAlteration)).toEqual({ kind: 'already_done', state: 'confirmed' });
    expect(verdict(DECLINE_ALTERATION, conflict('cancelled'))).toEqual({ kind: 'already_done', state: 'cancelled' });
    expect(verdict(ACCEPT_ALTERATION, noAlteration)).toMatchObject({ kind: 'refused' });
  });

  it('acknowledging a revision the channel holds acknowledged counts as done; an older one than it waits for is refused', () => {
    expect(verdict(ACKNOWLEDGE, conflict('confirmed', 2))).toEqual({ kind: 'already_done', state: 'confirmed' });
    expect(verdict(ACKNOWLEDGE, conflict('confirmed', 1))).toMatchObject({ kind: 'refused' });
    // A newer revision waits in the queue: its own command acknowledges it, this one has nothing left to do.
    expect(verdict(ACKNOWLEDGE, { ...conflict('confirmed', 1), code: 'revision_superseded' })).toEqual({ kind: 'already_done', state: 'confirmed' });
  });

  it.each([
    ['declining a request the host accepted', DECLINE, 'confirmed'],
    ['cancelling a pending request (it is declined, not cancelled)', CANCEL, 'pending'],
  ] as const)('a conflict in another state is refused, not retried: %s', (_, action, state) => {
    expect(verdict(action, conflict(state))).toMatchObject({ kind: 'refused', error: expect.stringContaining(state) });
  });

  it('unsupported and other client errors are final', () => {
    expect(verdict(CANCEL, failure('unsupported'))).toEqual({ kind: 'unsupported', error: 'unsupported' });
    expect(verdict(CANCEL, failure('client_error'))).toEqual({ kind: 'refused', error: 'client_error' });
    for (const status of [400, 404, 422]) expect(verdict(CANCEL, failure('client_error', null, status))).toEqual({ kind: 'refused', error: 'client_error' });
  });

  // Found by a review: an expired token lost a host cancellation for good, where availability pushes recover once it is rotated.
  it.each([401, 403, 408])('a %i is no refusal of the action: reported and tried again later, not finished', (status) => {
    expect(verdict(CANCEL, failure('client_error', null, status), 1)).toEqual({ kind: 'retries_exhausted', error: 'client_error' });
  });

  it.each(['rate_limited', 'server_error', 'timeout', 'network_error'] as const)('%s is retried with backoff until the last attempt', (outcome) => {
    expect(verdict(CANCEL, failure(outcome), 1)).toMatchObject({ kind: 'retry', delayMs: 50 });
    expect(verdict(CANCEL, failure(outcome), 3)).toMatchObject({ kind: 'retry', delayMs: 200 });
    expect(verdict(CANCEL, failure(outcome), 4)).toEqual({ kind: 'retries_exhausted', error: outcome });
  });

  it("a retry waits at least the channel's Retry-After", () => {
    expect(verdict(CANCEL, failure('rate_limited', 7_000), 1)).toMatchObject({ kind: 'retry', delayMs: 7_000 });
  });
});
