import { addDays, formatStay, fromEpochDay, nightCount, nightsOf, parseLocalDate, parseStayDates, sharesANight, subtractNights, toEpochDay, type LocalDate, type StayDates } from './stay-dates';

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

describe('date arithmetic', () => {
  it('Avro epoch days and local dates convert both ways', () => {
    expect(fromEpochDay(0)).toBe('1970-01-01');
    expect(toEpochDay(fromEpochDay(20_447))).toBe(20_447);
    expect(fromEpochDay(20_447)).toBe('2025-12-25');
  });

  it('addDays crosses months, years and leap days', () => {
    expect(addDays('2028-02-28' as LocalDate, 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31' as LocalDate, 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01' as LocalDate, -1)).toBe('2026-02-28');
  });

  it('nightsOf lists the nights, not the departure day', () => {
    expect(nightsOf(stay('2026-12-30', '2027-01-02'))).toEqual(['2026-12-30', '2026-12-31', '2027-01-01']);
  });

  it('subtractNights leaves the nights of one stay that another does not cover', () => {
    const base = stay('2026-12-20', '2026-12-25');
    expect(subtractNights(base, stay('2026-12-22', '2026-12-23'))).toEqual([stay('2026-12-20', '2026-12-22'), stay('2026-12-23', '2026-12-25')]);
    expect(subtractNights(base, stay('2026-12-25', '2026-12-30'))).toEqual([base]);
    expect(subtractNights(base, stay('2026-12-01', '2026-12-31'))).toEqual([]);
    expect(formatStay(base)).toBe('2026-12-20..2026-12-25');
  });
});
