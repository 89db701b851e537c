import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';

/**
 * The operator's exchange-rate API against a real ingest process and PostgreSQL: PUT the ECB's
 * XML, GET the rates in force on a date; the operator token, not a tenant's key.
 */
const TOKEN = 'operator-token-for-tests-0123456789abcdef';
const DAY_MS = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY = utcDate(Date.now());
const YESTERDAY = utcDate(Date.now() - DAY_MS);
const envelope = (days: Record<string, Record<string, string>>) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n<gesmes:subject>Reference rates</gesmes:subject>\n<Cube>\n${Object.entries(days)
    .map(([date, rates]) => `<Cube time='${date}'>\n${Object.entries(rates).map(([currency, rate]) => `<Cube currency='${currency}' rate='${rate}'/>`).join('\n')}\n</Cube>`)
    .join('\n')}\n</Cube>\n</gesmes:Envelope>\n`;
const FILE = envelope({ [TODAY]: { USD: '1.0525', JPY: '163.24', GBP: '0.86185' }, [YESTERDAY]: { USD: '1.0490', JPY: '162.10', GBP: '0.8601' } });

describe('ingest: the exchange-rate API (operator data)', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest({ OPERATOR_API_TOKEN: TOKEN, EXCHANGE_RATES_BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => world?.close());

  const put = async (body: string, options: { token?: string | null; contentType?: string; query?: string; service?: IngestProcess } = {}) => {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/xml' };
    const token = options.token === undefined ? TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${(options.service ?? ingest).url}/v1/exchange-rates${options.query ?? ''}`, { method: 'PUT', headers, body });
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any };
  };
  const get = async (query: string, token: string | null = TOKEN, service: IngestProcess = ingest) => {
    const response = await fetch(`${service.url}/v1/exchange-rates${query}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('PUT loads the file (200 with what it did); the same file again changes nothing; GET gives the rates in force on a date', async () => {
    expect(await put(FILE)).toMatchObject({ status: 200, body: { dates: 2, first_date: YESTERDAY, last_date: TODAY, inserted: 6, updated: 0, unchanged: 0, skipped: [] } });
    expect(await put(FILE, { contentType: 'text/xml; charset=utf-8' })).toMatchObject({ status: 200, body: { inserted: 0, updated: 0, unchanged: 6 } });

    const today = await get(`?date=${TODAY}`);
    expect(today.status).toBe(200);
    expect(today.body).toMatchObject({ date: TODAY, rate_date: TODAY, base: 'EUR' });
    expect(today.body.rates.map((r: { currency: string; rate: string; source: string }) => [r.currency, r.rate, r.source])).toEqual([
      ['GBP', '0.86185', 'api'],
      ['JPY', '163.24', 'api'],
      ['USD', '1.0525', 'api'],
    ]);
    expect((await get(`?date=${YESTERDAY}`)).body).toMatchObject({ rate_date: YESTERDAY, rates: expect.arrayContaining([expect.objectContaining({ currency: 'USD', rate: '1.0490' })]) });
    const later = utcDate(Date.now() + 30 * DAY_MS);
    expect((await get(`?date=${later}`)).body).toMatchObject({ date: later, rate_date: TODAY });
    expect(await get('?date=2001-01-01')).toMatchObject({ status: 404, body: { code: 'no_exchange_rates' } });
    expect(await get('')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await get('?date=2026-02-30')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });

  it.each([
    ['not XML', 'USD,1.0525', 'not_xml'],
    ['not the ECB format', '<rates><USD>1.0525</USD></rates>', 'not_ecb_format'],
    ['a bad date', envelope({ '2026-13-01': { USD: '1.05' } }), 'bad_date'],
    ['an unknown currency', envelope({ [TODAY]: { ZZZ: '1.05' } }), 'unknown_currency'],
    ['a rate that is not a positive decimal', envelope({ [TODAY]: { USD: '-1.05' } }), 'bad_rate'],
    ['a currency twice on one date', envelope({ [TODAY]: { USD: '1.05' } }).replace("<Cube currency='USD' rate='1.05'/>", "<Cube currency='USD' rate='1.05'/><Cube currency='USD' rate='1.06'/>"), 'duplicate_currency'],
    ['an empty body', '', 'empty'],
  ])('400 for %s, with the parser’s code and where', async (_, body, code) => {
    const answer = await put(body);
    expect(answer).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), body: { code, errors: [{ path: expect.stringMatching(/^body/) }] } });
  });

  it('400 says the line and column of what it refused', async () => {
    const answer = await put(FILE.replace("rate='163.24'", "rate='163,24'"));
    expect(answer.body).toMatchObject({ status: 400, code: 'bad_rate', detail: expect.stringMatching(/^line 7, column \d+: JPY on \d{4}-\d\d-\d\d: '163,24' is not a positive decimal number$/), errors: [{ path: expect.stringMatching(/^body:7:\d+$/) }] });
  });

  it('?unknown_currencies=skip leaves out codes the ISO list lacks, and lists them', async () => {
    const retired = envelope({ [YESTERDAY]: { USD: '1.0490', HRK: '7.5345' } });
    expect(await put(retired)).toMatchObject({ status: 400, body: { code: 'unknown_currency' } });
    expect(await put(retired, { query: '?unknown_currencies=skip' })).toMatchObject({ status: 200, body: { unchanged: 1, skipped: [{ currency: 'HRK', dates: 1 }] } });
    expect(await put(retired, { query: '?unknown_currencies=maybe' })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });

  it('401 without the operator token, with a wrong one, or with a tenant’s API key', async () => {
    expect(await put(FILE, { token: null })).toMatchObject({ status: 401, body: { code: 'missing_operator_token' } });
    expect(await put(FILE, { token: `${TOKEN}x` })).toMatchObject({ status: 401, body: { code: 'invalid_operator_token' } });
    expect(await put(FILE, { token: world.tenants[0].apiKey })).toMatchObject({ status: 401, body: { code: 'invalid_operator_token' } });
    expect(await get(`?date=${TODAY}`, 'wrong')).toMatchObject({ status: 401, body: { code: 'invalid_operator_token' } });
    expect(await get(`?date=${TODAY}`, null)).toMatchObject({ status: 401, body: { code: 'missing_operator_token' } });
  });

  it('415 for another media type or charset; 413 over EXCHANGE_RATES_BODY_LIMIT_BYTES; the JSON routes still refuse XML', async () => {
    expect(await put(FILE, { contentType: 'application/json' })).toMatchObject({ status: 415, body: { code: 'unsupported_media_type', detail: expect.stringContaining('application/xml or text/xml') } });
    expect(await put(FILE, { contentType: 'text/plain' })).toMatchObject({ status: 415 });
    expect(await put(FILE, { contentType: 'text/xml; charset=iso-8859-1' })).toMatchObject({ status: 415, body: { detail: expect.stringContaining('UTF-8') } });
    const big = FILE.replace('<gesmes:subject>', `<!-- ${'x'.repeat(5_000)} --><gesmes:subject>`);
    expect(await put(big)).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    const webhook = await fetch(`${ingest.url}/webhooks/airbnb`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: FILE });
    expect(webhook.status).toBe(415);
  });

  it('403 while OPERATOR_API_TOKEN is unset: the operator routes are off, and say so', async () => {
    const off = await world.startIngest();
    try {
      expect(await put(FILE, { service: off })).toMatchObject({ status: 403, body: { code: 'operator_api_disabled', detail: expect.stringContaining('OPERATOR_API_TOKEN') } });
      expect(await get(`?date=${TODAY}`, TOKEN, off)).toMatchObject({ status: 403, body: { code: 'operator_api_disabled' } });
    } finally {
      off.child.kill('SIGTERM');
      await off.exited();
    }
  });
});
