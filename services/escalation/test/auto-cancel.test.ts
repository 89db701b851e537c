import { AUTO_CANCEL_ACTOR, autoCancelOf } from '../src/resolve/auto-cancel';
import { DEFAULT_SETTINGS } from '../src/store/settings-store';

const on = { auto_cancel_instant_book_losers: true };
const overbooking = (losingKey: string) => ({ conflictType: 'OVERBOOKING', details: { channel: losingKey.split(':')[0]!, losingKey, winningKey: 'PMS:direct-1' } });

describe('the losing booking of an overbooking, confirmed (instant book), and the tenant setting auto_cancel_instant_book_losers', () => {
  test('off by default: platforms penalise host cancellations, so a person reviews', () => {
    expect(DEFAULT_SETTINGS.auto_cancel_instant_book_losers).toBe(false);
    expect(autoCancelOf(DEFAULT_SETTINGS, overbooking('AIRBNB:air-1'))).toEqual({ kind: 'not_applicable', reason: 'setting_off' });
  });

  test.each(['AIRBNB', 'VRBO'] as const)('on, %s (host cancellation through its API): cancel_stay of the losing booking by the system', (channel) => {
    expect(autoCancelOf(on, overbooking(`${channel}:r-1`))).toEqual({
      kind: 'cancel',
      channel,
      request: { action: 'cancel_stay', operator: AUTO_CANCEL_ACTOR, booking_ref: 'r-1', booking_source: channel, note: expect.stringContaining('auto_cancel_instant_book_losers') },
    });
  });

  test.each(['BOOKING_COM', 'EXPEDIA'] as const)('on, %s (no host cancellation through its API): the task stays open for a person, and says why', (channel) => {
    expect(autoCancelOf(on, overbooking(`${channel}:r-1`))).toEqual({ kind: 'leave_open', reason: 'channel_cannot_host_cancel', channel, note: expect.stringMatching(new RegExp(`${channel} offers no host cancellation.*${channel}:r-1`)) });
  });

  test('on, a losing stay taken from a channel\'s iCal feed: the task stays open for a person, and says no operation goes through iCal', () => {
    expect(autoCancelOf(on, overbooking('VRBO:ical-0a1b2c3d4e5f60718293a4b5'))).toEqual({ kind: 'leave_open', reason: 'channel_cannot_host_cancel', channel: 'VRBO', note: expect.stringContaining("came from VRBO's iCal feed, which carries no reservation operation") });
  });

  test('only overbookings, and only a loser that is a channel booking', () => {
    expect(autoCancelOf(on, { conflictType: 'GUEST_DISPUTE', details: { key: 'AIRBNB:a' } })).toEqual({ kind: 'not_applicable', reason: 'not_an_overbooking' });
    expect(autoCancelOf(on, overbooking('PMS:p-1'))).toEqual({ kind: 'not_applicable', reason: 'loser_not_a_channel_booking' });
    expect(autoCancelOf(on, { conflictType: 'OVERBOOKING', details: {} })).toEqual({ kind: 'not_applicable', reason: 'loser_not_a_channel_booking' });
  });
});
