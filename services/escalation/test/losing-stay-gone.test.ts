import { losingStayGoneOf } from '../src/rules/losing-stay-gone';
import { bookingEvent } from './records';

const TASK = '6f1c1f7e-1111-4222-8333-444455556666';
const airbnb = { property_id: 'villa', booking_ref: 'air-9', booking_source: 'AIRBNB' } as const;

describe('a losing reservation gone from its channel, as booking.events shows it', () => {
  test('the channel reported it cancelled (its guest, or the host in the extranet): gone, whatever the ledger held', () => {
    expect(losingStayGoneOf(bookingEvent(airbnb))).toEqual({ kind: 'gone', how: 'cancelled_on_channel', channel: 'AIRBNB', ref: 'air-9' });
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, booking_source: 'BOOKING_COM', source: 'BOOKING_COM' }))).toMatchObject({ kind: 'gone', channel: 'BOOKING_COM' });
  });

  test("the resolution's own cancellation ignored because the stay was cancelled already (no_change, cancellation_is_final): gone, no host cancellation will follow", () => {
    for (const [action, reason] of [['cancel_stay', 'no_change'], ['relocate', 'no_change'], ['relocate', 'cancellation_is_final']] as const) {
      expect(losingStayGoneOf(bookingEvent({ ...airbnb, source: 'PMS', command_id: `review:${TASK}:${action}`, event_type: 'COMMAND_IGNORED', reason }))).toEqual({ kind: 'gone', how: 'already_cancelled', channel: 'AIRBNB', ref: 'air-9' });
    }
  });

  test("a cancellation by the PMS is the host cancellation's own decision: not gone until the channel takes it", () => {
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, source: 'PMS', command_id: `review:${TASK}:cancel_stay` }))).toEqual({ kind: 'ignore', reason: 'host_cancellation_pending' });
  });

  test('anything else is not a cancellation of a channel reservation', () => {
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, status: 'CONFIRMED' }))).toEqual({ kind: 'ignore', reason: 'not_cancelled' });
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, booking_source: 'PMS', source: 'PMS' }))).toEqual({ kind: 'ignore', reason: 'not_a_channel_stay' });
    // A replay of the resolution (duplicate), another command ignored on a cancelled stay (a guest update), another action's id.
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, source: 'PMS', command_id: `review:${TASK}:cancel_stay`, event_type: 'COMMAND_IGNORED', reason: 'duplicate_command' }))).toEqual({ kind: 'ignore', reason: 'not_a_cancellation' });
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, event_type: 'COMMAND_IGNORED', reason: 'no_change' }))).toEqual({ kind: 'ignore', reason: 'not_a_cancellation' });
    expect(losingStayGoneOf(bookingEvent({ ...airbnb, source: 'PMS', command_id: `review:${TASK}:accept_channel_price`, event_type: 'COMMAND_IGNORED', reason: 'no_change' }))).toEqual({ kind: 'ignore', reason: 'not_a_cancellation' });
  });
});
