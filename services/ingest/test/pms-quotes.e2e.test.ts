import { assessConflictRecord } from '@cm/domain';
import { setListingPricing } from '@cm/directory';
import type { BookingCommand, Channel, ChannelInboundEvent, Conflict } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { uniqueName } from '@cm/test-harness';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

const day = (iso: string) => Date.parse(iso) / 86_400_000;
const EUR = (amountMinor: number) => ({ amount_minor: amountMinor, currency: 'EUR' });

interface AuditEntry {
  readonly action: string;
  readonly command_id: string;
  readonly rule: string | null;
  readonly conflict_type: string | null;
  readonly resolution: string | null;
  readonly details: Record<string, unknown> | null;
}

/**
 * Issue 20.4 on the real stack (ingest and booking-arbiter as processes, Kafka, PostgreSQL): a
 * channel's new booking, and its modification carrying a total, are compared with the PMS quote
 * ingest computes from the stored rates and the listing's pricing, so the 5.1 price rows fire on
 * live data. The PMS sells 'standard' at EUR 100.00 a night through 2027; the Booking.com listing
 * sells it as 'BAR' with a 15% markup; the Airbnb listing takes the PMS's prices and ids as they are.
 */
describe('ingest: channel prices compared with the PMS quote from the stored rates', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest();
    await world.startArbiter();
    const rates = await world.pms(ingest, 'PUT', `/v1/properties/${tenant().propertyId}/rates`, { version: 1, updates: [{ rate_plan: 'standard', from: '2027-01-01', to: '2028-01-01', price: EUR(10_000) }] });
    expect(rates.status).toBe(200);
    await setListingPricing(world.db, { channel: 'BOOKING_COM', listingId: tenant().connections.BOOKING_COM.listingId }, { currency: null, markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: { standard: 'BAR' } });
  });
  afterAll(async () => world?.close());

  const tenant = () => world.tenants[0];

  /** A signed reservation webhook; answers its reference, stay key and command ids. */
  const webhook = async (channel: Channel, type: 'reservation.created' | 'reservation.modified', reservation: Record<string, unknown>) => {
    const body = reservationCreated(tenant(), channel, { type }, { rate_plan: 'standard', ...reservation });
    const answer = await world.webhook(ingest, channel, body);
    expect(answer.status).toBe(202);
    const ref = (body.reservation as { id: string }).id;
    return { ref, eventId: body.event_id as string, stayKey: `${channel}:${ref}`, commandId: answer.body.command_id as string, priceReportId: answer.body.price_report_command_id as string | undefined };
  };
  const book = (channel: Channel, checkIn: string, checkOut: string, total: string, reservation: Record<string, unknown> = {}) =>
    webhook(channel, 'reservation.created', { check_in: checkIn, check_out: checkOut, total: { amount: total, currency: 'EUR' }, ...reservation });

  /** The ledger's audit rows of one command (its decision and the conflicts it raised), once decided. */
  const decided = (stayKey: string, commandId: string) =>
    waitFor(
      `the decision of ${commandId}`,
      async () => {
        const answer = await world.pms(ingest, 'GET', `/v1/audit?booking=${encodeURIComponent(stayKey)}`);
        const rows = (answer.body.entries as AuditEntry[]).filter((e) => e.command_id === commandId);
        return rows.some((r) => r.action !== 'conflict_resolved') ? rows : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  const conflictsIn = (rows: readonly AuditEntry[]) => rows.filter((r) => r.action === 'conflict_resolved').map((r) => ({ type: r.conflict_type, rule: r.rule, resolution: r.resolution }));
  /** The conflict record the arbiter published for a command, as escalation reads it. */
  const conflictRecord = async (commandId: string, type: Conflict['conflict_type']) => {
    const records = await world.read<Conflict>(world.topics.conflicts, (rs) => rs.some((r) => r.value.command_id === commandId && r.value.conflict_type === type), 30_000);
    return records.find((r) => r.value.command_id === commandId && r.value.conflict_type === type)!.value;
  };
  const commandOf = async (commandId: string) =>
    (await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.some((r) => r.value.command_id === commandId))).find((r) => r.value.command_id === commandId)!.value;

  it('5.1 price (new booking): a channel booking within 1% of the PMS quote raises nothing (from channel.inbound)', async () => {
    const listing = tenant().connections.AIRBNB;
    const event: ChannelInboundEvent = {
      event_id: uniqueName('ci'),
      channel: 'AIRBNB',
      listing_id: listing.listingId,
      external_event_id: uniqueName('ext'),
      event_type: 'RESERVATION_CREATED',
      external_reservation_id: uniqueName('HM'),
      source_version: 1,
      reservation_status: 'CONFIRMED',
      check_in: day('2027-02-01'),
      check_out: day('2027-02-05'),
      total_price: EUR(40_300),
      rate_plan: 'standard',
      guest: null,
      nights: [],
      dispute_reason: null,
      occurred_at: Date.now(),
      correlation_id: uniqueName('corr'),
      guest_count: null,
      alteration_request: false,
    };
    await world.sendInbound([{ key: event.listing_id, value: await world.encodeInbound(event) }]);
    const commandId = `AIRBNB:${listing.connectionId}:${event.external_event_id}`;
    expect((await commandOf(commandId)).command).toMatchObject({ kind: 'CREATE_BOOKING', price: EUR(40_300), pms_quote: EUR(40_000) });
    const rows = await decided(`AIRBNB:${event.external_reservation_id}`, commandId);
    expect(rows.map((r) => r.action)).toEqual(['booking_accepted']);
  });

  it('5.1 price (new booking): 3% off the quote is accepted and logged as a PRICE_DISCREPANCY, not reviewed', async () => {
    const booking = await book('AIRBNB', '2027-03-01', '2027-03-05', '412.00');
    const rows = await decided(booking.stayKey, booking.commandId);
    expect(rows.find((r) => r.action !== 'conflict_resolved')!.action).toBe('booking_accepted');
    expect(conflictsIn(rows)).toEqual([{ type: 'PRICE_DISCREPANCY', rule: '5.1 price (new booking)', resolution: 'ACCEPTED_INCOMING' }]);
    const record = await conflictRecord(booking.commandId, 'PRICE_DISCREPANCY');
    expect(record).toMatchObject({ severity: 'MEDIUM', requires_review: false, sla_minutes: null, booking_ref: booking.ref });
    expect(record.summary).toContain('vs PMS quote EUR 400.00 (3.00%)');
  });

  it('5.1 price (new booking): 8% off on a CONFIRMED booking is accepted, and escalation pages it as 5.2.1 (HIGH, review within 24 h)', async () => {
    const booking = await book('AIRBNB', '2027-04-01', '2027-04-05', '432.00');
    const rows = await decided(booking.stayKey, booking.commandId);
    expect(conflictsIn(rows)).toEqual([{ type: 'PRICE_DISCREPANCY', rule: '5.1 price (new booking)', resolution: 'ACCEPTED_INCOMING' }]);
    const record = await conflictRecord(booking.commandId, 'PRICE_DISCREPANCY');
    expect(record).toMatchObject({ severity: 'HIGH', requires_review: true, sla_minutes: 24 * 60 });
    // Escalation's triage assesses the record's facts with the domain's rules: a HIGH review task, by 5.2.1.
    expect(assessConflictRecord(record)).toMatchObject({
      assessedFrom: 'facts',
      assessment: { requiresReview: true, severity: 'HIGH', slaMinutes: 24 * 60, escalatedBy: '5.2.1 price difference > 5% on a confirmed booking' },
      facts: { type: 'PRICE_DISCREPANCY', differenceBp: 800, bookingStatus: 'CONFIRMED', newBooking: true },
    });
  });

  it('5.1 price (existing): a modification with a new total 2% off the quote for its new dates is one event, two commands: the stay moves, the price is flagged for review (MEDIUM, 72 h)', async () => {
    const booking = await book('AIRBNB', '2027-05-01', '2027-05-05', '400.00');
    expect(conflictsIn(await decided(booking.stayKey, booking.commandId))).toEqual([]);
    const eventsBefore = webhookCommands(await ingest.metrics());

    // Five nights now: the quote is EUR 500.00; the channel's new total is EUR 510.00.
    const modified = await webhook('AIRBNB', 'reservation.modified', { id: booking.ref, revision: 2, check_in: '2027-05-01', check_out: '2027-05-06', total: { amount: '510.00', currency: 'EUR' } });
    expect(modified.priceReportId).toBe(`AIRBNB+price:${tenant().connections.AIRBNB.connectionId}:${modified.eventId}`);
    expect((await commandOf(modified.priceReportId!)).command).toEqual({ kind: 'REPORT_PRICE', price: EUR(51_000), rate_plan: 'standard', pms_quote: EUR(50_000) });

    expect((await decided(booking.stayKey, modified.commandId)).map((r) => r.action)).toEqual(['booking_dates_changed']);
    const priceRows = await decided(booking.stayKey, modified.priceReportId!);
    expect(priceRows.find((r) => r.action !== 'conflict_resolved')).toMatchObject({ action: 'command_rejected', details: { outcome: 'rejected', reason: 'price_flagged_for_review' } });
    expect(conflictsIn(priceRows)).toEqual([{ type: 'PRICE_DISCREPANCY', rule: '5.1 price (existing)', resolution: 'FLAGGED_FOR_REVIEW' }]);
    expect(await conflictRecord(modified.priceReportId!, 'PRICE_DISCREPANCY')).toMatchObject({ severity: 'MEDIUM', requires_review: true, sla_minutes: 72 * 60 });
    const stay = await world.pms(ingest, 'GET', `/v1/properties/${tenant().propertyId}/bookings/${booking.ref}?source=AIRBNB`);
    expect(stay.body).toMatchObject({ check_in: '2027-05-01', check_out: '2027-05-06', total: EUR(40_000) });

    // One event in, one outcome out: counted once as a command, and recorded once under the date change's id.
    expect(webhookCommands(await ingest.metrics())).toBe(eventsBefore + 1);
    const seen = await waitFor('the event recorded', async () => {
      const rows = await world.db('ingest.seen_events').where({ command_id: modified.commandId });
      return rows.length > 0 ? rows : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(seen).toHaveLength(1);
  });

  it('5.1 price (existing): a modification 6% off the quote on a confirmed booking (from channel.inbound) goes to review, HIGH, within 24 h', async () => {
    const booking = await book('AIRBNB', '2027-06-01', '2027-06-05', '400.00');
    await decided(booking.stayKey, booking.commandId);
    const listing = tenant().connections.AIRBNB;
    const event: ChannelInboundEvent = {
      event_id: uniqueName('ci'),
      channel: 'AIRBNB',
      listing_id: listing.listingId,
      external_event_id: uniqueName('ext'),
      event_type: 'RESERVATION_MODIFIED',
      external_reservation_id: booking.ref,
      source_version: 2,
      reservation_status: 'CONFIRMED',
      // Five nights now (quote EUR 500.00, where the ledger's price was EUR 400.00): EUR 530.00 is 6% off the quote.
      check_in: day('2027-06-02'),
      check_out: day('2027-06-07'),
      total_price: EUR(53_000),
      rate_plan: 'standard',
      guest: null,
      nights: [],
      dispute_reason: null,
      occurred_at: Date.now(),
      correlation_id: uniqueName('corr'),
      guest_count: null,
      alteration_request: false,
    };
    await world.sendInbound([{ key: event.listing_id, value: await world.encodeInbound(event) }]);
    const priceReportId = `AIRBNB+price:${listing.connectionId}:${event.external_event_id}`;
    expect((await decided(booking.stayKey, `AIRBNB:${listing.connectionId}:${event.external_event_id}`)).map((r) => r.action)).toEqual(['booking_dates_changed']);
    expect(conflictsIn(await decided(booking.stayKey, priceReportId))).toEqual([{ type: 'PRICE_DISCREPANCY', rule: '5.1 price (existing)', resolution: 'FLAGGED_FOR_REVIEW' }]);
    const record = await conflictRecord(priceReportId, 'PRICE_DISCREPANCY');
    expect(record).toMatchObject({ severity: 'HIGH', requires_review: true, sla_minutes: 24 * 60 });
    expect(assessConflictRecord(record)).toMatchObject({
      assessment: { requiresReview: true, severity: 'HIGH', escalatedBy: '5.2.1 price difference > 5% on a confirmed booking' },
      facts: { type: 'PRICE_DISCREPANCY', differenceBp: 600, bookingStatus: 'CONFIRMED', newBooking: false },
    });
  });

  it("a listing with a 15% markup is quoted with it, from its own id of the PMS's plan: its marked-up total raises nothing", async () => {
    const booking = await book('BOOKING_COM', '2027-07-01', '2027-07-05', '460.00', { rate_plan: 'BAR' });
    expect((await commandOf(booking.commandId)).command).toMatchObject({ kind: 'CREATE_BOOKING', rate_plan: 'BAR', price: EUR(46_000), pms_quote: EUR(46_000) });
    expect(conflictsIn(await decided(booking.stayKey, booking.commandId))).toEqual([]);
  });

  it('a booking on a plan with no stored rates has no quote: nothing is compared, nothing raised', async () => {
    const booking = await book('AIRBNB', '2027-08-01', '2027-08-05', '200.00', { rate_plan: 'weekly' });
    expect((await commandOf(booking.commandId)).command).toMatchObject({ kind: 'CREATE_BOOKING', rate_plan: 'weekly', pms_quote: null });
    const rows = await decided(booking.stayKey, booking.commandId);
    expect(rows.map((r) => r.action)).toEqual(['booking_accepted']);
    expect(await ingest.metrics()).toMatch(/cm_ingest_pms_quotes_total\{result="rate_plan_without_rates",service="ingest"\} 1\b/);
  });
});

/** Webhook events of the tenant's channels that became commands, as ingest counts them. */
function webhookCommands(metrics: string): number {
  return [...metrics.matchAll(/cm_ingest_events_total\{path="webhook",channel="\w+",outcome="command",service="ingest"\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}
