import { parseFeed, type CalendarEntry } from '@cm/ical';
import { readFixture } from './support/fixtures';

const timeZone = 'Europe/Lisbon';

function stays(entries: readonly CalendarEntry[]): string[] {
  return entries.map((entry) => `${entry.kind} ${entry.checkIn}..${entry.checkOut}${entry.reservationCode ? ` ${entry.reservationCode}` : ''}`);
}

describe('feeds shaped like the platforms publish them', () => {
  test('Airbnb: two back-to-back reservations with their HM codes, and two blocks', () => {
    const { entries, problems } = parseFeed(readFixture('airbnb'), { timeZone });
    expect(problems).toEqual([]);
    expect(stays(entries)).toEqual([
      'reservation 2026-07-05..2026-07-12 HMQ4XN2ZTA',
      'reservation 2026-07-12..2026-07-20 HMB8KD3PWE',
      'blocked 2026-08-01..2026-08-03',
      'blocked 2026-12-20..2027-01-02',
    ]);
    expect(entries[0]).toEqual({
      uid: '1418fb94e984-6a1e4cd2b7f0f3d8e3b1c6a0e2f5d9b4@airbnb.com',
      kind: 'reservation',
      checkIn: '2026-07-05',
      checkOut: '2026-07-12',
      summary: 'Reserved',
      // The folded DESCRIPTION line is joined and its \n escape decoded.
      description: 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMQ4XN2ZTA\nPhone Number (Last 4 Digits): 4821',
      reservationCode: 'HMQ4XN2ZTA',
    });
  });

  test('Booking.com: every CLOSED - Not available event is a block, UIDs kept as given', () => {
    const { entries, problems } = parseFeed(readFixture('booking'), { timeZone });
    expect(problems).toEqual([]);
    expect(stays(entries)).toEqual(['blocked 2026-06-10..2026-06-14', 'blocked 2026-06-14..2026-06-21', 'blocked 2026-12-31..2027-01-03']);
    expect(entries.map((entry) => entry.uid)).toEqual([
      '4d0d0a6e9a3c1b7f2e8d5c4b3a291807@booking.com',
      'a93e61f02c7d4b58e1f6a0b3c9d28e47@booking.com',
      '0f5b7c2e8a1d4e96b3c7f0a2d5e8b1c4@booking.com',
    ]);
  });

  test('Vrbo: "Reserved - <name>" are reservations, "Blocked" is a block', () => {
    const { entries, problems } = parseFeed(readFixture('vrbo'), { timeZone });
    expect(problems).toEqual([]);
    expect(stays(entries)).toEqual(['reservation 2026-09-01..2026-09-08', 'blocked 2026-09-20..2026-09-23', 'reservation 2026-10-02..2026-10-09']);
    expect(entries[2]?.summary).toBe('Reserved - Jean-Pierre');
  });

  test('a Google-style export: TZID and UTC times, DURATION, a missing DTEND, a cancelled event, folded SUMMARY, a VTODO', () => {
    const { entries, problems } = parseFeed(readFixture('google-timed'), { timeZone: 'America/New_York' });
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.uid, entry.kind, entry.checkIn, entry.checkOut])).toEqual([
      // DTSTART;VALUE=DATE + DURATION:P3D
      ['duration-block@example.com', 'blocked', '2026-10-10', '2026-10-13'],
      // DTSTART;VALUE=DATE and no DTEND: one night (RFC 5545 §3.6.1)
      ['one-night-block@example.com', 'blocked', '2026-10-15', '2026-10-16'],
      // cancelled-stay@example.com (STATUS:CANCELLED) is left out
      ['deep-clean@example.com', 'blocked', '2026-10-23', '2026-10-25'],
      // 2026-11-06T03:00Z is 22:00 on the 5th in New York: the guest arrives on the 5th
      ['late-arrival@example.com', 'reservation', '2026-11-05', '2026-11-09'],
      // 15:00 to 11:00 in New York
      ['holiday-stay-2026@example.com', 'reservation', '2026-12-20', '2026-12-27'],
    ]);
    expect(entries[2]?.summary).toBe('Deep clean between seasons, all rooms, windows and carpets (long summary folded by the exporter)');
  });

  test('CRLF, LF and bare CR line endings read the same', () => {
    const crlf = readFixture('airbnb');
    expect(crlf).toContain('\r\n');
    const lf = crlf.replace(/\r\n/g, '\n');
    const cr = crlf.replace(/\r\n/g, '\r');
    const expected = parseFeed(crlf, { timeZone });
    expect(expected.entries).toHaveLength(4);
    expect(parseFeed(lf, { timeZone })).toEqual(expected);
    expect(parseFeed(cr, { timeZone })).toEqual(expected);
  });

  test('a leading byte-order mark is accepted', () => {
    expect(parseFeed(`\uFEFF${readFixture('vrbo')}`, { timeZone }).entries).toHaveLength(3);
  });
});
