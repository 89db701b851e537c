import { NO_GUEST_DETAILS, samples, type BookingCommand } from '@cm/schemas';
import { isInvalid, parseCommand, type InvalidCommand } from '../src/parse-command';
import { nights } from './builders';

const at = Date.UTC(2026, 10, 25);
const record = (over: Partial<BookingCommand> = {}): BookingCommand => ({ ...samples['booking.commands']({ id: 'x', propertyId: 'p1', at }), ...over });
const problems = (over: Partial<BookingCommand>) => (parseCommand(record(over)) as InvalidCommand).problems;

describe('booking.commands records to typed commands', () => {
  it('a create becomes a create_booking with local dates and money', () => {
    const parsed = parseCommand(record({ guest: { ...NO_GUEST_DETAILS, name: ' Zoë ', name_updated_at: null, email: null, email_updated_at: null, phone: '+44 20', phone_updated_at: at - 5 } }));
    expect(parsed).toMatchObject({
      type: 'create_booking',
      commandId: 'cmd-x',
      propertyId: 'p1',
      source: 'BOOKING_COM',
      bookingSource: 'BOOKING_COM',
      ref: 'BDC-x',
      dates: nights('2026-12-22..2026-12-27'),
      price: { amountMinor: 98_000, currency: 'EUR' },
      pmsQuote: { amountMinor: 100_000, currency: 'EUR' },
      ratePlan: 'nonref',
      guest: { name: { value: 'Zoë', updatedAt: at }, email: null, phone: { value: '+44 20', updatedAt: at - 5 } },
    });
    expect(isInvalid(parsed)).toBe(false);
  });

  it('the operator who issued a command is kept as its actor; a system command has none', () => {
    expect(parseCommand(record({ actor: 'maria@host.example' }))).toMatchObject({ actor: 'maria@host.example' });
    expect(parseCommand(record())).not.toHaveProperty('actor');
  });

  it.each<[string, Partial<BookingCommand>, RegExp]>([
    ['check_out before check_in', { check_in: 20_450, check_out: 20_440 }, /check_in\/check_out: check_out_not_after_check_in/],
    ['the same day in and out', { check_in: 20_450, check_out: 20_450 }, /check_out_not_after_check_in/],
    ['a stay over a year long', { check_in: 20_000, check_out: 20_400 }, /longer than 365 nights/],
    ['no check_in', { check_in: null }, /check_in: required for CREATE_BOOKING/],
    ['an unknown currency', { price: { amount_minor: 1, currency: 'ABC' } }, /price: unknown_currency/],
    ['a negative price', { price: { amount_minor: -5, currency: 'EUR' } }, /price: amount_negative/],
    ['a new booking already cancelled', { status: 'CANCELLED' }, /status: a new booking is PENDING or CONFIRMED/],
    ['no status', { status: null }, /status: required/],
    ['an empty command id', { command_id: '' }, /command_id: empty/],
    ['an empty property', { property_id: '' }, /property_id: empty/],
    ['an empty reference', { booking_ref: '' }, /booking_ref: empty/],
    ['an actor name too long to be one', { actor: 'x'.repeat(10_000) }, /actor: /],
    ['a negative source version', { source_version: -1 }, /source_version/],
    ['a create for another source', { booking_source: 'AIRBNB' }, /booking_source: CREATE_BOOKING is only for the source's own bookings/],
    ['a date far outside any booking horizon', { check_in: 100_000_001, check_out: 100_000_003 }, /outside the years 2000 to 2099/],
    ['a date before 2000', { check_in: 10_000, check_out: 10_002 }, /outside the years 2000 to 2099/],
    ['a NUL character in a key', { property_id: 'p\u0000x' }, /property_id: contains a NUL character/],
    ['a NUL character in free text', { reason: 'bad\u0000' }, /reason: contains a NUL character/],
    ['an oversized key', { booking_ref: 'x'.repeat(201) }, /booking_ref: longer than 200 characters/],
    ['an oversized guest name', { guest: { ...NO_GUEST_DETAILS, name: 'n'.repeat(2001), name_updated_at: null, email: null, email_updated_at: null, phone: null, phone_updated_at: null } }, /guest.name: longer than 2000/],
    ['a guest count of none', { guest_count: 0 }, /guest_count: a whole number from 1/],
    ['keeping a guest with another status', { command_type: 'CHANGE_STATUS', status: 'CANCELLED', source: 'PMS', actor: 'ana', cancels_stay: 'PMS:D1' }, /cancels_stay: only with status CONFIRMED/],
    ['keeping a guest without an operator', { command_type: 'CHANGE_STATUS', status: 'CONFIRMED', source: 'PMS', actor: null, cancels_stay: 'PMS:D1' }, /cancels_stay: only an operator/],
    ['a language that is no BCP 47 tag', { guest: { ...NO_GUEST_DETAILS, language: 'english please' } }, /guest\.language: 'english please' is not a BCP 47 language tag/],
    ['a country that is no ISO 3166 code', { guest: { ...NO_GUEST_DETAILS, address: { line1: '1 Main St', line2: null, city: null, postal_code: null, region: null, country: 'Portugal' } } }, /guest\.address\.country/],
    ['too many preferences', { guest: { ...NO_GUEST_DETAILS, preferences: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) } }, /guest\.preferences: more than 50 keys/],
  ])('refuses %s', (_, over, problem) => {
    expect(problems(over).join('\n')).toMatch(problem);
  });

  it('lists every problem at once', () => {
    expect(problems({ command_id: '', check_in: null, price: { amount_minor: 1.5, currency: 'EUR' } })).toHaveLength(3);
  });

  it.each<[BookingCommand['command_type'], Partial<BookingCommand>, string]>([
    ['MODIFY_DATES', {}, 'modify_dates'],
    ['CHANGE_STATUS', { status: 'CANCELLED' }, 'change_status'],
    ['BLOCK_NIGHTS', { source: 'PMS', reason: 'painting' }, 'block_nights'],
    ['BLOCK_NIGHTS', { source: 'PMS', reason: null }, 'block_nights'],
    ['UNBLOCK_NIGHTS', { source: 'PMS' }, 'unblock_nights'],
    ['UPDATE_GUEST', { guest: { ...NO_GUEST_DETAILS, name: null, name_updated_at: null, email: 'a@b.c', email_updated_at: 1, phone: '  ', phone_updated_at: null } }, 'update_guest'],
    ['REPORT_PRICE', {}, 'report_price'],
    ['FLAG_DISPUTE', { reason: 'damage' }, 'flag_dispute'],
    ['FLAG_DISPUTE', { reason: null }, 'flag_dispute'],
  ])('%s becomes %s', (command_type, over, type) => {
    expect(parseCommand(record({ command_type, ...over }))).toMatchObject({ type });
  });

  it.each<[BookingCommand['command_type'], Partial<BookingCommand>, RegExp]>([
    ['BLOCK_NIGHTS', {}, /only the PMS blocks nights/],
    ['UNBLOCK_NIGHTS', {}, /only the PMS unblocks nights/],
    ['FLAG_DISPUTE', { source: 'PMS' }, /disputes are flagged by channels/],
    ['UPDATE_GUEST', { guest: null }, /guest: required/],
    ['REPORT_PRICE', { price: null }, /price: required/],
    ['CHANGE_STATUS', { status: null }, /status: required/],
    ['MODIFY_DATES', { check_out: null }, /check_out: required/],
    ['MODIFY_DATES', { source: 'PMS', alteration_request: true }, /alteration_request: only a booking's own channel/],
    ['MODIFY_DATES', { source: 'VRBO', booking_source: 'AIRBNB', alteration_request: true }, /alteration_request: only a booking's own channel/],
  ])('refuses a %s without what it needs', (command_type, over, problem) => {
    expect(problems({ command_type, ...over }).join('\n')).toMatch(problem);
  });

  it("a channel's alteration request is a date change that waits for the ledger's answer", () => {
    expect(parseCommand(record({ command_type: 'MODIFY_DATES', alteration_request: true }))).toMatchObject({ type: 'modify_dates', alterationRequest: true });
    expect(parseCommand(record({ command_type: 'MODIFY_DATES' }))).toMatchObject({ type: 'modify_dates', alterationRequest: false });
  });

  it('a PMS change to a channel booking names the booking source', () => {
    expect(parseCommand(record({ command_type: 'CHANGE_STATUS', source: 'PMS', booking_source: 'AIRBNB', status: 'CANCELLED' }))).toMatchObject({ source: 'PMS', bookingSource: 'AIRBNB' });
  });
});
