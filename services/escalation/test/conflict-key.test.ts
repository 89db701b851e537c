import { conflictKey } from '../src/tasks/conflict-key';
import { triageConflict } from '../src/rules/triage';
import { conflictOf } from './records';

/** A SYNC_FAILED as the sync-dispatcher raises it: for a reservation action, its facts name the action and the record the reservation. */
const dispatcherSyncFailed = (channel: 'AIRBNB' | 'VRBO', action: { kind: string; ref: string } | null) =>
  conflictOf({ type: 'SYNC_FAILED', channel, consecutiveFailures: 5, ...(action ? { reservationAction: action.kind } : {}) }, { property_id: 'p1', booking_ref: action?.ref ?? null });
const keyOf = (record: ReturnType<typeof dispatcherSyncFailed>) => {
  const triage = triageConflict(record);
  return triage.kind === 'review' ? triage.occurrence.key : null;
};

describe('SYNC_FAILED of a reservation action gets its own task per reservation', () => {
  test('keyed by channel and booking_ref, not merged into the channel-wide push task', () => {
    const cancelA = keyOf(dispatcherSyncFailed('AIRBNB', { kind: 'HOST_CANCEL', ref: 'HM-A' }));
    const cancelB = keyOf(dispatcherSyncFailed('AIRBNB', { kind: 'HOST_CANCEL', ref: 'HM-B' }));
    const push = keyOf(dispatcherSyncFailed('AIRBNB', null));
    expect(cancelA).toBe('SYNC_FAILED|p1|AIRBNB|HM-A');
    expect(cancelB).toBe('SYNC_FAILED|p1|AIRBNB|HM-B');
    expect(push).toBe('SYNC_FAILED|p1|AIRBNB');
    // The same reservation on another channel is another task.
    expect(keyOf(dispatcherSyncFailed('VRBO', { kind: 'HOST_CANCEL', ref: 'HM-A' }))).toBe('SYNC_FAILED|p1|VRBO|HM-A');
  });

  test("the domain's facts spelling (reservationAction) keys the same way", () => {
    expect(conflictKey({ conflictType: 'SYNC_FAILED', propertyId: 'p1', channel: 'VRBO', bookingRef: 'v-9', details: { consecutiveFailures: '1', reservationAction: 'DECLINE_REQUEST' } })).toBe('SYNC_FAILED|p1|VRBO|v-9');
  });

  test('the push streak key stays per channel', () => {
    expect(conflictKey({ conflictType: 'SYNC_FAILED', propertyId: 'p1', channel: 'VRBO', bookingRef: null, details: { consecutiveFailures: '4', error: 'HTTP 503', change_event_id: 'c' } })).toBe('SYNC_FAILED|p1|VRBO');
  });
});
