import { OPEN_NIGHT } from '@cm/domain';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { requireOk, SimulatorClient, startSimulator, type RunningSimulator } from '@cm/channel-simulator';
import { closedPort, WebhookReceiver } from '@cm/test-harness';
import { adaptersFor, AriApiAdapter, ARI_RESERVATION_CAPABILITIES, IcalFeedAdapter, RESERVATION_CAPABILITIES, type OperationResult, type ReservationCapability, type ReservationOperations } from '../src';

/** Calls one operation through the adapter, with arguments that make sense for any reservation. */
function operate(adapter: ReservationOperations, capability: ReservationCapability, reservationId: string, requestId: string): Promise<OperationResult> {
  switch (capability) {
    case 'read_reservation':
      return adapter.readReservation('L1', reservationId);
    case 'acknowledge':
      return adapter.acknowledge('L1', reservationId, 1, requestId);
    case 'decide_request':
      return adapter.decideRequest('L1', reservationId, { accept: true }, requestId);
    case 'decide_alteration':
      return adapter.decideAlteration('L1', reservationId, { accept: false, reason: null }, requestId);
    case 'host_cancel':
      return adapter.hostCancel('L1', reservationId, 'maintenance', requestId);
    default: {
      const unknown: never = capability;
      throw new Error(`unknown capability ${String(unknown)}`);
    }
  }
}

describe('reservation operations through the ARI adapter, against the channel simulator', () => {
  let simulator: RunningSimulator;
  let client: SimulatorClient;
  const ingest = new WebhookReceiver();
  const adapter = (channel: Channel, timeoutMs = 5_000) => new AriApiAdapter(channel, `${simulator.url}/${channel.toLowerCase()}/api`, timeoutMs);
  const book = async (channel: Channel, request = false) =>
    requireOk(await client.createBooking(channel, 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', ...(request ? { request: true } : {}) })).reservation.id;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, ingestUrl: await ingest.start(), webhookRetry: { maxAttempts: 1 } });
    client = new SimulatorClient(simulator.url);
  });
  afterAll(async () => {
    await simulator.close();
    await ingest.stop();
  });
  beforeEach(async () => {
    requireOk(await client.reset());
    for (const channel of ChannelSymbols) requireOk(await client.registerListing(channel, 'L1', { connection_id: `c-${channel}`, secret: 's', currency: 'EUR' }));
  });

  it.each(ChannelSymbols.map((channel) => [channel]))('%s: the adapter declares what the platform offers', async (channel) => {
    expect([...adapter(channel).capabilities].sort()).toEqual([...requireOk(await client.capabilities(channel)).operations].sort());
  });

  const lacking = ChannelSymbols.flatMap((channel) => RESERVATION_CAPABILITIES.filter((c) => !ARI_RESERVATION_CAPABILITIES[channel].includes(c)).map((c) => [channel, c] as const));

  it.each(lacking)('%s: %s is unsupported, answered without calling the platform', async (channel, capability) => {
    const id = await book(channel);
    expect(await operate(adapter(channel), capability, id, 'r-1')).toEqual({
      ok: false,
      outcome: 'unsupported',
      status: null,
      retryAfterMs: null,
      error: `${channel} offers no ${capability} through its API`,
      code: 'operation_not_supported',
    });
    expect(requireOk(await client.stats(channel)).calls[capability]).toEqual({ ok: 0, duplicate: 0, lost: 0, throttled: 0, failed: 0, rejected: 0 });
  });

  it('Airbnb: accepting a request confirms it; the same request id answers the same ack; deciding again is a conflict with the state', async () => {
    const id = await book('AIRBNB', true);
    const airbnb = adapter('AIRBNB');
    const read = await airbnb.readReservation('L1', id);
    expect(read).toMatchObject({ ok: true, ack: null, reservation: { id, listingId: 'L1', state: 'pending', revision: 1, checkIn: '2026-07-10', checkOut: '2026-07-12', acknowledgement: null } });
    expect(read.ok && read.reservation.requestExpiresAt).toEqual(expect.any(String));

    const accepted = await airbnb.decideRequest('L1', id, { accept: true }, 'decide-1');
    expect(accepted).toMatchObject({ ok: true, ack: expect.stringMatching(/^op_/), reservation: { state: 'confirmed', revision: 2 } });
    expect(await airbnb.decideRequest('L1', id, { accept: true }, 'decide-1')).toEqual(accepted);

    const again = await airbnb.decideRequest('L1', id, { accept: false, reason: 'changed my mind' }, 'decide-2');
    expect(again).toMatchObject({ ok: false, outcome: 'conflict', status: 409, code: 'not_pending', state: 'confirmed', reservation: { id, state: 'confirmed' } });
  });

  it('Airbnb: an alteration accepted moves the stay; a host cancellation carries its reason and cannot happen twice', async () => {
    const id = await book('AIRBNB');
    const airbnb = adapter('AIRBNB');
    requireOk(await client.requestAlteration('AIRBNB', 'L1', id, { check_out: '2026-07-14' }));
    expect(await airbnb.readReservation('L1', id)).toMatchObject({ ok: true, reservation: { alteration: { checkIn: '2026-07-10', checkOut: '2026-07-14' } } });
    expect(await airbnb.decideAlteration('L1', id, { accept: true }, 'alt-1')).toMatchObject({ ok: true, reservation: { checkOut: '2026-07-14', alteration: null } });

    expect(await airbnb.hostCancel('L1', id, 'pipe burst', 'cancel-1')).toMatchObject({ ok: true, reservation: { state: 'cancelled', cancelledBy: 'host' } });
    expect(requireOk(await client.reservation('AIRBNB', 'L1', id)).cancellation).toMatchObject({ by: 'host', reason: 'pipe burst' });
    expect(await airbnb.hostCancel('L1', id, 'pipe burst', 'cancel-2')).toMatchObject({ ok: false, outcome: 'conflict', state: 'cancelled', code: 'not_confirmed' });
  });

  it('Booking.com: acknowledging a revision clears it; an older one than the one waiting is a conflict', async () => {
    const id = await book('BOOKING_COM');
    const booking = adapter('BOOKING_COM');
    expect(await booking.readReservation('L1', id)).toMatchObject({ ok: true, reservation: { acknowledgement: { acknowledgedRevision: 0, pendingRevision: 1, redeliveries: 0 } } });
    requireOk(await client.modifyBooking('BOOKING_COM', 'L1', id, { check_out: '2026-07-13' }));
    expect(await booking.acknowledge('L1', id, 1, 'ack-1')).toMatchObject({ ok: false, outcome: 'conflict', code: 'revision_superseded', state: 'confirmed', reservation: { acknowledgement: { pendingRevision: 2 } } });
    expect(await booking.acknowledge('L1', id, 2, 'ack-2')).toMatchObject({ ok: true, reservation: { acknowledgement: { acknowledgedRevision: 2, pendingRevision: null } } });
  });

  it('Vrbo: declining a request needs a reason (the platform refuses one without: client_error with its code)', async () => {
    const id = await book('VRBO', true);
    const vrbo = adapter('VRBO');
    expect(await vrbo.decideRequest('L1', id, { accept: false, reason: null }, 'd-1')).toMatchObject({ ok: false, outcome: 'client_error', status: 400, code: 'invalid_request' });
    expect(await vrbo.decideRequest('L1', id, { accept: false, reason: 'no parties' }, 'd-2')).toMatchObject({ ok: true, reservation: { state: 'declined' } });
  });

  describe('failures are classified as pushes are', () => {
    it('an unknown reservation is a client_error carrying the platform code', async () => {
      expect(await adapter('EXPEDIA').readReservation('L1', '123')).toMatchObject({ ok: false, outcome: 'client_error', status: 404, code: 'reservation_not_found' });
    });

    it('an outage is a server_error, a throttle rate_limited with its Retry-After', async () => {
      const id = await book('EXPEDIA');
      requireOk(await client.setFaults('EXPEDIA', { outage: { for_seconds: 30 } }));
      expect(await adapter('EXPEDIA').acknowledge('L1', id, 1, 'a-1')).toMatchObject({ ok: false, outcome: 'server_error', status: 503, code: 'outage' });
      requireOk(await client.setFaults('EXPEDIA', { throttle: { requests: 1, retry_after_seconds: 9 } }));
      expect(await adapter('EXPEDIA').acknowledge('L1', id, 1, 'a-1')).toMatchObject({ ok: false, outcome: 'rate_limited', status: 429, retryAfterMs: 9_000 });
      expect(await adapter('EXPEDIA').acknowledge('L1', id, 1, 'a-1')).toMatchObject({ ok: true });
    });

    it('no answer in time is a timeout, a refused connection a network_error', async () => {
      const id = await book('AIRBNB');
      requireOk(await client.setFaults('AIRBNB', { latency: { fixed_ms: 1_000 } }));
      expect(await adapter('AIRBNB', 100).hostCancel('L1', id, 'x', 'c-1')).toMatchObject({ ok: false, outcome: 'timeout', status: null });
      const nowhere = new AriApiAdapter('AIRBNB', `http://127.0.0.1:${await closedPort()}/airbnb/api`, 1_000);
      expect(await nowhere.readReservation('L1', id)).toMatchObject({ ok: false, outcome: 'network_error', status: null });
    });

    it("a platform refusing an operation the adapter thought it had is unsupported too (Airbnb's adapter at Vrbo's API)", async () => {
      const id = await book('VRBO');
      const misrouted = new AriApiAdapter('AIRBNB', `${simulator.url}/vrbo/api`, 5_000);
      expect(await misrouted.readReservation('L1', id)).toMatchObject({ ok: false, outcome: 'unsupported', status: 405, code: 'operation_not_supported' });
    });
  });

  it('pushes and calendar reads still answer through the shared call', async () => {
    const vrbo = adapter('VRBO');
    expect(await vrbo.pushAvailability('L1', [{ from: '2026-09-01', to: '2026-09-03', available: false }], 'p-1')).toEqual({ ok: true, ack: expect.stringMatching(/^ack_/) });
    expect(await vrbo.readCalendar('L1', '2026-09-01', '2026-09-02')).toEqual({ ok: true, nights: [{ date: '2026-09-01', available: false, price: null, minStay: 1 }] });
    expect(await vrbo.pushRates('nope', [{ from: '2026-09-01', to: '2026-09-02', ratePlanId: 'default', ...OPEN_NIGHT, minStayArrival: 2 }], 'p-2')).toMatchObject({ ok: false, outcome: 'client_error', status: 404 });
  });
});

describe('channels reached by iCal, and the adapters per channel', () => {
  it('the iCal adapter offers no reservation operation: a feed carries blocked dates, not reservations', async () => {
    const ical = new IcalFeedAdapter('VRBO', null, async () => 'UTC', 1_000);
    expect(ical.capabilities.size).toBe(0);
    const answers = await Promise.all(RESERVATION_CAPABILITIES.map((capability) => operate(ical, capability, 'R1', 'r-1')));
    expect(answers.map((a) => !a.ok && a.outcome)).toEqual(RESERVATION_CAPABILITIES.map(() => 'unsupported'));
    expect(!answers[0]!.ok && answers[0]!.error).toContain('iCal');
  });

  it('adaptersFor gives each API channel its table and each iCal channel none', () => {
    const adapters = adaptersFor({ apiBaseUrl: 'http://127.0.0.1:1/{channel}/api', icalChannels: ['VRBO'], icalImportUrlTemplate: undefined, timeoutMs: 1_000, timeZoneOf: async () => 'UTC' });
    expect(Object.fromEntries([...adapters].map(([channel, a]) => [channel, [...a.capabilities]]))).toEqual({
      AIRBNB: ['decide_request', 'decide_alteration', 'host_cancel', 'read_reservation'],
      BOOKING_COM: ['acknowledge', 'decide_request', 'read_reservation'],
      VRBO: [],
      EXPEDIA: ['acknowledge', 'read_reservation'],
    });
  });
});
