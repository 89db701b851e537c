import { nightCount, parseLocalDate, parseStayDates, sharesANight, type StayDates } from './stay-dates';

const stay = (checkIn: string, checkOut: string): StayDates => {
  const parsed = parseStayDates(checkIn, checkOut);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

describe('stay dates are half-open [check_in, check_out)', () => {
  it('the seed race: Dec 20-25 and Dec 22-27 share nights', () => {
    expect(sharesANight(stay('2026-12-20', '2026-12-25'), stay('2026-12-22', '2026-12-27'))).toBe(true);
  });

  it('back-to-back stays share no night: check-out day is the next check-in', () => {
    expect(sharesANight(stay('2026-12-20', '2026-12-25'), stay('2026-12-25', '2026-12-27'))).toBe(false);
    expect(sharesANight(stay('2026-12-25', '2026-12-27'), stay('2026-12-20', '2026-12-25'))).toBe(false);
  });

  it('a stay inside another shares nights, either way round', () => {
    expect(sharesANight(stay('2026-12-20', '2026-12-30'), stay('2026-12-22', '2026-12-23'))).toBe(true);
    expect(sharesANight(stay('2026-12-22', '2026-12-23'), stay('2026-12-20', '2026-12-30'))).toBe(true);
  });

  it('counts nights across a month and a DST change', () => {
    expect(nightCount(stay('2026-03-28', '2026-04-02'))).toBe(5);
    expect(nightCount(stay('2026-10-24', '2026-10-26'))).toBe(2);
  });

  it.each([
    ['2026-12-20', '2026-12-20', 'check_out_not_after_check_in'],
    ['2026-12-25', '2026-12-20', 'check_out_not_after_check_in'],
    ['2026-02-30', '2026-03-02', 'not_a_calendar_day'],
    ['20-12-2026', '2026-12-22', 'not_iso_date'],
    ['2026-12-20', '2026-12-2', 'not_iso_date'],
  ])('refuses %s to %s: %s', (checkIn, checkOut, problem) => {
    expect(parseStayDates(checkIn, checkOut)).toBe(problem);
  });

  it('accepts Feb 29 only in a leap year', () => {
    expect(parseLocalDate('2028-02-29')).toBe('2028-02-29');
    expect(parseLocalDate('2027-02-29')).toBe('not_a_calendar_day');
  });
});
