import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CurrencyCode, LocalDate } from '@cm/domain';
import { scratchDatabase, testLogger, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { EXIT_REFUSED, EXIT_USAGE, runExchangeRates, USAGE } from '../src/cli/exchange-rates';
import { exchangeRateMigrations, loadEcbXml, parseEcbReferenceRates, RatesRefusedError, ReferenceRateLookup, ReferenceRates } from '../src';

/**
 * The fx table on the real PostgreSQL (a database of this file's own): loading is an idempotent
 * upsert, older dates are rows of their own, the newest rate per currency feeds the lookup.
 */
const FIXTURE = join(__dirname, 'fixtures', 'eurofxref-daily.xml');
const DAILY = readFileSync(FIXTURE, 'utf8');
const DAY = Date.parse('2026-12-03T16:30:00Z');
const c = (code: string) => code as CurrencyCode;
const envelope = (days: Record<string, Record<string, string>>) =>
  `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>${Object.entries(days)
    .map(([date, rates]) => `<Cube time="${date}">${Object.entries(rates).map(([currency, rate]) => `<Cube currency="${currency}" rate="${rate}"/>`).join('')}</Cube>`)
    .join('')}</Cube></gesmes:Envelope>`;

let scratch: ScratchDatabase;
let rates: ReferenceRates;

beforeAll(async () => {
  scratch = await scratchDatabase(uniqueName('fx').toLowerCase(), [exchangeRateMigrations]);
  rates = new ReferenceRates(scratch.db);
});
afterAll(async () => {
  await scratch?.drop();
});
beforeEach(async () => {
  await scratch.db.raw('TRUNCATE fx.reference_rates');
});

const rows = () => scratch.db.raw<{ rows: { currency: string; rate_date: string; rate: string; source: string; loaded_at: Date }[] }>('SELECT currency, rate_date, rate::text AS rate, source, loaded_at FROM fx.reference_rates ORDER BY currency, rate_date').then((r) => r.rows);

describe('loading reference rates into fx.reference_rates', () => {
  it('the migrations are forward-only and run once: a second run applies nothing', async () => {
    expect(await exchangeRateMigrations.migrate(scratch.db)).toEqual([]);
    expect(await exchangeRateMigrations.pending(scratch.db)).toEqual([]);
  });

  it('loading the same file twice changes nothing: every row, its source and its loaded_at stay', async () => {
    const first = await loadEcbXml(rates, DAILY, { source: 'file:daily.xml', nowMs: DAY });
    expect(first).toMatchObject({ dates: 1, firstDate: '2026-12-03', lastDate: '2026-12-03', inserted: 29, updated: 0, unchanged: 0 });
    const before = await rows();
    const second = await loadEcbXml(rates, DAILY, { source: 'api', nowMs: DAY + 60_000 });
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 29 });
    expect(await rows()).toEqual(before);
    expect(before.find((r) => r.currency === 'USD')).toMatchObject({ rate_date: '2026-12-03', rate: '1.0525', source: 'file:daily.xml' });
  });

  it("a file of an older date never overwrites a newer date's rows: its rows stand beside them", async () => {
    await loadEcbXml(rates, DAILY, { source: 'daily', nowMs: DAY });
    const older = await loadEcbXml(rates, envelope({ '2026-12-02': { USD: '1.0490', JPY: '162.10' } }), { source: 'older', nowMs: DAY });
    expect(older).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    const usd = (await rows()).filter((r) => r.currency === 'USD').map((r) => [r.rate_date, r.rate, r.source]);
    expect(usd).toEqual([
      ['2026-12-02', '1.0490', 'older'],
      ['2026-12-03', '1.0525', 'daily'],
    ]);
    const newest = await rates.newest();
    expect(newest.get(c('USD'))).toMatchObject({ date: '2026-12-03', rate: { numerator: 421, denominator: 400 } });
    expect(newest.size).toBe(29);
  });

  it('a corrected publication (same date, another rate) updates that row only', async () => {
    await loadEcbXml(rates, DAILY, { source: 'daily', nowMs: DAY });
    const corrected = await loadEcbXml(rates, envelope({ '2026-12-03': { USD: '1.0526', JPY: '163.240' } }), { source: 'correction', nowMs: DAY + 1_000 });
    expect(corrected).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const byCurrency = new Map((await rows()).map((r) => [r.currency, r]));
    expect(byCurrency.get('USD')).toMatchObject({ rate: '1.0526', source: 'correction', loaded_at: new Date(DAY + 1_000) });
    expect(byCurrency.get('JPY')).toMatchObject({ rate: '163.24', source: 'daily' }); // 163.240 is the same number
  });

  it('refuses a date after tomorrow (UTC) and writes nothing', async () => {
    await expect(loadEcbXml(rates, DAILY, { source: 'early', nowMs: Date.parse('2026-12-01T12:00:00Z') })).rejects.toMatchObject({ code: 'bad_date', message: expect.stringMatching(/2026-12-03 is in the future/) });
    expect(await rows()).toEqual([]);
  });

  it('a history-sized file (every weekday of five years, 29 currencies) loads in one transaction, then again unchanged', async () => {
    const days: Record<string, Record<string, string>> = {};
    const currencies = parseEcbReferenceRates(DAILY).days[0]!.rates.map((r) => r.currency);
    for (let t = Date.parse('2021-12-01'); t <= Date.parse('2026-11-30'); t += 86_400_000) {
      if ([0, 6].includes(new Date(t).getUTCDay())) continue;
      days[new Date(t).toISOString().slice(0, 10)] = Object.fromEntries(currencies.map((code, i) => [code, `${i + 1}.${String(t / 86_400_000 % 10_000).padStart(4, '0')}`]));
    }
    const xml = envelope(days);
    const loaded = await loadEcbXml(rates, xml, { source: 'hist', nowMs: DAY });
    expect(loaded.dates).toBeGreaterThan(1_250);
    expect(loaded).toMatchObject({ inserted: loaded.dates * 29, updated: 0, unchanged: 0 });
    expect(await loadEcbXml(rates, xml, { source: 'hist', nowMs: DAY })).toMatchObject({ inserted: 0, updated: 0, unchanged: loaded.dates * 29 });
  });

  it('the rates in force on a date are the newest publication on or before it', async () => {
    await loadEcbXml(rates, envelope({ '2026-12-03': { USD: '1.0525', JPY: '163.24' }, '2026-12-02': { USD: '1.0490' } }), { source: 'f', nowMs: DAY });
    expect(await rates.inForce('2026-12-06' as LocalDate)).toMatchObject({ date: '2026-12-06', rateDate: '2026-12-03', rates: [{ currency: 'JPY', rate: '163.24' }, { currency: 'USD', rate: '1.0525' }] });
    expect(await rates.inForce('2026-12-02' as LocalDate)).toMatchObject({ rateDate: '2026-12-02', rates: [{ currency: 'USD', rate: '1.0490' }] });
    expect(await rates.inForce('2026-12-01' as LocalDate)).toBeNull();
  });
});

describe("the arbiter's lookup: the newest rate per currency, in memory, aged by the rule", () => {
  it('converts with the newest rates after a refresh, and gives none once they are older than the limit', async () => {
    let now = Date.parse('2026-12-07T09:00:00Z'); // Monday morning: Thursday's rates are 4 days old
    const lookup = new ReferenceRateLookup(rates, { maxAgeDays: 4, now: () => now, log: testLogger });
    expect(lookup.lookup(c('USD'), c('EUR'))).toBeUndefined();
    await loadEcbXml(rates, DAILY, { source: 'daily', nowMs: DAY });
    expect(lookup.lookup(c('USD'), c('EUR'))).toBeUndefined(); // not refreshed yet
    await lookup.refresh();
    expect(lookup.describe()).toEqual({ currencies: 29, newestDate: '2026-12-03' });
    expect(lookup.lookup(c('USD'), c('EUR'))).toEqual({ from: 'USD', to: 'EUR', numerator: 400, denominator: 421 });
    now = Date.parse('2026-12-08T09:00:00Z'); // 5 days: stale
    expect(lookup.lookup(c('USD'), c('EUR'))).toBeUndefined();
  });

  it('refreshes on its interval', async () => {
    const lookup = new ReferenceRateLookup(rates, { maxAgeDays: 4, now: () => DAY, log: testLogger });
    lookup.startRefreshing(20);
    try {
      await loadEcbXml(rates, DAILY, { source: 'daily', nowMs: DAY });
      const deadline = Date.now() + 10_000;
      while (lookup.lookup(c('EUR'), c('JPY')) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lookup.lookup(c('EUR'), c('JPY'))).toEqual({ from: 'EUR', to: 'JPY', numerator: 4081, denominator: 25 });
    } finally {
      lookup.stop();
    }
  });
});

describe('the load command', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    let opened = false;
    const code = await runExchangeRates(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, {
      open: () => {
        opened = true;
        return { db: scratch.db, close: async () => undefined };
      },
      now: () => DAY,
    });
    return { code, out, err, opened };
  };

  it('loads a file (exit 0), and the same file again changes nothing', async () => {
    expect(await run('load', '--file', FIXTURE)).toMatchObject({ code: 0, out: ['loaded 2026-12-03: 1 date(s), 29 rate(s) new, 0 changed, 0 unchanged'] });
    expect(await run('load', '--file', FIXTURE)).toMatchObject({ code: 0, out: ['loaded 2026-12-03: 1 date(s), 0 rate(s) new, 0 changed, 29 unchanged'] });
    expect((await rows())[0]!.source).toBe(`file:${FIXTURE}`);
  });

  it.each([[[]], [['fetch']], [['load']], [['load', '--file']], [['load', '--file', 'a', '--url', 'http://x']], [['load', '--path', 'a']]])('%j exits 64 with the usage, without opening the database', async (args) => {
    const result = await run(...args);
    expect(result).toMatchObject({ code: EXIT_USAGE, opened: false });
    expect(result.err).toContain(USAGE.trimEnd());
  });

  it('a bad file exits 65 naming the code and where; a missing file too, without opening the database', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'fx-')), 'bad-rate.xml');
    writeFileSync(bad, DAILY.replace("rate='163.24'", "rate='163,24'"));
    try {
      const refused = await run('load', '--file', bad);
      expect(refused).toMatchObject({ code: EXIT_REFUSED, opened: false });
      expect(refused.err[0]).toMatch(/^exchange-rates refused: bad_rate: line 10, column \d+: JPY on 2026-12-03: '163,24' is not a positive decimal number$/);
    } finally {
      rmSync(dirname(bad), { recursive: true });
    }
    expect(await run('load', '--file', join(__dirname, 'no-such.xml'))).toMatchObject({ code: EXIT_REFUSED, opened: false, err: [expect.stringMatching(/unreadable: cannot open .*ENOENT/)] });
    expect(await rows()).toEqual([]);
  });

  describe('--url', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((request, response) => {
        if (request.url === '/eurofxref-daily.xml') response.writeHead(200, { 'content-type': 'text/xml' }).end(DAILY);
        else response.writeHead(404).end('no');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fetches and loads; an HTTP error or a non-http URL exits 65', async () => {
      expect(await run('load', '--url', `${base}/eurofxref-daily.xml`)).toMatchObject({ code: 0, out: [expect.stringContaining('29 rate(s) new')] });
      expect((await rows())[0]!.source).toBe(`url:${base}/eurofxref-daily.xml`);
      expect(await run('load', '--url', `${base}/missing.xml`)).toMatchObject({ code: EXIT_REFUSED, err: [expect.stringMatching(/unreadable: fetching .* answered HTTP 404/)] });
      expect(await run('load', '--url', 'file:///etc/passwd')).toMatchObject({ code: EXIT_REFUSED, err: [expect.stringMatching(/is not an http\(s\) URL/)] });
    });
  });

  it('RatesRefusedError carries a stable code and says whether a retry can help', () => {
    const error = new RatesRefusedError('unreadable', 'x', null, { retriable: true });
    expect([error.code, error.retriable, error.location]).toEqual(['unreadable', true, null]);
  });
});
