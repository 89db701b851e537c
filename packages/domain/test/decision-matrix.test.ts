import { actionsOf, conflictsOf, pushesOf } from '../src/decision';
import type { ConflictType, Resolution } from '@cm/schemas';
import type { Command } from '../src/commands';
import type { CurrencyCode } from '../src/money';
import { assess } from '../src/escalation';
import { detectDrift } from '../src/drift';
import type { Decision } from '../src/decision';
import { bookingIn, block, create, given, guest, key, modify, money, nights, price, status, when } from './builders';

/** Seed 5.1, one row at a time: the table first, then each row's details. */

type Row = [row: string, before: Command[], command: Command, outcome: Decision['outcome'], conflict: ConflictType | null, resolution: Resolution | null];
const airbnb = (o: Parameters<typeof create>[0] = {}) => create({ source: 'AIRBNB', ref: 'HM1', ...o });
const direct = (o: Parameters<typeof create>[0] = {}) => create({ source: 'PMS', ref: 'D1', ...o });
const T0 = Date.UTC(2026, 10, 1);

const matrix: Row[] = [
  ['Double Booking | Both | first in the ledger | reject second', [airbnb()], create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-22..2026-12-27' }), 'rejected', 'OVERBOOKING', 'REJECTED_INCOMING'],
  ['Status (cancellation) | Any | Cancelled status | Sync cancellation', [airbnb()], status({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', status: 'CANCELLED' }), 'applied', null, null],
  ['Status (other) | Channel booking | Channel | Update PMS', [airbnb({ status: 'PENDING' })], status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CONFIRMED' }), 'applied', null, null],
  ['Status (other) | Direct booking | PMS | Sync to channels', [direct({ status: 'PENDING' })], status({ source: 'VRBO', bookingSource: 'PMS', ref: 'D1', status: 'CONFIRMED' }), 'rejected', 'STATUS_MISMATCH', 'KEPT_LEDGER'],
  ['Guest Email/Name | Any | PMS | Keep PMS data', [airbnb(), guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', guest: { email: { value: 'pms@example.org', updatedAt: T0 } } })], guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { email: { value: 'channel@example.org', updatedAt: T0 + 1000 } } }), 'rejected', 'GUEST_DATA', 'KEPT_LEDGER'],
  ['Guest Phone | Channel (newer) | Channel | Update PMS', [airbnb(), guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', guest: { phone: { value: '+1 555 0100', updatedAt: T0 } } })], guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { phone: { value: '+1 555 0199', updatedAt: T0 + 1000 } } }), 'applied', null, null],
  ['Price (new booking) | Channel | Channel | Accept and log', [], airbnb({ price: money(110_000), pmsQuote: money(100_000) }), 'applied', 'PRICE_DISCREPANCY', 'ACCEPTED_INCOMING'],
  ['Price (existing) | Any | Flag for review | Manual review', [airbnb({ price: money(100_000) })], price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(103_000) }), 'rejected', 'PRICE_DISCREPANCY', 'FLAGGED_FOR_REVIEW'],
  ['Date change | Channel | Accept if available', [airbnb()], modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-21..2026-12-26' }), 'applied', null, null],
  ['Date change | Channel | Reject if unavailable', [airbnb(), direct({ dates: '2026-12-26..2026-12-30' })], modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-24..2026-12-28' }), 'rejected', 'DATE_MODIFICATION', 'REJECTED_INCOMING'],
  ['Date change | PMS | PMS | Sync to channels', [airbnb()], modify({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', dates: '2026-12-19..2026-12-24' }), 'applied', null, null],
];

describe('5.1 decision matrix', () => {
  it.each(matrix)('%s', (_, before, command, outcome, conflict, resolution) => {
    const { decision } = when(given(before), command);
    expect(decision.outcome).toBe(outcome);
    const rowConflict = conflict ? conflictsOf(decision).find((c) => c.facts.type === conflict) : undefined;
    if (conflict) expect(rowConflict).toMatchObject({ resolution });
    else expect(conflictsOf(decision)).toEqual([]);
  });
});

describe('the channel side: what the ledger decides is carried out on the reservation’s own channel', () => {
  it('5.1 double booking, request to book: a losing request is declined on its channel, and nobody holds a confirmation to escalate', () => {
    const { decision, after } = when(given([direct()]), create({ source: 'BOOKING_COM', ref: 'R9', status: 'PENDING' }));
    expect(decision.outcome).toBe('rejected');
    expect(bookingIn(after, 'BOOKING_COM', 'R9').status).toBe('REJECTED');
    expect(actionsOf(decision)).toEqual([
      { kind: 'decline_request', channel: 'BOOKING_COM', key: key('BOOKING_COM', 'R9'), ref: 'R9', reason: 'the nights are no longer available (held by PMS:D1)' },
      { kind: 'acknowledge', channel: 'BOOKING_COM', key: key('BOOKING_COM', 'R9'), ref: 'R9', revision: 1 },
    ]);
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'DOUBLE_BOOKING' }, rule: '5.1 double booking, request to book', channel: 'BOOKING_COM' }]);
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: false });
  });

  it('5.1 double booking: a losing confirmed (instant-book) reservation is not cancelled without review; it is acknowledged and escalated as an overbooking', () => {
    const { decision } = when(given([direct()]), airbnb());
    expect(actionsOf(decision)).toEqual([{ kind: 'acknowledge', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', revision: 1 }]);
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ severity: 'CRITICAL', requiresReview: true });
  });

  it("5.1 double booking: a losing stay from a channel's iCal feed is an overbooking whose task says it cannot be acted on through iCal", () => {
    const { decision } = when(given([direct()]), create({ source: 'VRBO', ref: 'ical-0a1b2c3d4e5f60718293a4b5' }));
    const [conflict] = conflictsOf(decision);
    expect(conflict).toMatchObject({ facts: { type: 'OVERBOOKING', channel: 'VRBO' }, rule: '5.1 double booking' });
    expect(conflict!.summary).toContain("it came from VRBO's iCal feed, which carries no reservation operation: a person must cancel it, or keep the guest, on VRBO");
    expect(conflictsOf(when(given([direct()]), airbnb()).decision)[0]!.summary).not.toContain('iCal');
  });

  it.each([
    ['a new reservation, accepted', [], () => airbnb()],
    ['a date change', [airbnb()], () => modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-21..2026-12-26' })],
    ['a date change the ledger refuses', [airbnb(), create({ source: 'VRBO', ref: 'V1', dates: '2026-12-26..2026-12-28' })], () => modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-24..2026-12-27' })],
    ['a cancellation', [airbnb()], () => status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CANCELLED' })],
  ] as const)('every channel reservation is acknowledged on its channel once the ledger decided it: %s', (_, stays, command) => {
    const c = command();
    expect(actionsOf(when(given([...stays]), c).decision).filter((a) => a.kind === 'acknowledge')).toEqual([{ kind: 'acknowledge', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', revision: c.sourceVersion }]);
  });

  describe('5.1 overbooking, resolved by keeping the channel guest: the other stay cancelled and the guest reinstated in one decision', () => {
    const keep = (o: { cancels: string; dates?: string; version?: number }) => ({
      ...status({ source: 'PMS', bookingSource: 'BOOKING_COM', ref: 'BDC1', status: 'CONFIRMED', version: o.version ?? 50 }),
      actor: 'ana@villas.example',
      keeps: { cancels: o.cancels as ReturnType<typeof key>, dates: nights(o.dates ?? '2026-12-22..2026-12-27') },
    });
    const overbooked = () => given([direct({ dates: '2026-12-20..2026-12-25' }), create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-22..2026-12-27' })]);

    it('the nights pass from the direct stay to the channel guest without opening, and stay closed to a third channel', () => {
      const { decision, after } = when(overbooked(), keep({ cancels: 'PMS:D1' }));
      expect(decision.outcome).toBe('applied');
      expect(bookingIn(after, 'BOOKING_COM', 'BDC1').status).toBe('CONFIRMED');
      expect(bookingIn(after, 'PMS', 'D1').status).toBe('CANCELLED');
      expect(pushesOf(decision)).toEqual([
        { dates: nights('2026-12-22..2026-12-27'), available: false, reason: 'BOOKING', exceptChannel: 'BOOKING_COM' },
        { dates: nights('2026-12-20..2026-12-22'), available: true, reason: 'CANCELLATION', exceptChannel: null },
      ]);
      // The reproduction of issue 18: a third channel booking those nights afterwards is refused.
      expect(when(after, create({ source: 'VRBO', ref: 'V1', dates: '2026-12-23..2026-12-24' })).decision.outcome).toBe('rejected');
    });

    it('a channel stay that loses is cancelled on its channel as the host', () => {
      const state = given([airbnb({ dates: '2026-12-20..2026-12-25' }), create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-22..2026-12-27' })]);
      const { decision } = when(state, keep({ cancels: 'AIRBNB:HM1' }));
      expect(actionsOf(decision)).toEqual([{ kind: 'host_cancel', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', reason: 'the operator kept the guest of BOOKING_COM:BDC1' }]);
    });

    it('refused when another stay holds the nights now; ignored for dates that are not the booking’s or a stay that holds nothing', () => {
      const state = given([direct({ dates: '2026-12-20..2026-12-23' }), create({ source: 'VRBO', ref: 'V9', dates: '2026-12-24..2026-12-26' }), create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-22..2026-12-27' })]);
      expect(when(state, keep({ cancels: 'PMS:D1' })).decision).toMatchObject({ outcome: 'rejected', reason: 'nights_unavailable' });
      expect(when(overbooked(), keep({ cancels: 'PMS:D1', dates: '2026-12-22..2026-12-26' })).decision).toMatchObject({ outcome: 'ignored', reason: 'unknown_booking' });
      expect(when(overbooked(), keep({ cancels: 'PMS:nobody' })).decision).toMatchObject({ outcome: 'ignored', reason: 'unknown_booking' });
    });

    it('ignored when the winning stay moved off those nights since: it is not cancelled for nothing', () => {
      const moved = when(overbooked(), modify({ source: 'PMS', ref: 'D1', version: 60, dates: '2027-01-05..2027-01-10' })).after;
      const { decision, after } = when(moved, keep({ cancels: 'PMS:D1' }));
      expect(decision).toMatchObject({ outcome: 'ignored', reason: 'stays_do_not_overlap' });
      expect(bookingIn(after, 'PMS', 'D1').status).toBe('CONFIRMED');
    });
  });

  it('3.3 guest language/preferences: the PMS’s language over a channel’s is kept out and logged under its own rule, naming the channel’s value as kept', () => {
    const state = given([airbnb({ guest: { name: null, email: null, phone: null, language: { value: 'pt-BR', updatedAt: 1 } } })]);
    const { decision } = when(state, guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', version: 2, guest: { language: { value: 'en', updatedAt: 9 } } }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'guest_data_kept' });
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'GUEST_DATA', keptFields: ['language'] }, rule: '3.3 guest language/preferences', summary: "AIRBNB:HM1: kept the channel's language over PMS's" }]);
  });

  describe("5.1 date change, channel: a guest's alteration request waiting on the channel is answered there by the ledger's decision", () => {
    const ask = (dates: string, version = 2) => modify({ source: 'AIRBNB', ref: 'HM1', version, dates, alterationRequest: true });
    const answers = (decision: Decision) => actionsOf(decision).filter((a) => a.kind === 'accept_alteration' || a.kind === 'decline_alteration');

    it('onto free nights: accepted on the channel; the stay keeps its nights until the channel applies the change and announces it', () => {
      const { decision, after } = when(given([airbnb()]), ask('2026-12-21..2026-12-26'));
      expect(decision).toMatchObject({ outcome: 'ignored', reason: 'alteration_to_accept' });
      expect(pushesOf(decision)).toEqual([]);
      expect(bookingIn(after, 'AIRBNB', 'HM1').dates).toEqual(nights('2026-12-20..2026-12-25'));
      expect(answers(decision)).toEqual([{ kind: 'accept_alteration', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1' }]);
      // Airbnb applies it and announces its modification (a newer revision): the stay moves then.
      const moved = when(after, modify({ source: 'AIRBNB', ref: 'HM1', version: 3, dates: '2026-12-21..2026-12-26' }));
      expect(moved.decision.outcome).toBe('applied');
      expect(bookingIn(moved.after, 'AIRBNB', 'HM1').dates).toEqual(nights('2026-12-21..2026-12-26'));
    });

    it('onto held nights: refused, declined on the channel (the guest keeps their dates), and still raised for review (5.2.2)', () => {
      const { decision, after } = when(given([airbnb(), direct({ dates: '2026-12-26..2026-12-30' })]), ask('2026-12-24..2026-12-28'));
      expect(decision).toMatchObject({ outcome: 'rejected', reason: 'nights_unavailable' });
      expect(bookingIn(after, 'AIRBNB', 'HM1').dates).toEqual(nights('2026-12-20..2026-12-25'));
      expect(answers(decision)).toEqual([{ kind: 'decline_alteration', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', reason: 'the requested nights are not available' }]);
      expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'DATE_MODIFICATION', requestedBy: 'channel' }, rule: '5.1 date change, channel' }]);
    });

    it('for dates the stay already has: accepted; for a cancelled stay: declined; a repeat or an older request: nothing more', () => {
      expect(answers(when(given([airbnb()]), ask('2026-12-20..2026-12-25')).decision)).toMatchObject([{ kind: 'accept_alteration' }]);
      const cancelled = given([airbnb(), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CANCELLED' })]);
      expect(answers(when(cancelled, ask('2026-12-21..2026-12-26', 3)).decision)).toMatchObject([{ kind: 'decline_alteration', reason: 'the reservation is cancelled' }]);
      const newer = given([airbnb(), guest({ source: 'AIRBNB', ref: 'HM1', version: 4, guest: { name: { value: 'A', updatedAt: 1 } } })]);
      expect(answers(when(newer, ask('2026-12-21..2026-12-26', 4)).decision)).toEqual([]);
      expect(answers(when(newer, ask('2026-12-21..2026-12-26', 3)).decision)).toEqual([]);
    });

    it("a channel's own date change (no request waiting) is answered by nothing but its acknowledgement", () => {
      const { decision } = when(given([airbnb(), direct({ dates: '2026-12-26..2026-12-30' })]), modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-24..2026-12-28' }));
      expect(actionsOf(decision).map((a) => a.kind)).toEqual(['acknowledge']);
    });
  });

  it('a guest or price update of a channel reservation is a revision of it, acknowledged too; nothing is acknowledged for the PMS’s own commands', () => {
    expect(actionsOf(when(given([]), direct()).decision)).toEqual([]);
    expect(actionsOf(when(given([airbnb()]), guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', guest: { name: { value: 'A', updatedAt: 1 } } })).decision)).toEqual([]);
    expect(actionsOf(when(given([airbnb()]), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { name: { value: 'A', updatedAt: 1 } } })).decision)).toEqual([
      { kind: 'acknowledge', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', revision: 2 },
    ]);
    expect(actionsOf(when(given([airbnb({ price: money(100_000) })]), price({ source: 'AIRBNB', ref: 'HM1', version: 3, price: money(100_000) })).decision)).toMatchObject([{ kind: 'acknowledge', revision: 3 }]);
  });

  it('a request to book still waiting on its channel is declined there, not cancelled, when the PMS cancels it or an operator keeps another guest', () => {
    const cancelled = when(given([airbnb({ status: 'PENDING' })]), status({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', status: 'CANCELLED' })).decision;
    expect(actionsOf(cancelled)).toEqual([{ kind: 'decline_request', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', reason: 'cancelled by PMS' }]);
    const overbooked = given([airbnb({ status: 'PENDING' }), create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-20..2026-12-25' })]);
    const keepBdc = { ...status({ source: 'PMS', bookingSource: 'BOOKING_COM', ref: 'BDC1', status: 'CONFIRMED', version: 50 }), actor: 'ana', keeps: { cancels: key('AIRBNB', 'HM1'), dates: nights('2026-12-20..2026-12-25') } };
    const kept = when(overbooked, keepBdc).decision;
    expect(kept.outcome).toBe('applied');
    expect(actionsOf(kept)).toEqual([{ kind: 'decline_request', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', reason: 'the operator kept the guest of BOOKING_COM:BDC1' }]);
  });
});

describe('5.1 double booking: first in the ledger wins, the second is rejected', () => {
  it('the seed race: Airbnb Dec 20-25, then Booking.com Dec 22-27 ms later: Airbnb confirmed, Booking.com rejected as a critical overbooking', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', dates: '2026-12-20..2026-12-25' })]);
    const { decision, after } = when(state, create({ source: 'BOOKING_COM', ref: 'BDC1', dates: '2026-12-22..2026-12-27' }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'nights_unavailable', event: { type: 'booking_rejected', heldBy: key('AIRBNB', 'HM1') } });
    expect(bookingIn(after, 'AIRBNB', 'HM1').status).toBe('CONFIRMED');
    expect(bookingIn(after, 'BOOKING_COM', 'BDC1').status).toBe('REJECTED');
    expect(pushesOf(decision)).toEqual([]);
    const [conflict] = conflictsOf(decision);
    expect(conflict!.facts).toEqual({ type: 'OVERBOOKING', channel: 'BOOKING_COM', losingKey: key('BOOKING_COM', 'BDC1'), winningKey: key('AIRBNB', 'HM1'), losingDates: nights('2026-12-22..2026-12-27') });
    expect(assess(conflict!.facts)).toMatchObject({ severity: 'CRITICAL', requiresReview: true, route: 'page' });
  });

  it('the winner closes its nights on every other channel, not on its own', () => {
    const { decision } = when(given([]), create({ source: 'AIRBNB', ref: 'HM1', dates: '2026-12-20..2026-12-25' }));
    expect(pushesOf(decision)).toEqual([{ dates: nights('2026-12-20..2026-12-25'), available: false, reason: 'BOOKING', exceptChannel: 'AIRBNB' }]);
  });

  it('a direct booking onto held nights is refused as a double booking: nobody was confirmed, so no review', () => {
    const { decision } = when(given([create({ source: 'VRBO', ref: 'V1' })]), create({ source: 'PMS', ref: 'D1', dates: '2026-12-24..2026-12-26' }));
    expect(decision.outcome).toBe('rejected');
    expect(conflictsOf(decision)[0]!.facts).toMatchObject({ type: 'DOUBLE_BOOKING', winningKey: key('VRBO', 'V1') });
    expect(assess(conflictsOf(decision)[0]!.facts).requiresReview).toBe(false);
  });

  it('a channel booking onto a manual block is an overbooking too', () => {
    const { decision } = when(given([block({ dates: '2026-12-01..2026-12-31' })]), create({ source: 'EXPEDIA', ref: 'E1' }));
    expect(conflictsOf(decision)[0]!.facts).toMatchObject({ type: 'OVERBOOKING', winningKey: key('PMS', 'B1') });
  });

  it('back-to-back stays share no night and are both accepted', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', dates: '2026-12-20..2026-12-25' })]);
    expect(when(state, create({ source: 'VRBO', ref: 'V1', dates: '2026-12-25..2026-12-27' })).decision.outcome).toBe('applied');
  });

  it('with several holders, the loser is named after the first by first night, then key', () => {
    const state = given([create({ source: 'VRBO', ref: 'V9', dates: '2026-12-23..2026-12-24' }), create({ source: 'AIRBNB', ref: 'A1', dates: '2026-12-21..2026-12-22' })]);
    const { decision } = when(state, create({ source: 'BOOKING_COM', ref: 'B', dates: '2026-12-20..2026-12-25' }));
    expect(decision.event).toMatchObject({ heldBy: key('AIRBNB', 'A1') });
  });

  it('cancelled and rejected bookings hold no nights', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1' }), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CANCELLED' })]);
    expect(when(state, create({ source: 'VRBO', ref: 'V1' })).decision.outcome).toBe('applied');
  });
});

describe('5.1 status (cancellation): cancelled wins from any source and is synced', () => {
  it.each([
    ['the booking channel', 'AIRBNB', 'AIRBNB', [{ kind: 'acknowledge', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', revision: 2 }]],
    ['the PMS', 'PMS', null, [{ kind: 'host_cancel', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', reason: 'cancelled by PMS' }]],
  ] as const)('cancelled by %s: nights open on the other channels; a cancellation its channel did not make is made there as the host, one it made is acknowledged', (_, source, exceptChannel, notices) => {
    const { decision, after } = when(given([airbnb()]), status({ source, bookingSource: 'AIRBNB', ref: 'HM1', version: 2, status: 'CANCELLED' }));
    expect(decision.outcome).toBe('applied');
    expect(bookingIn(after, 'AIRBNB', 'HM1').status).toBe('CANCELLED');
    expect(pushesOf(decision)).toEqual([{ dates: nights('2026-12-20..2026-12-25'), available: true, reason: 'CANCELLATION', exceptChannel }]);
    expect(actionsOf(decision)).toEqual(notices);
  });

  it('a later CONFIRMED for a cancelled booking is ignored: cancellation is final, and the mismatch is logged', () => {
    const state = given([airbnb(), status({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', status: 'CANCELLED' })]);
    const { decision, after } = when(state, status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CONFIRMED' }));
    expect(decision).toMatchObject({ outcome: 'ignored', reason: 'cancellation_is_final' });
    expect(conflictsOf(decision)[0]).toMatchObject({ facts: { type: 'STATUS_MISMATCH', incomingStatus: 'CONFIRMED' }, resolution: 'KEPT_LEDGER', rule: '5.1 status (cancellation)' });
    expect(after).toBe(state);
  });

  it('a channel that rejects its own pending request frees the nights', () => {
    const { decision } = when(given([airbnb({ status: 'PENDING' })]), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'REJECTED' }));
    expect(pushesOf(decision)).toMatchObject([{ available: true }]);
  });

  it('cancelling a booking the ledger rejected closes the loop without touching availability', () => {
    const state = given([airbnb(), create({ source: 'VRBO', ref: 'V1' })]);
    const { decision, after } = when(state, status({ source: 'VRBO', ref: 'V1', version: 2, status: 'CANCELLED' }));
    expect(pushesOf(decision)).toEqual([]);
    expect(bookingIn(after, 'VRBO', 'V1').status).toBe('CANCELLED');
  });

  it('a rejected booking cannot be confirmed back into the ledger', () => {
    const state = given([airbnb(), create({ source: 'VRBO', ref: 'V1' })]);
    expect(when(state, status({ source: 'VRBO', ref: 'V1', version: 2, status: 'CONFIRMED' })).decision).toMatchObject({ outcome: 'ignored', reason: 'booking_was_rejected' });
  });
});

describe('5.1 status (other), channel booking: the channel wins and updates the PMS', () => {
  it('the channel confirms its pending booking', () => {
    const { decision, after } = when(given([airbnb({ status: 'PENDING' })]), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CONFIRMED' }));
    expect(decision.event).toMatchObject({ type: 'booking_status_changed', status: 'CONFIRMED', previous: 'PENDING' });
    expect(bookingIn(after, 'AIRBNB', 'HM1').status).toBe('CONFIRMED');
  });

  it('the PMS cannot set another status on a channel booking: the channel status stands', () => {
    const { decision, after } = when(given([airbnb()]), status({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', status: 'PENDING' }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'status_set_by_booking_source' });
    expect(conflictsOf(decision)[0]).toMatchObject({ facts: { type: 'STATUS_MISMATCH', winner: 'AIRBNB' }, rule: '5.1 status (other), channel booking' });
    expect(bookingIn(after, 'AIRBNB', 'HM1').status).toBe('CONFIRMED');
  });

  it('the same status again is no change', () => {
    expect(when(given([airbnb()]), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: 'CONFIRMED' })).decision.reason).toBe('no_change');
  });
});

describe('5.1 status (other), direct booking: the PMS wins and is synced to channels', () => {
  it('the PMS confirms its pending direct booking', () => {
    const { decision } = when(given([direct({ status: 'PENDING' })]), status({ source: 'PMS', ref: 'D1', version: 2, status: 'CONFIRMED' }));
    expect(decision).toMatchObject({ outcome: 'applied', event: { status: 'CONFIRMED' } });
  });

  it("a channel's status for a direct booking is refused", () => {
    const { decision } = when(given([direct({ status: 'PENDING' })]), status({ source: 'VRBO', bookingSource: 'PMS', ref: 'D1', status: 'CONFIRMED' }));
    expect(conflictsOf(decision)[0]).toMatchObject({ facts: { winner: 'PMS' }, rule: '5.1 status (other), direct booking', channel: 'VRBO' });
  });
});

describe('5.1 guest email/name: the PMS keeps them', () => {
  it("a channel's different email is not taken and the conflict names the field", () => {
    const state = given([airbnb(), guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', guest: { email: { value: 'pms@example.org', updatedAt: T0 }, name: { value: 'Ana', updatedAt: T0 } } })]);
    const { decision, after } = when(state, guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { email: { value: 'new@example.org', updatedAt: T0 + 5 }, name: { value: 'Anna', updatedAt: T0 + 5 } } }));
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'GUEST_DATA', keptFields: ['name', 'email'] }, rule: '5.1 guest email/name' }]);
    expect(bookingIn(after, 'AIRBNB', 'HM1').guest.email!.value).toBe('pms@example.org');
  });

  it('a channel fills an email the PMS does not have', () => {
    const { after } = when(given([airbnb()]), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { email: { value: 'a@example.org', updatedAt: T0 } } }));
    expect(bookingIn(after, 'AIRBNB', 'HM1').guest.email).toEqual({ value: 'a@example.org', updatedAt: T0, source: 'AIRBNB' });
  });
});

describe('5.1 guest phone: the newer non-null value wins, by its own update time', () => {
  const withPmsPhone = () => given([airbnb(), guest({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', guest: { phone: { value: '+1 555 0100', updatedAt: T0 } } })]);

  it("the channel's newer phone updates the PMS", () => {
    const { after } = when(withPmsPhone(), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { phone: { value: '+1 555 0199', updatedAt: T0 + 1 } } }));
    expect(bookingIn(after, 'AIRBNB', 'HM1').guest.phone!.value).toBe('+1 555 0199');
  });

  it("the channel's older phone loses, whatever the age of the guest record", () => {
    const { decision, after } = when(withPmsPhone(), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { phone: { value: '+1 555 0199', updatedAt: T0 - 1 } } }));
    expect(conflictsOf(decision)).toMatchObject([{ rule: '5.1 guest phone', resolution: 'KEPT_LEDGER' }]);
    expect(bookingIn(after, 'AIRBNB', 'HM1').guest.phone!.value).toBe('+1 555 0100');
  });

  it('a null phone never erases one', () => {
    const { decision } = when(withPmsPhone(), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { phone: null } }));
    expect(decision).toMatchObject({ outcome: 'ignored', reason: 'no_change' });
  });

  it('some fields taken and some kept is a merge, logged', () => {
    const { decision } = when(withPmsPhone(), guest({ source: 'AIRBNB', ref: 'HM1', version: 2, guest: { phone: { value: '+1', updatedAt: T0 - 1 }, email: { value: 'x@example.org', updatedAt: T0 } } }));
    expect(decision.outcome).toBe('applied');
    expect(conflictsOf(decision)).toMatchObject([{ resolution: 'MERGED' }]);
  });
});

describe('5.1 price (new booking): the channel price is accepted and a difference logged', () => {
  it.each([
    [100_500, null],
    [101_000, null],
    [101_001, 'PRICE_DISCREPANCY'],
    [94_000, 'PRICE_DISCREPANCY'],
  ] as const)('channel %i vs PMS quote 100000: %s', (amount, conflict) => {
    const { decision, after } = when(given([]), airbnb({ price: money(amount), pmsQuote: money(100_000) }));
    expect(decision.outcome).toBe('applied');
    expect(bookingIn(after, 'AIRBNB', 'HM1').price).toEqual(money(amount));
    expect(conflictsOf(decision).map((c) => c.facts.type)).toEqual(conflict ? [conflict] : []);
  });

  it('up to 5% on a new booking is logged only; more than 5% on a confirmed one is still accepted but goes to review (5.2.1)', () => {
    const small = when(given([]), airbnb({ price: money(104_000), pmsQuote: money(100_000) })).decision;
    expect(assess(conflictsOf(small)[0]!.facts)).toMatchObject({ requiresReview: false, severity: 'MEDIUM' });
    const large = when(given([]), airbnb({ price: money(120_000), pmsQuote: money(100_000) })).decision;
    expect(large.outcome).toBe('applied');
    expect(conflictsOf(large)[0]!.resolution).toBe('ACCEPTED_INCOMING');
    expect(assess(conflictsOf(large)[0]!.facts)).toMatchObject({ requiresReview: true, severity: 'HIGH' });
  });

  it('a direct booking is priced by the PMS: nothing to compare', () => {
    expect(conflictsOf(when(given([]), direct({ price: money(1), pmsQuote: money(100_000) })).decision)).toEqual([]);
  });

  it('without a PMS quote (no stored rates for its plan and nights) nothing is compared', () => {
    const { decision } = when(given([]), airbnb({ price: money(150_000), pmsQuote: null, propertyCurrency: 'EUR' as CurrencyCode }));
    expect(decision.outcome).toBe('applied');
    expect(conflictsOf(decision)).toEqual([]);
  });

  it('the summary names the PMS quote it was compared with', () => {
    expect(conflictsOf(when(given([]), airbnb({ price: money(103_000), pmsQuote: money(100_000) })).decision)[0]!.summary).toBe('AIRBNB:HM1: channel price EUR 1030.00 vs PMS quote EUR 1000.00 (3.00%)');
  });
});

describe("5.1 price (existing): a channel's modification with a new total is compared with the PMS quote for its new dates", () => {
  // Ingest sends one revision of the channel's reservation as a date change, then a price report, both at its version.
  const modification = (version: number, dates: string, total: number, quote: number | null) => [
    modify({ source: 'AIRBNB', ref: 'HM1', version, dates }),
    price({ source: 'AIRBNB', ref: 'HM1', version, price: money(total), pmsQuote: quote === null ? null : money(quote) }),
  ];
  const decideAll = (commands: readonly Command[], state = given([airbnb({ price: money(100_000) })])) =>
    commands.reduce<{ state: typeof state; decisions: Decision[] }>(
      (acc, command) => {
        const { decision, after } = when(acc.state, command);
        return { state: after, decisions: [...acc.decisions, decision] };
      },
      { state, decisions: [] },
    );

  it('within 1% of the quote: the stay moves and the ledger takes the new total, nothing raised', () => {
    const { state, decisions } = decideAll(modification(2, '2026-12-20..2026-12-27', 140_900, 140_000));
    expect(decisions.map((d) => [d.outcome, d.event.type])).toEqual([['applied', 'booking_dates_changed'], ['applied', 'booking_price_changed']]);
    expect(decisions.flatMap(conflictsOf)).toEqual([]);
    expect(bookingIn(state, 'AIRBNB', 'HM1')).toMatchObject({ dates: nights('2026-12-20..2026-12-27'), price: money(140_900) });
  });

  it.each([
    ['2% off the quote', 142_800, 'MEDIUM', 72 * 60],
    ['6% off the quote, on a confirmed booking (5.2.1)', 148_400, 'HIGH', 24 * 60],
  ] as const)('%s: flagged for review, the ledger keeps its price', (_, total, severity, slaMinutes) => {
    const { state, decisions } = decideAll(modification(2, '2026-12-20..2026-12-27', total, 140_000));
    expect(decisions[1]).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    const conflict = conflictsOf(decisions[1]!)[0]!;
    expect(conflict).toMatchObject({ facts: { type: 'PRICE_DISCREPANCY', newBooking: false, bookingStatus: 'CONFIRMED' }, resolution: 'FLAGGED_FOR_REVIEW', rule: '5.1 price (existing)' });
    expect(conflict.summary).toContain('vs PMS quote EUR 1400.00');
    expect(assess(conflict.facts)).toMatchObject({ requiresReview: true, severity, slaMinutes });
    expect(bookingIn(state, 'AIRBNB', 'HM1')).toMatchObject({ dates: nights('2026-12-20..2026-12-27'), price: money(100_000) });
  });

  it("the quote is the reference, not the ledger's price for the old dates: a total far from the old price but matching the quote is no conflict", () => {
    const { decisions } = decideAll(modification(2, '2026-12-20..2026-12-30', 200_000, 200_000));
    expect(decisions[1]).toMatchObject({ outcome: 'applied' });
    expect(decisions.flatMap(conflictsOf)).toEqual([]);
  });

  it('a total equal to the ledger\'s within the quote is no change; without a quote the ledger\'s price is the reference, as before', () => {
    expect(decideAll(modification(2, '2026-12-20..2026-12-25', 100_000, 100_500)).decisions[1]).toMatchObject({ outcome: 'ignored', reason: 'no_change' });
    const withoutQuote = decideAll(modification(2, '2026-12-20..2026-12-27', 140_000, null)).decisions[1]!;
    expect(withoutQuote).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    expect(conflictsOf(withoutQuote)[0]!.summary).toContain('vs ledger price EUR 1000.00');
  });

  it('the same dates (only the total changed): the date change is no change, the price is decided', () => {
    const { decisions } = decideAll(modification(2, '2026-12-20..2026-12-25', 106_000, 100_000));
    expect(decisions.map((d) => [d.outcome, d.reason])).toEqual([['ignored', 'no_change'], ['rejected', 'price_flagged_for_review']]);
  });

  it('a date change refused (nights held) still has its total compared: the channel holds that price', () => {
    const state = given([airbnb({ price: money(100_000) }), direct({ dates: '2026-12-26..2026-12-30' })]);
    const { decisions } = decideAll(modification(2, '2026-12-20..2026-12-28', 170_000, 160_000), state);
    expect(decisions.map((d) => d.reason)).toEqual(['nights_unavailable', 'price_flagged_for_review']);
  });

  it("a booking without a price is compared with the quote: beyond 1% flagged, within it takes the total", () => {
    const unpriced = given([airbnb()]);
    expect(when(unpriced, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(108_000), pmsQuote: money(100_000) })).decision).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    const taken = when(unpriced, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(100_500), pmsQuote: money(100_000) }));
    expect(taken.decision.outcome).toBe('applied');
    expect(bookingIn(taken.after, 'AIRBNB', 'HM1').price).toEqual(money(100_500));
  });

  it("the operator's accepted price (a PMS report with its actor) is applied whatever the quote", () => {
    const report = { ...price({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', version: 2, price: money(90_000), pmsQuote: money(140_000) }), actor: 'ana@villas.example' };
    expect(when(given([airbnb({ price: money(100_000) })]), report).decision).toMatchObject({ outcome: 'applied', event: { type: 'booking_price_changed' } });
  });

  it('the price report is decided once: again at its version it is a duplicate, an older one is stale', () => {
    const { state } = decideAll(modification(2, '2026-12-20..2026-12-27', 148_400, 140_000));
    expect(when(state, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(148_400), pmsQuote: money(140_000) })).decision.reason).toBe('duplicate_command');
    expect(when(state, price({ source: 'AIRBNB', ref: 'HM1', version: 1, price: money(148_400), pmsQuote: money(140_000) })).decision.reason).toBe('stale_version');
    const taken = decideAll(modification(2, '2026-12-20..2026-12-27', 140_000, 140_000)).state;
    expect(when(taken, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(150_000), pmsQuote: money(140_000) })).decision.reason).toBe('duplicate_command');
    expect(when(given([airbnb({ price: money(100_000) })]), price({ source: 'AIRBNB', ref: 'HM1', version: 1, price: money(150_000) })).decision.reason).toBe('duplicate_command');
  });

  it('a booking stored before price versions were kept: a price report at the version of its last change is decided', () => {
    const state = given([airbnb({ price: money(100_000) }), modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-20..2026-12-27' })]);
    const stays = new Map(state.stays);
    const { priceVersions: _, ...old } = bookingIn(state, 'AIRBNB', 'HM1');
    stays.set(key('AIRBNB', 'HM1'), old);
    expect(when({ ...state, stays }, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(140_000), pmsQuote: money(140_000) })).decision.outcome).toBe('applied');
  });
});

describe('5.1 price (existing): any difference beyond 1% is flagged for review, the ledger keeps its price', () => {
  it.each([
    ['AIRBNB', 'the channel'],
    ['PMS', 'the PMS'],
  ] as const)('reported by %s (%s)', (source, _who) => {
    const state = given([airbnb({ price: money(100_000) })]);
    const { decision, after } = when(state, price({ source, bookingSource: 'AIRBNB', ref: 'HM1', version: 2, price: money(90_000) }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: true });
    expect(bookingIn(after, 'AIRBNB', 'HM1').price).toEqual(money(100_000));
  });

  it('within 1% is no change', () => {
    expect(when(given([airbnb({ price: money(100_000) })]), price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(100_900) })).decision.reason).toBe('no_change');
  });

  it("the manual review accepts the price: the operator's PMS report (with its actor) is applied without a new flag", () => {
    const state = given([airbnb({ price: money(100_000) })]);
    const { decision, after } = when(state, { ...price({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', version: 2, price: money(90_000) }), actor: 'ana@villas.example' });
    expect(decision).toMatchObject({ outcome: 'applied', effects: [] });
    expect(bookingIn(after, 'AIRBNB', 'HM1').price).toEqual(money(90_000));
  });

  it("a direct booking's price is the PMS's to change", () => {
    const { decision, after } = when(given([direct({ price: money(50_000) })]), price({ source: 'PMS', ref: 'D1', version: 2, price: money(55_000) }));
    expect(decision.outcome).toBe('applied');
    expect(bookingIn(after, 'PMS', 'D1').price).toEqual(money(55_000));
  });

  it('a booking without a price takes the first one reported', () => {
    expect(when(given([airbnb()]), price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(1) })).decision.outcome).toBe('applied');
  });
});

describe('5.1 date change, channel: accepted if the new nights are free (not counting itself), else rejected for review', () => {
  it('moving onto nights it already holds plus free ones is accepted; only the difference is pushed', () => {
    const { decision, after } = when(given([airbnb()]), modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-22..2026-12-27' }));
    expect(pushesOf(decision)).toEqual([
      { dates: nights('2026-12-25..2026-12-27'), available: false, reason: 'DATE_CHANGE', exceptChannel: 'AIRBNB' },
      { dates: nights('2026-12-20..2026-12-22'), available: true, reason: 'DATE_CHANGE', exceptChannel: 'AIRBNB' },
    ]);
    expect(bookingIn(after, 'AIRBNB', 'HM1').dates).toEqual(nights('2026-12-22..2026-12-27'));
  });

  it('onto held nights it is rejected, the booking keeps its dates, and a human must look (5.2)', () => {
    const state = given([airbnb(), block({ dates: '2026-12-27..2026-12-29' })]);
    const { decision, after } = when(state, modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-26..2026-12-28' }));
    expect(conflictsOf(decision)[0]!.facts).toMatchObject({ type: 'DATE_MODIFICATION', requestedBy: 'channel', heldBy: [key('PMS', 'B1')] });
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: true, severity: 'HIGH' });
    expect(bookingIn(after, 'AIRBNB', 'HM1').dates).toEqual(nights('2026-12-20..2026-12-25'));
  });

  it("another channel cannot move this channel's booking", () => {
    expect(when(given([airbnb()]), modify({ source: 'VRBO', bookingSource: 'AIRBNB', ref: 'HM1', dates: '2026-12-21..2026-12-26' })).decision.reason).toBe('not_booking_source');
  });

  it.each([
    ['cancelled', 'CANCELLED', 'cancellation_is_final'],
  ] as const)('a %s booking does not move', (_, s, reason) => {
    const state = given([airbnb(), status({ source: 'AIRBNB', ref: 'HM1', version: 2, status: s })]);
    expect(when(state, modify({ source: 'AIRBNB', ref: 'HM1', version: 3, dates: '2026-12-01..2026-12-03' })).decision.reason).toBe(reason);
  });

  it('a rejected booking does not move', () => {
    const state = given([airbnb(), create({ source: 'VRBO', ref: 'V1' })]);
    expect(when(state, modify({ source: 'VRBO', ref: 'V1', version: 2, dates: '2026-12-01..2026-12-03' })).decision.reason).toBe('booking_was_rejected');
  });

  it('the same dates are no change', () => {
    expect(when(given([airbnb()]), modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-20..2026-12-25' })).decision.reason).toBe('no_change');
  });
});

describe("5.1 date change, PMS: the PMS wins over the channel's dates and is synced to every channel", () => {
  it("moves an Airbnb booking, pushes to all channels and changes its dates on Airbnb", () => {
    const { decision } = when(given([airbnb()]), modify({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', dates: '2026-12-18..2026-12-23' }));
    expect(pushesOf(decision).every((p) => p.exceptChannel === null)).toBe(true);
    expect(actionsOf(decision)).toEqual([{ kind: 'change_dates', channel: 'AIRBNB', key: key('AIRBNB', 'HM1'), ref: 'HM1', dates: nights('2026-12-18..2026-12-23') }]);
  });

  it('but never onto held nights: refused at once, no review (the PMS user sees the refusal)', () => {
    const state = given([airbnb(), create({ source: 'VRBO', ref: 'V1', dates: '2026-12-26..2026-12-28' })]);
    const { decision } = when(state, modify({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', dates: '2026-12-20..2026-12-27' }));
    expect(conflictsOf(decision)[0]).toMatchObject({ rule: '5.1 date change, PMS' });
    expect(assess(conflictsOf(decision)[0]!.facts).requiresReview).toBe(false);
  });
});

describe('5.1 availability: the ledger (PMS) wins and is pushed to the channel', () => {
  it("a channel's calendar that differs is corrected to the ledger's", () => {
    const state = given([airbnb({ dates: '2026-12-20..2026-12-22' })]);
    const calendar = new Map([
      ['2026-12-20', { available: true }],
      ['2026-12-22', { available: false }],
    ] as const);
    const report = detectDrift({ state, channel: 'VRBO', from: nights('2026-12-20..2026-12-21').checkIn, days: 5, channelCalendar: calendar as never });
    expect(report.corrections).toEqual([
      { dates: nights('2026-12-20..2026-12-21'), available: false },
      { dates: nights('2026-12-22..2026-12-23'), available: true },
    ]);
    expect(report.conflicts[0]).toMatchObject({ rule: '5.1 availability', resolution: 'CORRECTED_CHANNEL' });
  });
});

