import { epochDay, NO_GUEST_DETAILS, type BookingCommand, type BookingEvent, type Conflict, type ReservationAction } from '@cm/schemas';
import { createRedis, waitFor, waitForReply, type Redis } from '@cm/service-runtime';
import { stack } from '@cm/test-harness';
import type { DecisionReply } from '../src/arbiter';
import { arbiterWorld, command, type ArbiterProcess, type ArbiterWorld } from './environment';

const d = (iso: string) => epochDay(iso);

describe('booking-arbiter on the real broker and database', () => {
  let world: ArbiterWorld;
  let arbiter: ArbiterProcess;

  beforeAll(async () => {
    world = await arbiterWorld();
    arbiter = await world.startArbiter('arbiter-1');
  });
  afterAll(async () => {
    await arbiter?.child.kill('SIGTERM');
    await arbiter?.exited();
    await world?.close();
  });

  const decided = (ids: string[]) =>
    waitFor('decisions', async () => {
      const rows = await world.db('processed_commands').whereIn('command_id', ids);
      return rows.length === ids.length ? rows : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });

  it('the seed race: Airbnb Dec 20-25 and Booking.com Dec 22-27 within milliseconds: one confirmed, one rejected, an overbooking raised', async () => {
    const airbnb = command({ property_id: 'race-1', source: 'AIRBNB', booking_ref: 'HM1', check_in: d('2026-12-20'), check_out: d('2026-12-25') });
    const bookingCom = command({ property_id: 'race-1', source: 'BOOKING_COM', booking_ref: 'BDC1', check_in: d('2026-12-22'), check_out: d('2026-12-27') });
    await world.send([airbnb, bookingCom]);
    const rows = await decided([airbnb.command_id, bookingCom.command_id]);
    expect(Object.fromEntries(rows.map((r) => [r.command_id, r.outcome]))).toEqual({ [airbnb.command_id]: 'applied', [bookingCom.command_id]: 'rejected' });

    const stays = await world.db('stays').where({ property_id: 'race-1' }).orderBy('stay_key').select('stay_key', 'status');
    expect(stays).toEqual([
      { stay_key: 'AIRBNB:HM1', status: 'CONFIRMED' },
      { stay_key: 'BOOKING_COM:BDC1', status: 'REJECTED' },
    ]);
    const conflicts = await world.read<Conflict>(world.topics.conflicts, (r) => r.some((c) => c.property_id === 'race-1'));
    expect(conflicts.find((c) => c.property_id === 'race-1')).toMatchObject({
      conflict_type: 'OVERBOOKING',
      severity: 'CRITICAL',
      requires_review: true,
      channel: 'BOOKING_COM',
      rule: '5.1 double booking',
      event_id: `${bookingCom.command_id}:conflict:0`,
    });
    // Both channels' reservations are acknowledged on their channels, through the outbox, as tagged variants.
    const actions = await world.read<ReservationAction>(world.topics.reservationActions, (r) => r.filter((a) => a.property_id === 'race-1').length >= 2);
    expect(actions.filter((a) => a.property_id === 'race-1').map((a) => [a.event_id, a.channel, a.booking_ref, a.action])).toEqual([
      [`${airbnb.command_id}:action:0`, 'AIRBNB', 'HM1', { kind: 'ACKNOWLEDGE', revision: 1 }],
      [`${bookingCom.command_id}:action:0`, 'BOOKING_COM', 'BDC1', { kind: 'ACKNOWLEDGE', revision: 1 }],
    ]);
    const events = await world.read<BookingEvent>(world.topics.bookingEvents, (r) => r.filter((e) => e.property_id === 'race-1').length >= 2);
    expect(events.filter((e) => e.property_id === 'race-1').map((e) => [e.event_type, e.booking_ref, e.version])).toEqual([
      ['BOOKING_ACCEPTED', 'HM1', 1],
      ['BOOKING_REJECTED', 'BDC1', 2],
    ]);
    const audit = await world.db('audit_log').where({ property_id: 'race-1' }).orderBy('id').select('action', 'rule', 'conflict_type', 'command_id');
    expect(audit).toEqual([
      { action: 'booking_accepted', rule: null, conflict_type: null, command_id: airbnb.command_id },
      { action: 'booking_rejected', rule: null, conflict_type: null, command_id: bookingCom.command_id },
      { action: 'conflict_resolved', rule: '5.1 double booking', conflict_type: 'OVERBOOKING', command_id: bookingCom.command_id },
    ]);
    expect(await arbiter.metrics()).toMatch(/channel_conflicts_total\{conflict_type="OVERBOOKING",channel_type="booking_com",service="booking-arbiter"\} 1/);
  });

  type Row = [string, BookingCommand[], string, string];
  const p = (n: string) => `row-${n}`;
  const rows: Row[] = [
    ['Status (cancellation) | any | cancelled, synced', [command({ property_id: p('2'), source: 'AIRBNB', booking_ref: 'A' }), command({ property_id: p('2'), source: 'PMS', booking_source: 'AIRBNB', booking_ref: 'A', command_type: 'CHANGE_STATUS', status: 'CANCELLED' })], 'BOOKING_STATUS_CHANGED', 'CANCELLED'],
    ['Status (other) | channel booking | channel wins', [command({ property_id: p('3'), source: 'VRBO', booking_ref: 'V', status: 'PENDING' }), command({ property_id: p('3'), source: 'VRBO', booking_ref: 'V', source_version: 2, command_type: 'CHANGE_STATUS', status: 'CONFIRMED' })], 'BOOKING_STATUS_CHANGED', 'CONFIRMED'],
    ['Status (other) | direct booking | PMS wins', [command({ property_id: p('4'), source: 'PMS', booking_ref: 'D', status: 'PENDING' }), command({ property_id: p('4'), source: 'EXPEDIA', booking_source: 'PMS', booking_ref: 'D', command_type: 'CHANGE_STATUS', status: 'CONFIRMED' })], 'COMMAND_REJECTED', 'PENDING'],
    ['Guest email/name | any | PMS keeps', [command({ property_id: p('5'), source: 'AIRBNB', booking_ref: 'G', guest: { ...NO_GUEST_DETAILS, name: 'Ana', name_updated_at: 1, email: 'pms@x.org', email_updated_at: 1, phone: null, phone_updated_at: null } }), command({ property_id: p('5'), source: 'PMS', booking_source: 'AIRBNB', booking_ref: 'G', command_type: 'UPDATE_GUEST', guest: { ...NO_GUEST_DETAILS, name: null, name_updated_at: null, email: 'host@x.org', email_updated_at: 2, phone: null, phone_updated_at: null } }), command({ property_id: p('5'), source: 'AIRBNB', booking_ref: 'G', source_version: 2, command_type: 'UPDATE_GUEST', guest: { ...NO_GUEST_DETAILS, name: null, name_updated_at: null, email: 'chan@x.org', email_updated_at: 3, phone: null, phone_updated_at: null } })], 'COMMAND_REJECTED', 'CONFIRMED'],
    ['Guest phone | channel newer | channel', [command({ property_id: p('6'), source: 'AIRBNB', booking_ref: 'G' }), command({ property_id: p('6'), source: 'AIRBNB', booking_ref: 'G', source_version: 2, command_type: 'UPDATE_GUEST', guest: { ...NO_GUEST_DETAILS, name: null, name_updated_at: null, email: null, email_updated_at: null, phone: '+1 555', phone_updated_at: 5 } })], 'GUEST_UPDATED', 'CONFIRMED'],
    ['Price (new booking) | channel | accept and log', [command({ property_id: p('7'), source: 'BOOKING_COM', booking_ref: 'P', price: { amount_minor: 110_000, currency: 'EUR' }, pms_quote: { amount_minor: 100_000, currency: 'EUR' } })], 'BOOKING_ACCEPTED', 'CONFIRMED'],
    ['Price (existing) | any | flag for review', [command({ property_id: p('8'), source: 'BOOKING_COM', booking_ref: 'P', price: { amount_minor: 100_000, currency: 'EUR' } }), command({ property_id: p('8'), source: 'BOOKING_COM', booking_ref: 'P', source_version: 2, command_type: 'REPORT_PRICE', price: { amount_minor: 120_000, currency: 'EUR' } })], 'COMMAND_REJECTED', 'CONFIRMED'],
    ['Date change | channel | accept if available', [command({ property_id: p('9'), source: 'AIRBNB', booking_ref: 'M' }), command({ property_id: p('9'), source: 'AIRBNB', booking_ref: 'M', source_version: 2, command_type: 'MODIFY_DATES', check_in: d('2027-01-01'), check_out: d('2027-01-04') })], 'BOOKING_DATES_CHANGED', 'CONFIRMED'],
    ['Date change | channel | reject if unavailable', [command({ property_id: p('10'), source: 'AIRBNB', booking_ref: 'M' }), command({ property_id: p('10'), source: 'PMS', booking_ref: 'B', command_type: 'BLOCK_NIGHTS', check_in: d('2027-02-01'), check_out: d('2027-02-05') }), command({ property_id: p('10'), source: 'AIRBNB', booking_ref: 'M', source_version: 2, command_type: 'MODIFY_DATES', check_in: d('2027-02-03'), check_out: d('2027-02-06') })], 'COMMAND_REJECTED', 'CONFIRMED'],
    ['Date change | PMS | PMS, synced', [command({ property_id: p('11'), source: 'VRBO', booking_ref: 'M' }), command({ property_id: p('11'), source: 'PMS', booking_source: 'VRBO', booking_ref: 'M', command_type: 'MODIFY_DATES', check_in: d('2027-03-01'), check_out: d('2027-03-02') })], 'BOOKING_DATES_CHANGED', 'CONFIRMED'],
  ];

  it.each(rows)('5.1 end to end: %s', async (_, commands, lastEvent, finalStatus) => {
    await world.send(commands);
    const last = commands[commands.length - 1]!;
    await decided(commands.map((c) => c.command_id));
    const events = await world.read<BookingEvent>(world.topics.bookingEvents, (r) => r.some((e) => e.command_id === last.command_id));
    const event = events.find((e) => e.command_id === last.command_id)!;
    expect(event).toMatchObject({ event_type: lastEvent, event_id: `${last.command_id}:event` });
    const stay = await world.db('stays').where({ property_id: last.property_id, stay_key: `${last.booking_source ?? last.source}:${last.booking_ref}` }).first();
    expect(stay.status).toBe(finalStatus);
    const audit = await world.db('audit_log').where({ command_id: last.command_id });
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('a direct booking waiting for its answer gets it through Redis, within the deadline', async () => {
    const subscriber: Redis = createRedis(stack.REDIS_URL);
    const reader: Redis = createRedis(stack.REDIS_URL);
    await Promise.all([subscriber.connect(), reader.connect()]);
    try {
      const first = command({ property_id: 'reply-1', source: 'PMS', booking_ref: 'D1', reply_requested: true });
      const second = command({ property_id: 'reply-1', source: 'PMS', booking_ref: 'D2', reply_requested: true });
      const waiting = waitForReply<DecisionReply>(subscriber, reader, first.command_id, 10_000);
      await world.send([first]);
      expect(await waiting).toMatchObject({ outcome: 'applied', bookingRef: 'D1', version: 1 });
      await world.send([second]);
      expect(await waitForReply<DecisionReply>(subscriber, reader, second.command_id, 10_000)).toMatchObject({ outcome: 'rejected', reason: 'nights_unavailable', heldBy: 'PMS:D1' });
      expect(await waitForReply(subscriber, reader, 'never-sent', 200)).toBeUndefined();
    } finally {
      subscriber.disconnect();
      reader.disconnect();
    }
  });

  it('a record that is not a decidable command is dead-lettered with the reason, once, and the partition moves on', async () => {
    const bad = command({ property_id: 'bad-1', check_in: d('2026-12-25'), check_out: d('2026-12-20') });
    const unstorable = command({ property_id: 'bad-1', booking_ref: 'nul\u0000ref' });
    const good = command({ property_id: 'bad-1', booking_ref: 'fine' });
    await world.send([bad, bad, unstorable, good]);
    await decided([bad.command_id, unstorable.command_id, good.command_id]);
    expect(await world.db('processed_commands').where({ command_id: good.command_id }).first('outcome')).toEqual({ outcome: 'applied' });
    expect(await world.db('processed_commands').where({ command_id: unstorable.command_id }).first('outcome')).toEqual({ outcome: 'dead_lettered' });
    const letters = await world.read<{ reason: string; detail: string; source_topic: string }>(world.topics.channelDlq, (r) => r.length >= 2);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({ reason: 'VALIDATION_FAILED', source_topic: world.topics.bookingCommands });
    expect(letters[0]!.detail).toContain('check_out_not_after_check_in');
    expect(letters[1]!.detail).toContain('booking_ref: contains a NUL character');
    expect(await world.db('processed_commands').where({ command_id: bad.command_id }).first('outcome')).toEqual({ outcome: 'dead_lettered' });
  });
});
