import type { RateChange } from '@cm/schemas';
import { AvroSerde } from '@cm/service-runtime';
import { readDecoded, stack, testKafka } from '@cm/test-harness';
import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

const EUR = (amountMinor: number) => ({ amount_minor: amountMinor, currency: 'EUR' });

/**
 * Issue 20.1: the PMS sets rates and restrictions per rate plan and night on the real ingest,
 * PostgreSQL and broker: kept per night and field by version, read back as ranges, and published
 * on rate.changes for the dispatcher.
 */
describe('ingest: the PMS rates API', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;
  let serde: AvroSerde;
  const kafka = testKafka('ingest-rates-tests');
  /** The rate.changes records published so far, once those with `eventId` number `count`. */
  const publishedUntil = async (eventId: string, count = 1) =>
    (await readDecoded<RateChange>(kafka, serde, world.topics.rateChanges, (records) => records.filter((r) => r.value.event_id === eventId).length >= count, { group: 'rates-reader', timeoutMs: 30_000 })).map((r) => r.value);

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest();
    serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [world.topics.rateChanges], world.namespace);
  });
  afterAll(async () => {
    await world?.close();
  });

  const property = () => world.tenants[0].propertyId;
  const put = (body: unknown, tenant = world.tenants[0], propertyId = property()) => world.pms(ingest, 'PUT', `/v1/properties/${propertyId}/rates`, body, { tenant });
  const read = async (query: string) => {
    const answer = await world.pms(ingest, 'GET', `/v1/properties/${property()}/rates?${query}`);
    expect(answer.status).toBe(200);
    return answer.body as { rate_plans: { rate_plan: string; ranges: { from: string; to: string; terms: Record<string, unknown> }[] }[] };
  };

  it('a season of two rate plans in one request is kept, read back as ranges, and published once per request', async () => {
    const answer = await put({
      version: 10,
      updates: [
        { rate_plan: 'standard', from: '2027-01-01', to: '2028-01-01', price: EUR(12_000), min_stay_arrival: 2 },
        { rate_plan: 'standard', from: '2027-07-01', to: '2027-09-01', price: EUR(18_000), min_stay_through: 5, closed_to_arrival: false },
        { rate_plan: 'non_refundable', from: '2027-01-01', to: '2028-01-01', price: EUR(10_800), max_stay: 21 },
        { rate_plan: 'standard', from: '2027-12-24', to: '2027-12-26', stop_sell: true },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ property_id: property(), version: 10, nights_changed: 365 + 365 });
    const eventId = (answer.body as { event_id: string }).event_id;

    const rates = await read('from=2027-01-01&to=2028-01-01');
    expect(rates.rate_plans.map((p) => p.rate_plan)).toEqual(['non_refundable', 'standard']);
    expect(rates.rate_plans[0]!.ranges).toEqual([{ from: '2027-01-01', to: '2028-01-01', terms: { price: EUR(10_800), min_stay_arrival: null, min_stay_through: null, max_stay: 21, closed_to_arrival: false, closed_to_departure: false, stop_sell: false } }]);
    expect(rates.rate_plans[1]!.ranges.map((r) => [r.from, r.to, (r.terms.price as { amount_minor: number }).amount_minor, r.terms.min_stay_through, r.terms.stop_sell])).toEqual([
      ['2027-01-01', '2027-07-01', 12_000, null, false],
      ['2027-07-01', '2027-09-01', 18_000, 5, false],
      ['2027-09-01', '2027-12-24', 12_000, null, false],
      ['2027-12-24', '2027-12-26', 12_000, null, true],
      ['2027-12-26', '2028-01-01', 12_000, null, false],
    ]);

    const record = (await publishedUntil(eventId)).find((p) => p.event_id === eventId)!;
    expect(record.property_id).toBe(property());
    expect(record.ranges).toHaveLength(6);
  });

  it('an older version arriving after a newer one changes nothing it covers; a field the newer one did not set still takes it', async () => {
    expect((await put({ version: 30, updates: [{ rate_plan: 'standard', from: '2027-03-01', to: '2027-03-08', price: EUR(15_000) }] })).status).toBe(200);
    const late = await put({ version: 20, updates: [{ rate_plan: 'standard', from: '2027-03-01', to: '2027-03-08', price: EUR(9_900), closed_to_departure: true }] });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ nights_changed: 7 });
    const rates = await read('from=2027-03-01&to=2027-03-08&rate_plan=standard');
    expect(rates.rate_plans).toEqual([{ rate_plan: 'standard', ranges: [expect.objectContaining({ from: '2027-03-01', to: '2027-03-08', terms: expect.objectContaining({ price: EUR(15_000), closed_to_departure: true, min_stay_arrival: 2 }) })] }]);
  });

  it('resending a request changes nothing and publishes it again under the same event id', async () => {
    const body = { version: 40, updates: [{ rate_plan: 'standard', from: '2027-05-01', to: '2027-05-03', min_stay_arrival: null }] };
    const first = await put(body);
    const again = await put(body);
    expect(first.body).toMatchObject({ nights_changed: 2 });
    expect(again.body).toMatchObject({ nights_changed: 0, event_id: (first.body as { event_id: string }).event_id });
    await publishedUntil((first.body as { event_id: string }).event_id, 2);
  });

  it('refuses bad input with a reason and keeps nothing of it', async () => {
    const refusals: [unknown, number, string][] = [
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02', price: { amount_minor: 100, currency: 'USD' } }] }, 422, 'currency_not_property_currency'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-02', to: '2027-06-01', price: EUR(100) }] }, 400, 'invalid_range'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-02-29', to: '2027-03-02', price: EUR(100) }] }, 400, 'invalid_request'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2030-06-01', price: EUR(100) }] }, 400, 'invalid_range'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02' }] }, 400, 'invalid_request'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02', price: { amount_minor: 1.5, currency: 'EUR' } }] }, 400, 'invalid_request'],
      [{ version: 50, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02', min_stay_arrival: 0 }] }, 400, 'invalid_request'],
      [{ version: 0, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02', stop_sell: true }] }, 400, 'invalid_request'],
      [{ version: 50, updates: [{ rate_plan: 'std\u202e', from: '2027-06-01', to: '2027-06-02', stop_sell: true }] }, 400, 'invalid_request'],
      [{ version: 50, updates: Array.from({ length: 20 }, () => ({ rate_plan: 'standard', from: '2027-01-01', to: '2028-12-31', stop_sell: true })) }, 400, 'too_many_nights'],
    ];
    for (const [body, status, code] of refusals) {
      const answer = await put(body);
      expect({ body, status: answer.status, code: (answer.body as { code?: string }).code }).toEqual({ body, status, code });
    }
    const june = await read('from=2027-06-01&to=2027-06-02');
    expect(june.rate_plans.flatMap((p) => p.ranges.map((r) => r.terms.price))).toEqual([EUR(10_800), EUR(12_000)]);
    expect(june.rate_plans.flatMap((p) => p.ranges.map((r) => r.terms.stop_sell))).toEqual([false, false]);
  });

  it("another tenant's property answers 404", async () => {
    const answer = await put({ version: 60, updates: [{ rate_plan: 'standard', from: '2027-06-01', to: '2027-06-02', stop_sell: true }] }, world.tenants[1]);
    expect(answer.status).toBe(404);
  });
});
