import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEcbReferenceRates, RatesRefusedError, type RatesRefusalCode } from '../src';

const DAILY = readFileSync(join(__dirname, 'fixtures', 'eurofxref-daily.xml'), 'utf8');
const OPEN = `<?xml version="1.0" encoding="UTF-8"?>\n<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n<gesmes:subject>Reference rates</gesmes:subject>\n`;
const CLOSE = `\n</gesmes:Envelope>`;
/** An envelope around `cubes` (the inside of the top-level Cube). */
const envelope = (cubes: string) => `${OPEN}<Cube>\n${cubes}\n</Cube>${CLOSE}`;
const day = (date: string, rates: string) => `<Cube time='${date}'>${rates}</Cube>`;

function refusal(xml: string, options = {}): RatesRefusedError {
  try {
    parseEcbReferenceRates(xml, options);
  } catch (error) {
    if (error instanceof RatesRefusedError) return error;
    throw error;
  }
  throw new Error('the document was accepted');
}

const rates = (xml: string) => parseEcbReferenceRates(xml).days.map((d) => [d.date, d.rates.map((r) => `${r.currency} ${r.rate.text} ${r.rate.numerator}/${r.rate.denominator}`)]);

describe('the ECB reference-rate XML: what it reads', () => {
  it("reads the daily file: one date, every currency as an exact fraction of one euro's worth", () => {
    const [only, ...more] = parseEcbReferenceRates(DAILY).days;
    expect(more).toEqual([]);
    expect(only!.date).toBe('2026-12-03');
    expect(only!.rates).toHaveLength(29);
    expect(only!.rates.slice(0, 2)).toEqual([
      { currency: 'USD', rate: { text: '1.0525', numerator: 421, denominator: 400 } },
      { currency: 'JPY', rate: { text: '163.24', numerator: 4081, denominator: 25 } },
    ]);
    expect(only!.rates.find((r) => r.currency === 'ISK')!.rate).toEqual({ text: '146.30', numerator: 1463, denominator: 10 });
  });

  it('reads the 90-day and history shape: many dated Cubes, newest first in the file, oldest first out', () => {
    const xml = envelope([day('2026-12-03', `<Cube currency='USD' rate='1.0525'/>`), day('2026-12-02', `<Cube currency='USD' rate='1.0510'/>`), day('2026-11-30', `<Cube currency='USD' rate='1.05'/>`)].join('\n'));
    expect(rates(xml)).toEqual([
      ['2026-11-30', ['USD 1.05 21/20']],
      ['2026-12-02', ['USD 1.0510 1051/1000']],
      ['2026-12-03', ['USD 1.0525 421/400']],
    ]);
  });

  it.each([
    ['double quotes', `<Cube time="2026-12-03"><Cube currency="USD" rate="1.0525"/></Cube>`],
    ['attributes in the other order', `<Cube time='2026-12-03'><Cube rate='1.0525' currency='USD'/></Cube>`],
    ['whitespace and newlines inside tags and around =', `<Cube\n\ttime = '2026-12-03' >\n  <Cube  currency\n= "USD"\n rate =\t'1.0525'  ></Cube>\n</Cube >`],
    ['comments between and around the Cubes', `<!-- <Cube time='2020-01-01'><Cube currency='GBP' rate='9'/></Cube> -->${day('2026-12-03', `<!-- USD next --><Cube currency='USD' rate='1.0525'/><!-- <Cube currency='JPY' rate='1'/> -->`)}`],
    ['character references in values', `<Cube time='2026&#45;12-03'><Cube currency='&#85;SD' rate='1&#x2E;0525'/></Cube>`],
    ['another prefix bound to the same namespace', `<x:Cube xmlns:x="http://www.ecb.int/vocabulary/2002-08-01/eurofxref" time='2026-12-03'><x:Cube currency='USD' rate='1.0525'/></x:Cube>`],
    ['spaces around a value', `<Cube time=' 2026-12-03 '><Cube currency=' USD' rate='1.0525 '/></Cube>`],
  ])('is not fooled by %s', (_, cube) => {
    expect(rates(envelope(cube))).toEqual([['2026-12-03', ['USD 1.0525 421/400']]]);
  });

  it('takes a byte-order mark, CDATA and comments outside the rate tree, and no XML declaration', () => {
    const xml = `\uFEFF<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><!-- hi --><gesmes:subject><![CDATA[<Cube time='2020-01-01'><Cube currency='GBP' rate='9'/></Cube>]]></gesmes:subject><Cube>${day('2026-12-03', `<Cube currency='USD' rate='1.0525'/>`)}</Cube></gesmes:Envelope>`;
    expect(rates(xml)).toEqual([['2026-12-03', ['USD 1.0525 421/400']]]);
  });

  it('with unknownCurrencies: skip, leaves out codes the ISO list lacks and says which (the history file has CYP, HRK, ...)', () => {
    const xml = envelope([day('2007-12-28', `<Cube currency='USD' rate='1.4721'/><Cube currency='CYP' rate='0.585274'/>`), day('2008-01-02', `<Cube currency='CYP' rate='0.585274'/><Cube currency='MTL' rate='0.4293'/>`)].join(''));
    expect(refusal(xml).code).toBe('unknown_currency');
    const parsed = parseEcbReferenceRates(xml, { unknownCurrencies: 'skip' });
    expect(parsed.days.map((d) => [d.date, d.rates.map((r) => r.currency)])).toEqual([['2007-12-28', ['USD']]]);
    expect(parsed.skipped).toEqual([
      { currency: 'CYP', dates: 2 },
      { currency: 'MTL', dates: 1 },
    ]);
    // Skipping is for retired codes, not for EUR or malformed ones.
    expect(refusal(envelope(day('2008-01-02', `<Cube currency='eur' rate='1'/>`)), { unknownCurrencies: 'skip' }).code).toBe('unknown_currency');
  });
});

describe('the ECB reference-rate XML: what it refuses, and where', () => {
  const usd = `<Cube currency='USD' rate='1.0525'/>`;
  it.each<[string, string, RatesRefusalCode, RegExp]>([
    ['an empty file', '', 'empty', /the file is empty/],
    ['a file of whitespace', ' \n\t ', 'empty', /the file is empty/],
    ['text that is not XML', 'USD,1.0525\nJPY,163.24', 'not_xml', /not well-formed XML/],
    ['a truncated document', DAILY.slice(0, 600), 'not_xml', /not well-formed XML/],
    ['an undefined entity', envelope(day('2026-12-03', `<Cube currency='USD' rate='&one;'/>`)), 'not_xml', /not well-formed XML/],
    ['another encoding declared', DAILY.replace('UTF-8', 'ISO-8859-1'), 'not_xml', /encoding ISO-8859-1/],
    ['a DOCTYPE with entities', `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY r "1.05">]>${envelope(day('2026-12-03', `<Cube currency='USD' rate='&r;'/>`))}`, 'not_ecb_format', /DOCTYPE/],
    ['another root', `<html><body>${usd}</body></html>`, 'not_ecb_format', /root element is <html>/],
    ['the envelope in no namespace', `<Envelope><Cube>${day('2026-12-03', usd)}</Cube></Envelope>`, 'not_ecb_format', /root element is <Envelope>/],
    ['Cubes in another namespace', `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="urn:not-the-ecb"><Cube>${day('2026-12-03', usd)}</Cube></gesmes:Envelope>`, 'not_ecb_format', /no Cube of rates/],
    ['an envelope without Cubes', `${OPEN}${CLOSE}`, 'not_ecb_format', /no Cube of rates/],
    ['a second top-level Cube', `${OPEN}<Cube>${day('2026-12-03', usd)}</Cube><Cube>${day('2026-12-04', usd)}</Cube>${CLOSE}`, 'not_ecb_format', /out of place/],
    ['a rate Cube hidden in the sender', `${OPEN}<gesmes:Sender><Cube currency='USD' rate='9'/></gesmes:Sender><Cube>${day('2026-12-03', usd)}</Cube>${CLOSE}`, 'not_ecb_format', /out of place/],
    ['a date on the top-level Cube', `${OPEN}<Cube time='2026-12-03'>${usd}</Cube>${CLOSE}`, 'not_ecb_format', /attribute time on a Cube that takes none/],
    ['a rate directly in the top-level Cube', envelope(usd), 'not_ecb_format', /attribute currency on a Cube that takes time/],
    ['an unknown attribute', envelope(day('2026-12-03', `<Cube currency='USD' rate='1.0525' multiplier='100'/>`)), 'not_ecb_format', /attribute multiplier/],
    ['a namespaced attribute', envelope(day('2026-12-03', `<Cube xmlns:g="urn:g" g:currency='USD' currency='USD' rate='1.0525'/>`)), 'not_ecb_format', /attribute g:currency/],
    ['a rate without currency', envelope(day('2026-12-03', `<Cube rate='1.0525'/>`)), 'not_ecb_format', /a Cube without currency/],
    ['a dated Cube without time', envelope(`<Cube>${usd}</Cube>`), 'not_ecb_format', /a Cube without time/],
    ['text among the Cubes', envelope(day('2026-12-03', `USD 1.0525 ${usd}`)), 'not_ecb_format', /text 'USD 1.0525' inside the Cubes/],
    ['CDATA among the Cubes', envelope(day('2026-12-03', `<![CDATA[<Cube currency='JPY' rate='1'/>]]>${usd}`)), 'not_ecb_format', /CDATA/],
    ['another element among the Cubes', envelope(day('2026-12-03', `<Rate currency='USD' rate='1.0525'/>`)), 'not_ecb_format', /<Rate>/],
    ['an element inside a rate', envelope(day('2026-12-03', `<Cube currency='USD' rate='1.0525'><Cube currency='JPY' rate='1'/></Cube>`)), 'not_ecb_format', /inside a rate's Cube/],
    ['a day-month-year date', envelope(day('03/12/2026', usd)), 'bad_date', /'03\/12\/2026' is not a calendar date/],
    ['a date that is no calendar day', envelope(day('2026-02-30', usd)), 'bad_date', /not_a_calendar_day/],
    ['a date before the euro', envelope(day('1998-12-31', usd)), 'bad_date', /before the euro's first reference rates/],
    ['an unknown currency', envelope(day('2026-12-03', `<Cube currency='ZZZ' rate='1'/>`)), 'unknown_currency', /'ZZZ' on 2026-12-03/],
    ['gold, which has no minor unit', envelope(day('2026-12-03', `<Cube currency='XAU' rate='0.0004'/>`)), 'unknown_currency', /'XAU'/],
    ['a lower-case code', envelope(day('2026-12-03', `<Cube currency='usd' rate='1.0525'/>`)), 'unknown_currency', /'usd'/],
    ['the base itself', envelope(day('2026-12-03', `<Cube currency='EUR' rate='1'/>`)), 'unknown_currency', /the euro is the base/],
    ['a negative rate', envelope(day('2026-12-03', `<Cube currency='USD' rate='-1.0525'/>`)), 'bad_rate', /USD on 2026-12-03: '-1.0525' is not a positive decimal/],
    ['a zero rate', envelope(day('2026-12-03', `<Cube currency='USD' rate='0.000'/>`)), 'bad_rate', /is zero/],
    ['a decimal comma', envelope(day('2026-12-03', `<Cube currency='USD' rate='1,0525'/>`)), 'bad_rate', /not a positive decimal/],
    ['an exponent', envelope(day('2026-12-03', `<Cube currency='USD' rate='1.05e0'/>`)), 'bad_rate', /not a positive decimal/],
    ['a bare point', envelope(day('2026-12-03', `<Cube currency='USD' rate='.5'/>`)), 'bad_rate', /not a positive decimal/],
    ['an empty rate', envelope(day('2026-12-03', `<Cube currency='USD' rate=''/>`)), 'bad_rate', /not a positive decimal/],
    ['more digits than kept exactly', envelope(day('2026-12-03', `<Cube currency='USD' rate='1.0525000000000001'/>`)), 'bad_rate', /more than 15 digits/],
    ['a currency twice on one date', envelope(day('2026-12-03', `${usd}<Cube currency='USD' rate='1.06'/>`)), 'duplicate_currency', /USD appears twice on 2026-12-03/],
    ['a date twice', envelope(`${day('2026-12-03', usd)}\n${day('2026-12-03', usd)}`), 'duplicate_date', /2026-12-03 appears twice \(first at line 5\)/],
    ['a date without rates', envelope(`${day('2026-12-03', usd)}${day('2026-12-02', '')}`), 'empty', /the Cube of 2026-12-02 holds no rates/],
    ['no dated Cube', envelope(''), 'empty', /no dated rates/],
  ])('refuses %s', (_, xml, code, reason) => {
    const error = refusal(xml);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(reason);
    expect(error.retriable).toBe(false);
  });

  it('locates what it refuses by line and column', () => {
    const lines = DAILY.split('\n');
    const jpy = lines.findIndex((l) => l.includes("'JPY'"));
    lines[jpy] = "\t\t\t<Cube currency='JPY' rate='163,24'/>";
    const error = refusal(lines.join('\n'));
    expect(error).toMatchObject({ code: 'bad_rate', location: { line: jpy + 1, column: 39 } });
    expect(error.message).toMatch(new RegExp(`^line ${jpy + 1}, column 39: JPY on 2026-12-03: '163,24'`));
    expect(refusal(`${OPEN}<Cube>\n</gesmes:Envelope>`)).toMatchObject({ code: 'not_xml', location: { line: 5 } });
  });
});
