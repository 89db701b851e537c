import { OPEN_NIGHT, stayTotal, type CurrencyCode, type LocalDate, type NightTerms } from '@cm/domain';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { DEFAULT_RATE_PLAN_ID, requireOk, SimulatorClient, startSimulator, type RunningSimulator } from '@cm/channel-simulator';
import { WebhookReceiver } from '@cm/test-harness';
import { adaptersFor, AriApiAdapter, IcalFeedAdapter, RATE_CAPABILITIES, type ChannelNightTerms, type RateRange } from '../src';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as CurrencyCode });
const range = (from: string, to: string, ratePlanId: string, terms: Partial<NightTerms>): RateRange => ({ from, to, ratePlanId, ...OPEN_NIGHT, ...terms });
const nights = (from: string, to: string, terms: NightTerms): ChannelNightTerms[] => {
  const out: ChannelNightTerms[] = [];
  for (let d = from; d < to; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) out.push({ date: d, ...terms });
  return out;
};

describe('rates and restrictions through the ARI adapter, against the channel simulator', () => {
  let simulator: RunningSimulator;
  let client: SimulatorClient;
  const ingest = new WebhookReceiver();
  const adapter = (channel: Channel) => new AriApiAdapter(channel, `${simulator.url}/${channel.toLowerCase()}/api`, 5_000);

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

  it('every ARI channel takes rates and restrictions and reads them back; an iCal channel takes neither', () => {
    const adapters = adaptersFor({ apiBaseUrl: 'http://127.0.0.1:1/{channel}/api', icalChannels: ['VRBO'], icalImportUrlTemplate: undefined, timeoutMs: 1_000, timeZoneOf: async () => 'UTC' });
    expect(Object.fromEntries([...adapters].map(([channel, a]) => [channel, [...a.rateCapabilities]]))).toEqual({
      AIRBNB: [...RATE_CAPABILITIES],
      BOOKING_COM: [...RATE_CAPABILITIES],
      VRBO: [],
      EXPEDIA: [...RATE_CAPABILITIES],
    });
  });

  it('the iCal adapter refuses rates and restrictions without calling anything', async () => {
    const ical = new IcalFeedAdapter('VRBO', null, async () => 'UTC', 1_000);
    expect(await ical.pushRates()).toMatchObject({ ok: false, outcome: 'client_error', status: null, error: 'iCal carries no rates or restrictions' });
    expect(await ical.readRates()).toMatchObject({ ok: false, outcome: 'client_error', status: null });
  });

  it('round-trips ranges of every term on two plans: the channel holds exactly what was pushed, per plan', async () => {
    requireOk(await client.createRatePlan('BOOKING_COM', 'L1', 'nonref'));
    const flexible: NightTerms = { ...OPEN_NIGHT, price: eur(12_000), minStayArrival: 2, maxStay: 10, closedToDeparture: true };
    const nonref: NightTerms = { price: eur(9_900), minStayArrival: null, minStayThrough: 3, maxStay: null, closedToArrival: true, closedToDeparture: false, stopSell: true };
    const booking = adapter('BOOKING_COM');
    const pushed = await booking.pushRates('L1', [{ from: '2026-07-01', to: '2026-07-04', ratePlanId: DEFAULT_RATE_PLAN_ID, ...flexible }, { from: '2026-07-02', to: '2026-07-05', ratePlanId: 'nonref', ...nonref }], 'rates-1');
    expect(pushed).toEqual({ ok: true, ack: expect.stringMatching(/^ack_/) });

    expect(await booking.readRates('L1', '2026-07-01', '2026-07-05')).toEqual({
      ok: true,
      ratePlans: [
        { ratePlanId: 'default', nights: [...nights('2026-07-01', '2026-07-04', flexible), ...nights('2026-07-04', '2026-07-05', OPEN_NIGHT)] },
        { ratePlanId: 'nonref', nights: [...nights('2026-07-01', '2026-07-02', OPEN_NIGHT), ...nights('2026-07-02', '2026-07-05', nonref)] },
      ],
    });
    // The calendar still shows the default plan's price and minimum stay on arrival.
    expect(await booking.readCalendar('L1', '2026-07-01', '2026-07-02')).toEqual({ ok: true, nights: [{ date: '2026-07-01', available: true, price: { amount_minor: 12_000, currency: 'EUR' }, minStay: 2 }] });
  });

  it('a range carries every term: pushing open terms clears what an earlier push set', async () => {
    const airbnb = adapter('AIRBNB');
    expect(await airbnb.pushRates('L1', [range('2026-08-01', '2026-08-03', 'default', { price: eur(20_000), stopSell: true, minStayThrough: 4 })], 'r-1')).toMatchObject({ ok: true });
    expect(await airbnb.pushRates('L1', [range('2026-08-02', '2026-08-03', 'default', { price: eur(18_000) })], 'r-2')).toMatchObject({ ok: true });
    const read = await airbnb.readRates('L1', '2026-08-01', '2026-08-03');
    expect(read.ok && read.ratePlans[0]!.nights).toEqual([
      { date: '2026-08-01', ...OPEN_NIGHT, price: eur(20_000), stopSell: true, minStayThrough: 4 },
      { date: '2026-08-02', ...OPEN_NIGHT, price: eur(18_000) },
    ]);
  });

  it('a guest booking on the channel pays what was pushed, and one breaking a pushed rule is refused', async () => {
    const expedia = adapter('EXPEDIA');
    const terms: NightTerms = { ...OPEN_NIGHT, price: eur(14_250), minStayArrival: 2 };
    requireOk(await client.createRatePlan('EXPEDIA', 'L1', 'member'));
    expect(await expedia.pushRates('L1', [range('2026-09-01', '2026-09-30', 'member', terms)], 'r-1')).toMatchObject({ ok: true });
    const booked = requireOk(await client.createBooking('EXPEDIA', 'L1', { check_in: '2026-09-10', check_out: '2026-09-13', rate_plan_id: 'member' }));
    const expected = stayTotal({ checkIn: '2026-09-10' as LocalDate, checkOut: '2026-09-13' as LocalDate }, () => terms)!;
    expect(booked.reservation.total).toEqual({ amount: '427.50', currency: 'EUR' });
    expect(expected).toEqual(eur(42_750));
    expect(await client.createBooking('EXPEDIA', 'L1', { check_in: '2026-09-20', check_out: '2026-09-21', rate_plan_id: 'member' })).toMatchObject({ status: 422, error: { rule: 'min_stay_arrival' } });
  });

  describe('refusals are classified as pushes are', () => {
    it('a plan the channel lacks, or a price in another currency, is a client_error carrying the status', async () => {
      const vrbo = adapter('VRBO');
      expect(await vrbo.pushRates('L1', [range('2026-07-01', '2026-07-02', 'weekly', { price: eur(1) })], 'r-1')).toMatchObject({ ok: false, outcome: 'client_error', status: 422, error: expect.stringContaining('unknown_rate_plan') });
      expect(await vrbo.pushRates('L1', [range('2026-07-01', '2026-07-02', 'default', { price: { amountMinor: 1, currency: 'USD' as CurrencyCode } })], 'r-2')).toMatchObject({ ok: false, outcome: 'client_error', status: 400, error: expect.stringContaining('currency_mismatch') });
    });

    it("past the channel's price/restriction limit a push is rate_limited with its Retry-After, while availability still goes", async () => {
      requireOk(await client.setFaults('AIRBNB', { property_rate_limit: { rates_per_minute: 1 } }));
      const airbnb = adapter('AIRBNB');
      expect(await airbnb.pushRates('L1', [range('2026-07-01', '2026-07-02', 'default', { maxStay: 5 })], 'r-1')).toMatchObject({ ok: true });
      const limited = await airbnb.pushRates('L1', [range('2026-07-01', '2026-07-02', 'default', { maxStay: 6 })], 'r-2');
      expect(limited).toMatchObject({ ok: false, outcome: 'rate_limited', status: 429 });
      expect(!limited.ok && limited.retryAfterMs).toBeGreaterThan(0);
      expect(await airbnb.pushAvailability('L1', [{ from: '2026-07-01', to: '2026-07-02', available: false }], 'a-1')).toMatchObject({ ok: true });
      expect(await airbnb.readRates('L1', '2026-07-01', '2026-07-02')).toMatchObject({ ok: true });
    });

    it('a read during an outage is a server_error', async () => {
      requireOk(await client.setFaults('EXPEDIA', { outage: { for_seconds: 30 } }));
      expect(await adapter('EXPEDIA').readRates('L1', '2026-07-01', '2026-07-02')).toMatchObject({ ok: false, outcome: 'server_error', status: 503 });
    });
  });
});
