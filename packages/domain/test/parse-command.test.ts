import { NO_GUEST_DETAILS, samples, type BookingCommand, type CreateBooking } from '@cm/schemas';
import { isInvalid, parseCommand, type InvalidCommand } from '../src/parse-command';
import { nights } from './builders';

const at = Date.UTC(2026, 10, 25);
const record = (over: Partial<BookingCommand> = {}): BookingCommand => ({ ...samples['booking.commands.v2']({ id: 'x', propertyId: 'p1', at }), ...over });
const sampleCreate = record().command as CreateBooking;
/** The sample's CREATE_BOOKING with some of its fields changed. */
const create = (over: Partial<CreateBooking>, envelope: Partial<BookingCommand> = {}): BookingCommand => record({ ...envelope, command: { ...sampleCreate, ...over } });
const stay = { check_in: sampleCreate.check_in, check_out: sampleCreate.check_out };
const problemsOf = (command: BookingCommand) => (parseCommand(command) as InvalidCommand).problems;
const problems = (over: Partial<BookingCommand>) => problemsOf(record(over));

describe('booking.commands.v2 records to typed commands', () => {
  it('a create becomes a create_booking with local dates and money', () => {
    const parsed = parseCommand(create({ guest: { ...NO_GUEST_DETAILS, name: ' Zoë ', name_updated_at: null, email: null, email_updated_at: null, phone: '+44 20', phone_updated_at: at - 5 } }));
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

  it.each<[string, BookingCommand, RegExp]>([
    ['check_out before check_in', create({ check_in: 20_450, check_out: 20_440 }), /check_in\/check_out: check_out_not_after_check_in/],
    ['the same day in and out', create({ check_in: 20_450, check_out: 20_450 }), /check_out_not_after_check_in/],
    ['a stay over a year long', create({ check_in: 20_000, check_out: 20_400 }), /longer than 365 nights/],
    ['an unknown currency', create({ price: { amount_minor: 1, currency: 'ABC' } }), /price: unknown_currency/],
    ['a negative price', create({ price: { amount_minor: -5, currency: 'EUR' } }), /price: amount_negative/],
    ['a new booking already cancelled', create({ status: 'CANCELLED' }), /status: a new booking is PENDING or CONFIRMED/],
    ['an empty command id', record({ command_id: '' }), /command_id: empty/],
    ['an empty property', record({ property_id: '' }), /property_id: empty/],
    ['an empty reference', record({ booking_ref: '' }), /booking_ref: empty/],
    ['an actor name too long to be one', record({ actor: 'x'.repeat(10_000) }), /actor: /],
    ['a negative source version', record({ source_version: -1 }), /source_version/],
    ['a create for another source', record({ booking_source: 'AIRBNB' }), /booking_source: CREATE_BOOKING is only for the source's own bookings/],
    ['a date far outside any booking horizon', create({ check_in: 100_000_001, check_out: 100_000_003 }), /outside the years 2000 to 2099/],
    ['a date before 2000', create({ check_in: 10_000, check_out: 10_002 }), /outside the years 2000 to 2099/],
    ['a NUL character in a key', record({ property_id: 'p\u0000x' }), /property_id: contains a NUL character/],
    ['a NUL character in free text', record({ source: 'PMS', command: { kind: 'BLOCK_NIGHTS', ...stay, reason: 'bad\u0000' } }), /reason: contains a NUL character/],
    ['an oversized key', record({ booking_ref: 'x'.repeat(201) }), /booking_ref: longer than 200 characters/],
    ['an oversized guest name', create({ guest: { ...NO_GUEST_DETAILS, name: 'n'.repeat(2001), name_updated_at: null, email: null, email_updated_at: null, phone: null, phone_updated_at: null } }), /guest.name: longer than 2000/],
    ['a guest count of none', create({ guest_count: 0 }), /guest_count: a whole number from 1/],
    ['keeping a guest with another status', record({ source: 'PMS', actor: 'ana', command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: { cancels_stay: 'PMS:D1', ...stay }, reason: null } }), /cancels_stay: only with status CONFIRMED/],
    ['keeping a guest without an operator', record({ source: 'PMS', actor: null, command: { kind: 'CHANGE_STATUS', status: 'CONFIRMED', keeps: { cancels_stay: 'PMS:D1', ...stay }, reason: null } }), /cancels_stay: only an operator/],
    ['keeping a guest for no stay', record({ source: 'PMS', actor: 'ana', command: { kind: 'CHANGE_STATUS', status: 'CONFIRMED', keeps: { cancels_stay: '', ...stay }, reason: null } }), /cancels_stay: empty/],
    ['a language that is no BCP 47 tag', create({ guest: { ...NO_GUEST_DETAILS, language: 'english please' } }), /guest\.language: 'english please' is not a BCP 47 language tag/],
    ['a country that is no ISO 3166 code', create({ guest: { ...NO_GUEST_DETAILS, address: { line1: '1 Main St', line2: null, city: null, postal_code: null, region: null, country: 'Portugal' } } }), /guest\.address\.country/],
    ['too many preferences', record({ command: { kind: 'UPDATE_GUEST', guest: { ...NO_GUEST_DETAILS, preferences: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) } } }), /guest\.preferences: more than 50 keys/],
  ])('refuses %s', (_, command, problem) => {
    expect(problemsOf(command).join('\n')).toMatch(problem);
  });

  it('lists every problem at once', () => {
    expect(problemsOf(create({ check_in: 20_450, check_out: 20_440, price: { amount_minor: 1.5, currency: 'EUR' } }, { command_id: '' }))).toHaveLength(3);
  });

  it.each<[string, Partial<BookingCommand>, string]>([
    ['MODIFY_DATES', { command: { kind: 'MODIFY_DATES', ...stay, alteration_request: false } }, 'modify_dates'],
    ['CHANGE_STATUS', { command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: null } }, 'change_status'],
    ['BLOCK_NIGHTS', { source: 'PMS', command: { kind: 'BLOCK_NIGHTS', ...stay, reason: 'painting' } }, 'block_nights'],
    ['BLOCK_NIGHTS', { source: 'PMS', command: { kind: 'BLOCK_NIGHTS', ...stay, reason: null } }, 'block_nights'],
    ['UNBLOCK_NIGHTS', { source: 'PMS', command: { kind: 'UNBLOCK_NIGHTS' } }, 'unblock_nights'],
    ['UPDATE_GUEST', { command: { kind: 'UPDATE_GUEST', guest: { ...NO_GUEST_DETAILS, name: null, name_updated_at: null, email: 'a@b.c', email_updated_at: 1, phone: '  ', phone_updated_at: null } } }, 'update_guest'],
    ['REPORT_PRICE', { command: { kind: 'REPORT_PRICE', price: sampleCreate.price!, rate_plan: null, pms_quote: null } }, 'report_price'],
    ['REPORT_PRICE', { command: { kind: 'REPORT_PRICE', price: sampleCreate.price!, rate_plan: 'flex', pms_quote: { amount_minor: 1, currency: 'EUR' } } }, 'report_price'],
    ['FLAG_DISPUTE', { command: { kind: 'FLAG_DISPUTE', reason: 'damage' } }, 'flag_dispute'],
    ['FLAG_DISPUTE', { command: { kind: 'FLAG_DISPUTE', reason: null } }, 'flag_dispute'],
  ])('%s becomes %s', (_, over, type) => {
    expect(parseCommand(record(over))).toMatchObject({ type });
  });

  it("a REPORT_PRICE carries the PMS quote ingest gave it for the booking's nights, or none", () => {
    const report = (pms_quote: { amount_minor: number; currency: string } | null) =>
      parseCommand(record({ command: { kind: 'REPORT_PRICE', price: { amount_minor: 51_000, currency: 'EUR' }, rate_plan: 'flex', pms_quote } }));
    expect(report({ amount_minor: 50_000, currency: 'EUR' })).toMatchObject({ type: 'report_price', price: { amountMinor: 51_000 }, ratePlan: 'flex', pmsQuote: { amountMinor: 50_000, currency: 'EUR' } });
    expect(report(null)).toMatchObject({ type: 'report_price', pmsQuote: null });
  });

  it.each<[string, Partial<BookingCommand>, RegExp]>([
    ['BLOCK_NIGHTS', { command: { kind: 'BLOCK_NIGHTS', ...stay, reason: null } }, /only the PMS blocks nights/],
    ['UNBLOCK_NIGHTS', { command: { kind: 'UNBLOCK_NIGHTS' } }, /only the PMS unblocks nights/],
    ['FLAG_DISPUTE', { source: 'PMS', command: { kind: 'FLAG_DISPUTE', reason: null } }, /disputes are flagged by channels/],
    ['REPORT_PRICE', { command: { kind: 'REPORT_PRICE', price: { amount_minor: -1, currency: 'EUR' }, rate_plan: null, pms_quote: null } }, /price: amount_negative/],
    ['REPORT_PRICE', { command: { kind: 'REPORT_PRICE', price: sampleCreate.price!, rate_plan: null, pms_quote: { amount_minor: 10, currency: 'XXX' } } }, /pms_quote: unknown_currency/],
    ['MODIFY_DATES', { command: { kind: 'MODIFY_DATES', check_in: stay.check_out, check_out: stay.check_in, alteration_request: false } }, /check_out_not_after_check_in/],
    ['MODIFY_DATES', { source: 'PMS', command: { kind: 'MODIFY_DATES', ...stay, alteration_request: true } }, /alteration_request: only a booking's own channel/],
    ['MODIFY_DATES', { source: 'VRBO', booking_source: 'AIRBNB', command: { kind: 'MODIFY_DATES', ...stay, alteration_request: true } }, /alteration_request: only a booking's own channel/],
  ])('refuses a %s that cannot be taken', (_, over, problem) => {
    expect(problems(over).join('\n')).toMatch(problem);
  });

  it("a channel's alteration request is a date change that waits for the ledger's answer", () => {
    expect(parseCommand(record({ command: { kind: 'MODIFY_DATES', ...stay, alteration_request: true } }))).toMatchObject({ type: 'modify_dates', alterationRequest: true });
    expect(parseCommand(record({ command: { kind: 'MODIFY_DATES', ...stay, alteration_request: false } }))).toMatchObject({ type: 'modify_dates', alterationRequest: false });
  });

  it('a PMS change to a channel booking names the booking source', () => {
    expect(parseCommand(record({ source: 'PMS', booking_source: 'AIRBNB', command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: null } }))).toMatchObject({ source: 'PMS', bookingSource: 'AIRBNB' });
  });
});
