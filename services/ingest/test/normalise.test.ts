import { signWebhook, STATUS_VOCABULARY, verifyWebhookSignature, type ChannelWebhookPayload } from '@cm/channel-webhooks';
import { NO_GUEST_DETAILS, type ChannelInboundEvent } from '@cm/schemas';
import { canonicalJson, IdempotencyKeys } from '../src/http/idempotency';
import { toMinorUnits } from '../src/normalise/amounts';
import { horizonProblems, MAX_DAYS_AHEAD } from '../src/normalise/booking-horizon';
import { channelCommandId, channelEventToCommand, commandsOf, stayToQuote } from '../src/normalise/channel-event-command';
import { localDateOf, toLocalEpochDay } from '../src/normalise/dates';
import { impossibleOnChannel, pmsWriteToCommand } from '../src/normalise/pms-command';
import { webhookToChannelEvent } from '../src/normalise/webhook-event';

const day = (iso: string) => Date.parse(iso) / 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('amounts: decimal major units to integer minor units, exactly', () => {
  it.each([
    ['123.45', 'EUR', 12_345],
    ['1234.5', 'EUR', 123_450],
    ['0.10', 'usd', 10],
    ['500', 'JPY', 500],
    ['500.000', 'JPY', 500],
    ['1.234', 'KWD', 1_234],
    ['2500000', 'VND', 2_500_000],
    ['350000.50', 'COP', 35_000_050],
    ['12.3456', 'CLF', 123_456],
    [19.99, 'EUR', 1_999],
    [0.07, 'EUR', 7],
    ['9999999999.99', 'EUR', 999_999_999_999],
  ])('%s %s is %d', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toEqual({ amount_minor: minor, currency: currency.toUpperCase() });
  });

  it.each([
    ['10.5', 'JPY', 'JPY has 0 decimal places'],
    ['1.2345', 'KWD', 'KWD has 3 decimal places'],
    ['-1', 'EUR', 'must not be negative'],
    [-0.5, 'EUR', 'must not be negative'],
    ['1e5', 'EUR', 'is not a decimal number'],
    [1e21, 'EUR', 'must be a finite number'],
    [Number.NaN, 'EUR', 'must be a finite number'],
    ['12,50', 'EUR', 'is not a decimal number'],
    ['', 'EUR', 'is not a decimal number'],
    ['10', 'XXX', 'unknown currency'],
    ['10', 'XAU', 'unknown currency'],
    ['10', 'constructor', 'unknown currency'],
    ['10.5', 'VND', 'VND has 0 decimal places'],
    ['10000000000.01', 'EUR', 'beyond any plausible price'],
  ])('%s %s is refused: %s', (amount, currency, message) => {
    expect(toMinorUnits(amount, currency)).toEqual(expect.stringContaining(message));
  });
});

describe('dates: a channel date to the property-local date', () => {
  it('keeps a plain date, and refuses a day that does not exist', () => {
    expect(toLocalEpochDay('2027-03-10', 'Europe/Paris')).toBe(day('2027-03-10'));
    expect(toLocalEpochDay('2027-02-29', 'Europe/Paris')).toEqual(expect.stringContaining('not a calendar day'));
  });

  it.each([
    ['2027-03-09T23:30:00-05:00', 'Europe/Paris', '2027-03-10'],
    ['2027-03-10T01:00:00+02:00', 'America/New_York', '2027-03-09'],
    ['2027-01-01T02:00:00Z', 'America/Los_Angeles', '2026-12-31'],
    ['2026-12-31T11:00:00Z', 'Pacific/Kiritimati', '2027-01-01'],
    // Paris moves to summer time in the night of 2027-03-28: 01:30 UTC is 03:30 local, the same day.
    ['2027-03-28T01:30:00Z', 'Europe/Paris', '2027-03-28'],
    ['2027-10-31T00:30:00Z', 'Europe/Paris', '2027-10-31'],
  ])('%s in %s falls on %s', (instant, zone, local) => {
    expect(localDateOf(Date.parse(instant), zone)).toBe(local);
    expect(toLocalEpochDay(instant, zone)).toBe(day(local));
  });
});

const webhook = (overrides: Partial<ChannelWebhookPayload> = {}, reservation: Record<string, unknown> = {}): ChannelWebhookPayload => ({
  event_id: 'e1',
  type: 'reservation.created',
  listing_id: 'L1',
  occurred_at: '2026-11-25T10:00:00Z',
  reservation: { id: 'R1', revision: 2, status: 'accepted', check_in: '2027-03-10', check_out: '2027-03-12', total: { amount: '200.00', currency: 'EUR' }, ...reservation },
  ...overrides,
});

describe('webhook body to channel event', () => {
  it('maps each channel’s status words to ours, case-insensitively', () => {
    for (const [channel, words] of Object.entries(STATUS_VOCABULARY)) {
      for (const [word, status] of Object.entries(words)) {
        const event = webhookToChannelEvent(webhook({}, { status: word.toUpperCase() }), channel as keyof typeof STATUS_VOCABULARY, { timeZone: 'UTC' });
        expect(event.ok && event.value.reservation_status).toBe(status);
      }
    }
  });

  it('lists every problem at once, each with its path', () => {
    const event = webhookToChannelEvent(webhook({}, { status: 'sorta', check_in: '2027-02-30', total: { amount: '1.5', currency: 'JPY' } }), 'AIRBNB', { timeZone: 'UTC' });
    expect(event.ok).toBe(false);
    expect(!event.ok && event.problems.map((p) => p.path).sort()).toEqual(['reservation.check_in', 'reservation.status', 'reservation.total']);
  });

  it('needs what each event type needs', () => {
    const missing = (payload: ChannelWebhookPayload) => {
      const event = webhookToChannelEvent(payload, 'AIRBNB', { timeZone: 'UTC' });
      return event.ok ? [] : event.problems.map((p) => p.path);
    };
    expect(missing(webhook({ reservation: null }))).toEqual(['reservation']);
    expect(missing(webhook({ type: 'availability.reported', reservation: null }))).toEqual(['calendar']);
    expect(missing(webhook({ type: 'reservation.status_changed' }, { status: null }))).toEqual(['reservation.status']);
    expect(missing(webhook({ type: 'guest.updated' }))).toEqual(['reservation.guest']);
    expect(missing(webhook({ type: 'price.reported' }, { total: null }))).toEqual(['reservation.total']);
    expect(missing(webhook({ type: 'reservation.modified' }, { check_in: null }))).toEqual(['reservation.check_in']);
    expect(missing(webhook({ type: 'reservation.alteration_requested' }))).toEqual(['reservation.alteration']);
  });

  it("an alteration request is a date change to the dates the guest asks for, waiting for the host's answer", () => {
    const event = webhookToChannelEvent(webhook({ type: 'reservation.alteration_requested' }, { revision: 3, alteration: { check_in: '2027-03-11', check_out: '2027-03-14' } }), 'AIRBNB', { timeZone: 'UTC' });
    expect(event.ok && event.value).toMatchObject({ event_type: 'RESERVATION_MODIFIED', alteration_request: true, source_version: 3, check_in: day('2027-03-11'), check_out: day('2027-03-14') });
    const command = event.ok ? channelEventToCommand(event.value, { propertyId: 'P1', connectionId: 'c1', currency: 'EUR', tenantId: 'T1' }, Date.UTC(2027, 0, 1), null) : null;
    expect(command).toMatchObject({ kind: 'command', command: { command: { kind: 'MODIFY_DATES', alteration_request: true, check_in: day('2027-03-11') } } });
    const modified = webhookToChannelEvent(webhook({ type: 'reservation.modified' }), 'AIRBNB', { timeZone: 'UTC' });
    expect(modified.ok && modified.value.alteration_request).toBe(false);
  });

  it('keeps a calendar report’s nights, prices in minor units', () => {
    const event = webhookToChannelEvent(
      webhook({ type: 'availability.reported', reservation: null, calendar: { revision: 9, nights: [{ date: '2027-01-02', available: false, price: { amount: '99.5', currency: 'EUR' }, min_stay: 2 }] } }),
      'EXPEDIA',
      { timeZone: 'UTC' },
    );
    expect(event.ok && event.value).toMatchObject({ event_type: 'AVAILABILITY_REPORTED', source_version: 9, nights: [{ date: day('2027-01-02'), available: false, price: { amount_minor: 9_950, currency: 'EUR' }, min_stay: 2 }] });
  });

  it('gives guest fields the channel’s update time, or the event’s', () => {
    const at = webhookToChannelEvent(webhook({}, { guest: { name: 'A', updated_at: '2026-11-20T00:00:00Z' } }), 'AIRBNB', { timeZone: 'UTC' });
    expect(at.ok && at.value.guest).toEqual({ ...NO_GUEST_DETAILS, name: 'A', name_updated_at: Date.parse('2026-11-20T00:00:00Z') });
    const without = webhookToChannelEvent(webhook({}, { guest: { phone: '+1' } }), 'AIRBNB', { timeZone: 'UTC' });
    expect(without.ok && without.value.guest?.phone_updated_at).toBe(Date.parse('2026-11-25T10:00:00Z'));
  });

  it('takes the address whole, the language as a canonical BCP 47 tag, preferences by key, and the guest count', () => {
    const guest = { address: { line1: 'Rua Augusta 10', city: 'Lisboa', postal_code: '1100-053', country: 'pt' }, language: 'pt-br', preferences: { bed: 'twin' }, updated_at: '2026-11-20T00:00:00Z' };
    const event = webhookToChannelEvent(webhook({}, { guest, guest_count: 3 }), 'AIRBNB', { timeZone: 'UTC' });
    const at = Date.parse('2026-11-20T00:00:00Z');
    expect(event.ok && event.value).toMatchObject({
      guest_count: 3,
      guest: {
        address: { line1: 'Rua Augusta 10', line2: null, city: 'Lisboa', postal_code: '1100-053', region: null, country: 'PT' },
        address_updated_at: at,
        language: 'pt-BR',
        language_updated_at: at,
        preferences: { bed: 'twin' },
        preferences_updated_at: at,
      },
    });
    const bad = webhookToChannelEvent(webhook({}, { guest: { language: 'not a language' } }), 'AIRBNB', { timeZone: 'UTC' });
    expect(bad).toMatchObject({ ok: false, problems: [{ path: 'reservation.guest.language', message: expect.stringContaining('BCP 47') }] });
  });
});

const inbound = (overrides: Partial<ChannelInboundEvent> = {}): ChannelInboundEvent => ({
  event_id: 'i1',
  channel: 'BOOKING_COM',
  listing_id: 'L1',
  external_event_id: 'x1',
  event_type: 'RESERVATION_CREATED',
  external_reservation_id: 'R1',
  source_version: 1,
  reservation_status: null,
  check_in: day('2027-03-10'),
  check_out: day('2027-03-12'),
  total_price: null,
  rate_plan: null,
  guest: null,
  nights: [],
  dispute_reason: null,
  occurred_at: NOW,
  correlation_id: 'c1',
  guest_count: null,
  alteration_request: false,
  ...overrides,
});

const LISTING = { propertyId: 'P1', connectionId: 'conn-1', currency: 'EUR', tenantId: 'T1' };

describe('channel event to booking command', () => {
  it('a new reservation without a status is confirmed (the channel took the guest’s money)', () => {
    const outcome = channelEventToCommand(inbound(), LISTING, NOW, null);
    expect(outcome.kind === 'command' && outcome.command).toMatchObject({ command: { kind: 'CREATE_BOOKING', status: 'CONFIRMED', property_currency: 'EUR' }, property_id: 'P1', command_id: 'BOOKING_COM:conn-1:x1', issued_at: NOW });
  });

  it('a calendar report is left for the reconciler; a reservation event without its id is refused', () => {
    expect(channelEventToCommand(inbound({ event_type: 'AVAILABILITY_REPORTED' }), LISTING, NOW, null)).toEqual({ kind: 'calendar_report' });
    expect(channelEventToCommand(inbound({ external_reservation_id: null }), LISTING, NOW, null)).toMatchObject({ kind: 'invalid', reason: 'VALIDATION_FAILED' });
  });

  it('a command id is the channel, the connection and the event id, readable, hashed when long', () => {
    expect(channelCommandId('VRBO', 'conn-1', 'abc')).toBe('VRBO:conn-1:abc');
    expect(channelCommandId('VRBO', 'conn-1', 'a'.repeat(500))).toMatch(/^VRBO:sha256:[0-9a-f]{64}$/);
  });

  it('two connections sending one event id name two commands, and no choice of ids makes two events one', () => {
    expect(channelCommandId('AIRBNB', 'tenant-a', 'X')).not.toBe(channelCommandId('AIRBNB', 'tenant-b', 'X'));
    expect(channelCommandId('AIRBNB', 'a:b', 'c')).not.toBe(channelCommandId('AIRBNB', 'a', 'b:c'));
    expect(channelCommandId('AIRBNB', 'a%3Ab', 'c')).not.toBe(channelCommandId('AIRBNB', 'a:b', 'c'));
    expect(channelCommandId('AIRBNB', 'c'.repeat(100), 'X')).not.toBe(channelCommandId('AIRBNB', 'c'.repeat(101), 'X'));
  });

  it("a new reservation carries the PMS quote of its nights; a modification carrying a total is also a price report, with the quote of its new dates", () => {
    const quote = { amount_minor: 24_000, currency: 'EUR' };
    const created = channelEventToCommand(inbound({ total_price: { amount_minor: 24_500, currency: 'EUR' } }), LISTING, NOW, quote);
    expect(created).toMatchObject({ kind: 'command', command: { command: { kind: 'CREATE_BOOKING', price: { amount_minor: 24_500 }, pms_quote: quote } }, priceReport: null });

    const modification = inbound({ event_type: 'RESERVATION_MODIFIED', source_version: 4, total_price: { amount_minor: 36_000, currency: 'EUR' }, rate_plan: 'RP-1', check_out: day('2027-03-13') });
    const outcome = channelEventToCommand(modification, LISTING, NOW, quote);
    expect(outcome.kind).toBe('command');
    if (outcome.kind !== 'command') return;
    expect(commandsOf(outcome).map((c) => [c.command_id, c.command.kind, c.source_version])).toEqual([
      ['BOOKING_COM:conn-1:x1', 'MODIFY_DATES', 4],
      ['BOOKING_COM+price:conn-1:x1', 'REPORT_PRICE', 4],
    ]);
    expect(outcome.priceReport).toMatchObject({ booking_ref: 'R1', property_id: 'P1', source: 'BOOKING_COM', correlation_id: 'c1', issued_at: NOW, command: { price: { amount_minor: 36_000, currency: 'EUR' }, rate_plan: 'RP-1', pms_quote: quote } });
    // The same event again (a replay, a redelivery) names the same two commands.
    expect(channelEventToCommand(modification, LISTING, NOW + 5_000, quote)).toMatchObject({ command: { command_id: outcome.command.command_id }, priceReport: { command_id: outcome.priceReport!.command_id } });
  });

  it('no price report for a modification without a total, nor for a guest\'s alteration request (its total is not for the dates asked)', () => {
    expect(channelEventToCommand(inbound({ event_type: 'RESERVATION_MODIFIED' }), LISTING, NOW, null)).toMatchObject({ kind: 'command', priceReport: null });
    const alteration = inbound({ event_type: 'RESERVATION_MODIFIED', alteration_request: true, total_price: { amount_minor: 36_000, currency: 'EUR' } });
    expect(channelEventToCommand(alteration, LISTING, NOW, null)).toMatchObject({ kind: 'command', command: { command: { kind: 'MODIFY_DATES', alteration_request: true } }, priceReport: null });
  });

  it("a modification whose total cannot be taken is refused whole, as the webhook's is", () => {
    const bad = inbound({ event_type: 'RESERVATION_MODIFIED', total_price: { amount_minor: -5, currency: 'EUR' } });
    expect(channelEventToCommand(bad, LISTING, NOW, null)).toEqual({ kind: 'invalid', reason: 'VALIDATION_FAILED', problems: ['price: amount_negative'] });
  });

  it('a price report\'s command id cannot be any event\'s own, however the ids are chosen', () => {
    expect(channelCommandId('VRBO', 'conn-1', 'abc', 'price_report')).toBe('VRBO+price:conn-1:abc');
    expect(channelCommandId('VRBO', 'conn-1', 'a'.repeat(500), 'price_report')).toMatch(/^VRBO\+price:sha256:[0-9a-f]{64}$/);
    expect(channelCommandId('VRBO', 'conn-1', 'abc:price', 'event')).not.toBe(channelCommandId('VRBO', 'conn-1', 'abc', 'price_report'));
  });

  it('which nights a quote is asked for: a new reservation, a modification with a total; never dates the command refuses', () => {
    const stay = { checkIn: '2027-03-10', checkOut: '2027-03-12' };
    expect(stayToQuote(inbound())).toEqual(stay);
    expect(stayToQuote(inbound({ event_type: 'RESERVATION_MODIFIED', total_price: { amount_minor: 1, currency: 'EUR' } }))).toEqual(stay);
    expect(stayToQuote(inbound({ event_type: 'RESERVATION_MODIFIED' }))).toBeNull();
    expect(stayToQuote(inbound({ event_type: 'RESERVATION_MODIFIED', alteration_request: true, total_price: { amount_minor: 1, currency: 'EUR' } }))).toBeNull();
    expect(stayToQuote(inbound({ event_type: 'PRICE_REPORTED', total_price: { amount_minor: 1, currency: 'EUR' } }))).toBeNull();
    expect(stayToQuote(inbound({ check_in: null }))).toBeNull();
    expect(stayToQuote(inbound({ check_in: day('2027-03-12'), check_out: day('2027-03-10') }))).toBeNull();
    expect(stayToQuote(inbound({ check_in: day('1999-12-30'), check_out: day('2000-01-02') }))).toBeNull();
    expect(stayToQuote(inbound({ check_in: day('2027-01-01'), check_out: day('2028-01-02') }))).toBeNull();
  });

  it('refuses dates no property manager means: years ahead, or a stay long over', () => {
    const ahead = inbound({ check_in: day('2026-11-25') + MAX_DAYS_AHEAD + 1, check_out: day('2026-11-25') + MAX_DAYS_AHEAD + 3 });
    expect(channelEventToCommand(ahead, LISTING, NOW, null)).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining('days ahead')] });
    const past = inbound({ check_in: day('2024-01-01'), check_out: day('2024-01-03') });
    expect(channelEventToCommand(past, LISTING, NOW, null)).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining('days ago')] });
    const fine = channelEventToCommand(inbound(), LISTING, NOW, null);
    expect(fine.kind === 'command' && horizonProblems(fine.command, NOW)).toEqual([]);
  });
});

describe('PMS write to booking command', () => {
  const context = { propertyId: 'P1', propertyCurrency: 'EUR', tenantId: 'T1', commandId: 'pms:1', correlationId: 'c', nowMs: NOW };

  it('versions a write by its revision, or by the time of the request', () => {
    const own = pmsWriteToCommand({ kind: 'cancel_booking', reference: 'D1', body: { source: 'PMS', revision: 7 } }, context);
    expect(own.ok && own.value).toMatchObject({ command: { kind: 'CHANGE_STATUS', status: 'CANCELLED' }, source_version: 7, reply_requested: true, source: 'PMS', booking_source: null });
    const timed = pmsWriteToCommand({ kind: 'remove_block', reference: 'B1' }, context);
    expect(timed.ok && timed.value).toMatchObject({ command: { kind: 'UNBLOCK_NIGHTS' }, source_version: NOW });
  });

  it("a change to a channel's reservation names its channel as the booking's source", () => {
    const cancel = pmsWriteToCommand({ kind: 'cancel_booking', reference: 'HM1', body: { source: 'AIRBNB' } }, context);
    expect(cancel.ok && cancel.value).toMatchObject({ command: { kind: 'CHANGE_STATUS' }, source: 'PMS', booking_source: 'AIRBNB', booking_ref: 'HM1' });
  });

  it("a change no platform's API can carry out is refused with the reason: a date change of a channel's reservation, a cancellation where the host cannot cancel", () => {
    expect(impossibleOnChannel({ kind: 'modify_booking', reference: 'HM1', body: { source: 'AIRBNB', check_in: '2027-01-01', check_out: '2027-01-03' } })).toEqual({ path: 'source', message: expect.stringContaining('change it on AIRBNB') });
    for (const channel of ['BOOKING_COM', 'EXPEDIA'] as const) {
      expect(impossibleOnChannel({ kind: 'cancel_booking', reference: 'X1', body: { source: channel } })).toEqual({ path: 'source', message: expect.stringContaining('cancel the reservation in its extranet') });
    }
    expect(impossibleOnChannel({ kind: 'cancel_booking', reference: 'V1', body: { source: 'VRBO' } })).toBeNull();
    expect(impossibleOnChannel({ kind: 'modify_booking', reference: 'D1', body: { source: 'PMS', check_in: '2027-01-01', check_out: '2027-01-03' } })).toBeNull();
  });

  it('a direct booking’s total is also the PMS quote', () => {
    const created = pmsWriteToCommand({ kind: 'create_booking', reference: 'D1', body: { check_in: '2027-01-01', check_out: '2027-01-03', status: 'CONFIRMED', total: { amount: '10', currency: 'EUR' } } }, context);
    expect(created.ok && created.value.command).toMatchObject({ price: { amount_minor: 1000, currency: 'EUR' }, pms_quote: { amount_minor: 1000, currency: 'EUR' } });
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"a":1}');
  const nowMs = 1_800_000_000_000;
  const timestamp = String(nowMs / 1000);
  const signature = signWebhook('s3cret', nowMs / 1000, body);

  it('accepts the right secret over the exact bytes within the window, refuses anything else by name', () => {
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp, signature, nowMs })).toBeNull();
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: Buffer.from('{"a":2}'), timestamp, signature, nowMs })).toBe('signature_mismatch');
    expect(verifyWebhookSignature({ secret: 'other', rawBody: body, timestamp, signature, nowMs })).toBe('signature_mismatch');
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp, signature, nowMs: nowMs + 301_000 })).toBe('timestamp_outside_window');
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp: '12x', signature, nowMs })).toBe('timestamp_invalid');
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp, signature: signature.toUpperCase(), nowMs })).toBe('signature_malformed');
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp: undefined, signature, nowMs })).toBe('signature_missing');
  });
});

describe('idempotency fingerprints', () => {
  it('the same request in another key order is the same request; another value is not', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    const one = IdempotencyKeys.fingerprint('POST', '/v1/x', { a: 1, b: 2 });
    expect(IdempotencyKeys.fingerprint('POST', '/v1/x', { b: 2, a: 1 })).toBe(one);
    expect(IdempotencyKeys.fingerprint('POST', '/v1/x', { a: 1, b: 3 })).not.toBe(one);
    expect(IdempotencyKeys.fingerprint('POST', '/v1/y', { a: 1, b: 2 })).not.toBe(one);
  });
});
