import { NO_GUEST_DETAILS, type BookingCommand, type ChannelInboundEvent, type DeadLetter } from '@cm/schemas';
import { waitFor, type OutgoingRecord } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

const day = (iso: string) => Date.parse(iso) / 86_400_000;

/** channel.inbound records from connectors, through a real ingest, to commands or dead letters. */
describe('ingest: channel.inbound', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest();
  });
  afterAll(async () => world?.close());

  const event = (overrides: Partial<ChannelInboundEvent> = {}): ChannelInboundEvent => ({
    event_id: uniqueName('ci'),
    channel: 'AIRBNB',
    listing_id: world.tenants[0].connections.AIRBNB.listingId,
    external_event_id: uniqueName('ext'),
    event_type: 'RESERVATION_CREATED',
    external_reservation_id: uniqueName('HM'),
    source_version: 3,
    reservation_status: 'CONFIRMED',
    check_in: day('2027-04-01'),
    check_out: day('2027-04-04'),
    total_price: { amount_minor: 45_000, currency: 'EUR' },
    rate_plan: 'STD',
    guest: null,
    nights: [],
    dispute_reason: null,
    occurred_at: Date.now(),
    correlation_id: uniqueName('corr'),
    guest_count: null,
    alteration_request: false,
    ...overrides,
  });

  it('every event type of a mapped listing becomes its command, keyed by property', async () => {
    const ref = uniqueName('HM');
    const guest = { ...NO_GUEST_DETAILS, name: 'Ola', name_updated_at: 5, email: null, email_updated_at: null, phone: null, phone_updated_at: null };
    const events = [
      event({ external_reservation_id: ref }),
      event({ external_reservation_id: ref, event_type: 'RESERVATION_MODIFIED', check_in: day('2027-04-02'), check_out: day('2027-04-05'), source_version: 4 }),
      event({ external_reservation_id: ref, event_type: 'GUEST_UPDATED', guest, source_version: 5 }),
      event({ external_reservation_id: ref, event_type: 'PRICE_REPORTED', total_price: { amount_minor: 47_000, currency: 'EUR' }, source_version: 6 }),
      event({ external_reservation_id: ref, event_type: 'GUEST_DISPUTE_FLAGGED', dispute_reason: 'chargeback', source_version: 7 }),
      event({ external_reservation_id: ref, event_type: 'RESERVATION_STATUS_CHANGED', reservation_status: 'PENDING', source_version: 8 }),
      event({ external_reservation_id: ref, event_type: 'RESERVATION_CANCELLED', source_version: 9 }),
    ];
    await world.sendInbound(await Promise.all(events.map(async (e) => ({ key: e.listing_id, value: await world.encodeInbound(e) }))));
    // The modification carries a total: it is also a price report, one command more.
    const records = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.filter((r) => r.value.booking_ref === ref).length === events.length + 1);
    const commands = records.filter((r) => r.value.booking_ref === ref);
    expect(commands.every((r) => r.record.key?.toString() === world.tenants[0].propertyId)).toBe(true);
    expect(commands.map((r) => [r.value.command.kind, 'status' in r.value.command ? r.value.command.status : null, r.value.source_version])).toEqual([
      ['CREATE_BOOKING', 'CONFIRMED', 3],
      ['MODIFY_DATES', null, 4],
      ['REPORT_PRICE', null, 4],
      ['UPDATE_GUEST', null, 5],
      ['REPORT_PRICE', null, 6],
      ['FLAG_DISPUTE', null, 7],
      ['CHANGE_STATUS', 'PENDING', 8],
      ['CHANGE_STATUS', 'CANCELLED', 9],
    ]);
    expect(commands[1]!.value.command).toMatchObject({ check_in: day('2027-04-02'), check_out: day('2027-04-05') });
    expect(commands[2]!.value.command).toMatchObject({ price: { amount_minor: 45_000, currency: 'EUR' }, pms_quote: null });
    expect(commands[3]!.value.command).toMatchObject({ guest });
    expect(commands[4]!.value.command).toMatchObject({ price: { amount_minor: 47_000, currency: 'EUR' } });
    expect(commands[5]!.value.command).toMatchObject({ reason: 'chargeback' });
    const connectionId = world.tenants[0].connections.AIRBNB.connectionId;
    const ids = events.map((e) => `AIRBNB:${connectionId}:${e.external_event_id}`);
    expect(commands.map((c) => c.value.command_id)).toEqual([ids[0], ids[1], `AIRBNB+price:${connectionId}:${events[1]!.external_event_id}`, ...ids.slice(2)]);
  });

  it('a mixed stream: every record in is a command, a dead letter, a calendar report or a counted duplicate', async () => {
    const guest = (name: string) => ({ ...NO_GUEST_DETAILS, name, name_updated_at: null, email: null, email_updated_at: null, phone: null, phone_updated_at: null });
    // A U+FFFD its writer really sent is text like any other; only bytes that are not UTF-8 are refused.
    const good = Array.from({ length: 40 }, (_, i) => event(i === 1 ? { guest: guest('Zo\uFFFD') } : {}));
    const duplicate = good[0]!;
    // 'Zoë' written, then its 'ë' (C3 AB) overwritten with two bytes that are no UTF-8: a foreign writer's bug.
    const notUtf8 = await world.encodeInbound(event({ guest: guest('Zoë') }));
    notUtf8.set([0xff, 0xfe], notUtf8.indexOf(Buffer.from('ë')));
    const bad: { event: ChannelInboundEvent | null; raw?: Buffer; reason: DeadLetter['reason'] }[] = [
      { event: event({ listing_id: 'nobody-knows-me' }), reason: 'UNKNOWN_LISTING' },
      { event: event({ check_in: day('2027-04-05'), check_out: day('2027-04-01') }), reason: 'VALIDATION_FAILED' },
      { event: event({ check_in: day('2071-04-01'), check_out: day('2071-04-03') }), reason: 'VALIDATION_FAILED' },
      { event: event({ total_price: { amount_minor: -5, currency: 'EUR' } }), reason: 'VALIDATION_FAILED' },
      { event: event({ total_price: { amount_minor: 5, currency: 'DOGE' } }), reason: 'VALIDATION_FAILED' },
      { event: event({ external_reservation_id: null }), reason: 'VALIDATION_FAILED' },
      { event: event({ reservation_status: 'CANCELLED' }), reason: 'VALIDATION_FAILED' },
      { event: event({ external_event_id: 'nul\u0000inside' }), reason: 'VALIDATION_FAILED' },
      { event: event({ guest: { ...NO_GUEST_DETAILS, name: 'x'.repeat(5_000), name_updated_at: null, email: null, email_updated_at: null, phone: null, phone_updated_at: null } }), reason: 'VALIDATION_FAILED' },
      { event: event({ external_event_id: 'evt\u202Egnp.exe' }), reason: 'VALIDATION_FAILED' },
      { event: event({ external_reservation_id: 'HM\u200B1' }), reason: 'VALIDATION_FAILED' },
      { event: null, raw: notUtf8, reason: 'VALIDATION_FAILED' },
      { event: null, raw: Buffer.from('{"not":"avro"}'), reason: 'MALFORMED_RECORD' },
      { event: null, raw: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3]), reason: 'SCHEMA_MISMATCH' },
    ];
    const reports = [event({ event_type: 'AVAILABILITY_REPORTED', external_reservation_id: null, nights: [{ date: day('2027-04-01'), available: false, price: null, min_stay: null }] })];
    const headers = { 'x-connector': 'airbnb-poller-7' };
    const records: OutgoingRecord[] = [];
    for (const e of [...good, duplicate, ...reports]) records.push({ key: e.listing_id, value: await world.encodeInbound(e), headers });
    const badBytes: Buffer[] = [];
    for (const b of bad) {
      badBytes.push(b.raw ?? (await world.encodeInbound(b.event!)));
      records.push({ key: `bad-${b.reason}`, value: badBytes[badBytes.length - 1]!, headers });
    }
    await world.sendInbound(records);

    const goodIds = new Set(good.map((e) => `AIRBNB:${world.tenants[0].connections.AIRBNB.connectionId}:${e.external_event_id}`));
    const letters = await world.read<DeadLetter>(world.topics.channelDlq, (rs) => rs.filter((r) => r.value.source_topic === world.topics.channelInbound).length >= bad.length);
    const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.filter((r) => goodIds.has(r.value.command_id)).length >= good.length);
    const ours = commands.filter((r) => goodIds.has(r.value.command_id));
    const ourLetters = letters.filter((r) => r.value.source_topic === world.topics.channelInbound);
    // Nothing lost, nothing twice: 40 commands (the duplicate dropped), 14 dead letters, 1 calendar report.
    expect(ours).toHaveLength(good.length);
    expect(new Set(ours.map((r) => r.value.command_id)).size).toBe(good.length);
    expect(ourLetters.map((r) => r.value.reason).sort()).toEqual(bad.map((b) => b.reason).sort());
    const metrics = await ingest.metrics();
    expect(metrics).toMatch(/cm_ingest_events_total\{path="kafka",channel="AIRBNB",outcome="duplicate",service="ingest"\} 1\b/);
    expect(metrics).toMatch(/cm_ingest_events_total\{path="kafka",channel="AIRBNB",outcome="calendar_report",service="ingest"\} 1\b/);
    expect(good.length + 1 + reports.length + bad.length).toBe(ours.length + ourLetters.length + 1 + 1);

    // A dead letter keeps the record whole: bytes, key, headers, where it was read.
    const unknown = ourLetters.find((r) => r.value.reason === 'UNKNOWN_LISTING')!.value;
    expect(unknown.detail).toContain('nobody-knows-me');
    expect(unknown.original_key?.toString()).toBe('bad-UNKNOWN_LISTING');
    expect(unknown.original_headers['x-connector']?.toString()).toBe('airbnb-poller-7');
    expect(Buffer.from(unknown.original_value!).equals(badBytes[0]!)).toBe(true);
    expect(unknown.source_partition).toBeGreaterThanOrEqual(0);
    expect(Number(unknown.source_offset)).toBeGreaterThanOrEqual(0);
    const malformed = ourLetters.find((r) => r.value.reason === 'MALFORMED_RECORD')!.value;
    expect(Buffer.from(malformed.original_value!).toString()).toBe('{"not":"avro"}');
    const invalid = ourLetters.filter((r) => r.value.reason === 'VALIDATION_FAILED').map((r) => r.value.detail);
    expect(invalid.join('\n')).toMatch(/check_in\/check_out: check_out_not_after_check_in/);
    expect(invalid.join('\n')).toMatch(/more than 1098 days ahead/);
    expect(invalid.join('\n')).toMatch(/unknown_currency/);
    expect(invalid.join('\n')).toMatch(/external_event_id: contains a control character U\+0000/);
    expect(invalid.join('\n')).toMatch(/external_event_id: contains a bidirectional control character U\+202E/);
    expect(invalid.join('\n')).toMatch(/external_reservation_id: contains a zero-width character U\+200B/);
    expect(invalid.join('\n')).toMatch(/not well-formed UTF-8 in guest\.name/);
    expect(ours.find((r) => r.value.command_id.endsWith(good[1]!.external_event_id))!.value.command).toMatchObject({ guest: { name: 'Zo\uFFFD' } });
  });

  it('a replay of the topic from the start with a new group issues no new command ids', async () => {
    // 48 commands: 8 from the first test's 7 events (its modification is also a price report), and 40.
    const before = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.length === 48);
    const replayer = await world.startIngest({ CONSUMER_GROUP: uniqueName(`replay.${world.namespace}`) });
    // Every command-making event it reads again was taken in before: 7 + 40, and the duplicate once more.
    await waitFor('replay done', async () => /outcome="duplicate",service="ingest"\} 48\b/.test(await replayer.metrics()), { timeoutMs: 30_000, intervalMs: 200 });
    expect(await replayer.metrics()).not.toMatch(/path="kafka",channel="AIRBNB",outcome="command"/);
    expect(before).toHaveLength(48);
  });
});
