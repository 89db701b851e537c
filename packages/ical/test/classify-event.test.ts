import { classifyEvent, type Classification } from '@cm/ical';

const AIRBNB_DESCRIPTION =
  'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMQ4XN2ZTA\nPhone Number (Last 4 Digits): 4821';

// One row per line of the README's classification table.
const rows: [string, string | undefined, string | undefined, Classification][] = [
  ['Airbnb stay, with its code from the reservation URL', 'Reserved', AIRBNB_DESCRIPTION, { kind: 'reservation', reservationCode: 'HMQ4XN2ZTA' }],
  ['Airbnb block', 'Airbnb (Not available)', undefined, { kind: 'blocked' }],
  ['Booking.com: bookings and closures look alike, so a block', 'CLOSED - Not available', undefined, { kind: 'blocked' }],
  ['Vrbo stay with the guest first name', 'Reserved - Maria', undefined, { kind: 'reservation' }],
  ['Vrbo block', 'Blocked', undefined, { kind: 'blocked' }],
  ['our own export, a stay', 'Reserved', undefined, { kind: 'reservation' }],
  ['our own export, a block', 'Not available', undefined, { kind: 'blocked' }],
  ['generic booking words', 'Booked: Smith family (direct)', undefined, { kind: 'reservation' }],
  ['generic block words', 'Owner stay', undefined, { kind: 'blocked' }],
  ['maintenance is a block', 'Maintenance: boiler', undefined, { kind: 'blocked' }],
  ['block words win over stay words', 'Reserved - Not available', undefined, { kind: 'blocked' }],
  ['an Airbnb reservation URL alone makes a stay', 'Guest arriving', AIRBNB_DESCRIPTION, { kind: 'reservation', reservationCode: 'HMQ4XN2ZTA' }],
  ['case and spaces do not matter', '  reserved  ', undefined, { kind: 'reservation' }],
  ['unrecognised words still take the nights, as a block', 'Deep clean', undefined, { kind: 'blocked' }],
  ['no SUMMARY at all: a block', undefined, undefined, { kind: 'blocked' }],
];

test.each(rows)('%s', (_row, summary, description, expected) => {
  expect(classifyEvent(summary, description)).toEqual(expected);
});

test('a block never carries a reservation code, even with an Airbnb URL in its description', () => {
  expect(classifyEvent('Airbnb (Not available)', AIRBNB_DESCRIPTION)).toEqual({ kind: 'blocked' });
});
