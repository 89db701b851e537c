import { loadEcbXml, ReferenceRates } from '@cm/exchange-rates';
import type { BookingCommand, Conflict, Money } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { arbiterWorld, command, type ArbiterProcess, type ArbiterWorld } from './environment';

/**
 * A channel price in another currency than the PMS quote, decided by the real arbiter with the
 * rates of fx.reference_rates (docs/conflict-rules.md, "Currency mismatch"): converted with a
 * fresh rate and compared within 1%; without a rate, or with one older than
 * EXCHANGE_RATE_MAX_AGE_DAYS, CURRENCY_MISMATCH goes to review and nothing is compared.
 */
const DAY_MS = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY = utcDate(Date.now());
const envelope = (days: Record<string, Record<string, string>>) =>
  `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>${Object.entries(days)
    .map(([date, rates]) => `<Cube time='${date}'>${Object.entries(rates).map(([currency, rate]) => `<Cube currency='${currency}' rate='${rate}'/>`).join('')}</Cube>`)
    .join('')}</Cube></gesmes:Envelope>`;

const eur = (amount_minor: number): Money => ({ amount_minor, currency: 'EUR' });
const priced = (propertyId: string, price: Money) => command({ property_id: propertyId, source: 'BOOKING_COM', booking_ref: 'FX', price, pms_quote: eur(100_000), property_currency: 'EUR' });

describe('booking-arbiter: prices in another currency, with the exchange rates loaded', () => {
  let world: ArbiterWorld;
  let arbiter: ArbiterProcess;

  beforeAll(async () => {
    world = await arbiterWorld();
    // USD fresh today (1 EUR = 1.0525 USD); GBP only from 10 days ago (stale); JPY never loaded.
    await loadEcbXml(new ReferenceRates(world.db), envelope({ [TODAY]: { USD: '1.0525' }, [utcDate(Date.now() - 10 * DAY_MS)]: { USD: '1.0400', GBP: '0.8600' } }), { source: 'test', nowMs: Date.now() });
    arbiter = await world.startArbiter('fx-arbiter', { EXCHANGE_RATE_REFRESH_MS: '200' });
  });
  afterAll(async () => {
    arbiter?.child.kill('SIGTERM');
    await arbiter?.exited();
    await world?.close();
  });

  /** The conflicts the ledger's audit recorded for each command, once all are decided: type, and for a mismatch whether a rate was given. */
  const audited = async (commands: readonly BookingCommand[]) => {
    const ids = commands.map((c) => c.command_id);
    await waitFor('decisions', async () => ((await world.db('processed_commands').whereIn('command_id', ids)).length === ids.length ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    const rows = await world.db('audit_log').whereIn('command_id', ids).where({ action: 'conflict_resolved' }).orderBy('id').select('command_id', 'conflict_type', 'details');
    const described = (row: { conflict_type: string; details: string | { rateGiven?: string } }) => {
      const details = typeof row.details === 'string' ? (JSON.parse(row.details) as { rateGiven?: string }) : row.details;
      return details.rateGiven === undefined ? row.conflict_type : `${row.conflict_type} rate_given=${details.rateGiven}`;
    };
    return commands.map((c) => rows.filter((r) => r.command_id === c.command_id).map(described));
  };
  const conflictsOf = async (commands: readonly BookingCommand[], count: number) => {
    const ids = new Set(commands.map((c) => c.command_id));
    const read = await world.read<Conflict>(world.topics.conflicts, (records) => records.filter((r) => ids.has(r.command_id ?? '')).length >= count);
    return read.filter((r) => ids.has(r.command_id ?? ''));
  };

  it('1.3 currency mismatch with a fresh rate: within 1% once converted, only the mismatch is logged (LOW); beyond, PRICE_DISCREPANCY too', async () => {
    const exact = priced('fx-within', { amount_minor: 105_250, currency: 'USD' }); // 1052.50 USD = 1000.00 EUR
    const near = priced('fx-near', { amount_minor: 106_000, currency: 'USD' }); // 1007.13 EUR: 0.72%
    const far = priced('fx-beyond', { amount_minor: 110_000, currency: 'USD' }); // 1045.13 EUR: 4.52%
    await world.send([exact, near, far]);
    const fresh = 'CURRENCY_MISMATCH rate_given=true';
    expect(await audited([exact, near, far])).toEqual([[fresh], [fresh], [fresh, 'PRICE_DISCREPANCY']]);
    const conflicts = await conflictsOf([exact, near, far], 4);
    expect(conflicts.filter((c) => c.conflict_type === 'CURRENCY_MISMATCH').map((c) => [c.property_id, c.severity, c.requires_review, c.facts])).toEqual(
      expect.arrayContaining(['fx-within', 'fx-near', 'fx-beyond'].map((p) => [p, 'LOW', false, expect.objectContaining({ kind: 'CURRENCY_MISMATCH', ledger_currency: 'EUR', incoming_currency: 'USD', rate_given: true })])),
    );
    expect(conflicts.find((c) => c.conflict_type === 'PRICE_DISCREPANCY')).toMatchObject({ property_id: 'fx-beyond', facts: { kind: 'PRICE_DISCREPANCY', difference_bp: 452 } });
    const stay = await world.db('stays').where({ property_id: 'fx-beyond' }).first('status');
    expect(stay.status).toBe('CONFIRMED'); // a new channel booking is accepted: the guest paid
  });

  it.each([
    ['without a rate (JPY was never loaded)', 'fx-no-rate', { amount_minor: 160_000, currency: 'JPY' }],
    ['with a stale rate (GBP last published 10 days ago)', 'fx-stale', { amount_minor: 86_000, currency: 'GBP' }],
  ])('1.3 currency mismatch %s: CURRENCY_MISMATCH to review (HIGH), nothing compared', async (_, propertyId, price) => {
    const booking = priced(propertyId, price as Money);
    await world.send([booking]);
    expect(await audited([booking])).toEqual([['CURRENCY_MISMATCH rate_given=false']]);
    const [conflict] = await conflictsOf([booking], 1);
    expect(conflict).toMatchObject({ conflict_type: 'CURRENCY_MISMATCH', severity: 'HIGH', requires_review: true, facts: { rate_given: false, incoming_currency: price.currency } });
  });

  it('a rate loaded while the arbiter runs is used after its next refresh', async () => {
    await loadEcbXml(new ReferenceRates(world.db), envelope({ [TODAY]: { CHF: '0.9316' } }), { source: 'test', nowMs: Date.now() });
    let n = 0;
    // Each try is a new booking (its own property); the first decided after the refresh converts.
    const converted = await waitFor(
      'a CHF price converted',
      async () => {
        const booking = priced(`fx-chf-${++n}`, { amount_minor: 93_160, currency: 'CHF' }); // 931.60 CHF = 1000.00 EUR
        await world.send([booking]);
        const [conflicts] = await audited([booking]);
        return conflicts!.includes('CURRENCY_MISMATCH rate_given=true') ? conflicts : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(converted).toEqual(['CURRENCY_MISMATCH rate_given=true']); // 1000.00 EUR: no discrepancy
  });
});
