import { isCurrencyCode, parseLocalDate, type CurrencyCode, type LocalDate } from '@cm/domain';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { parseDecimalRate, type DecimalRate } from './decimal-rate';
import { RatesRefusedError, type Location, type RatesRefusalCode } from './errors';

/** The envelope's namespace and the rates' (the default namespace of every ECB file). */
export const GESMES_NAMESPACE = 'http://www.gesmes.org/xml/2002-08-01';
export const EUROFXREF_NAMESPACE = 'http://www.ecb.int/vocabulary/2002-08-01/eurofxref';
/** The euro's first reference rates. */
export const FIRST_RATE_DATE = '1999-01-04';

/** One currency's rate on one date: `rate` units of the currency for one euro. */
export interface ReferenceRate {
  readonly currency: CurrencyCode;
  readonly rate: DecimalRate;
}

export interface ReferenceRateDay {
  readonly date: LocalDate;
  readonly rates: readonly ReferenceRate[];
}

export interface ParsedReferenceRates {
  /** Oldest date first. */
  readonly days: readonly ReferenceRateDay[];
  /** With `unknownCurrencies: 'skip'`: the codes left out, and on how many dates. */
  readonly skipped: readonly { readonly currency: string; readonly dates: number }[];
}

export interface ParseOptions {
  /**
   * `refuse` (the default) refuses the file at the first currency that is not an ISO 4217 code
   * with minor units. `skip` leaves such rates out and lists them: the ECB's history file still
   * holds currencies the euro or a redenomination replaced (CYP, HRK, TRL, ...), which the current
   * ISO list no longer has.
   */
  readonly unknownCurrencies?: 'refuse' | 'skip';
}

type Frame =
  | { readonly kind: 'envelope' }
  | { readonly kind: 'other' }
  | { readonly kind: 'cubes' }
  | { readonly kind: 'day'; readonly date: LocalDate; readonly rates: Map<CurrencyCode, ReferenceRate>; skippedRates: number; readonly at: Location }
  | { readonly kind: 'rate' };

/**
 * The ECB's euro foreign exchange reference rates (the daily, 90-day and history files, which
 * differ only in how many dated Cubes they hold):
 *
 *   <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
 *     <gesmes:subject>Reference rates</gesmes:subject> <gesmes:Sender>...</gesmes:Sender>
 *     <Cube><Cube time="2026-12-03"><Cube currency="USD" rate="1.0525"/>...</Cube>...</Cube>
 *   </gesmes:Envelope>
 *
 * Read by a conforming XML parser (saxes: well-formedness, namespaces, the predefined and
 * character entities, CDATA and comments as XML has them), so quotes, attribute order, spacing,
 * prefixes and comments change nothing, and a Cube is one only in the ECB's namespace. Anything
 * else in the rate tree is refused with its line and column: no DOCTYPE (the ECB has none, and
 * declared entities are never expanded), no text or other element among the Cubes, no attribute
 * the format does not have. Pure: a string in, rates or a RatesRefusedError out.
 */
export function parseEcbReferenceRates(xml: string, options: ParseOptions = {}): ParsedReferenceRates {
  if (xml.trim() === '') throw new RatesRefusedError('empty', 'the file is empty');
  const skipUnknown = options.unknownCurrencies === 'skip';
  const parser = new SaxesParser({ xmlns: true, position: true });
  const at = (): Location => ({ line: parser.line, column: parser.column });
  const refuse = (code: RatesRefusalCode, reason: string, location: Location = at()): never => {
    throw new RatesRefusedError(code, reason, location);
  };
  const stack: Frame[] = [];
  const days = new Map<LocalDate, ReferenceRateDay>();
  const dayAt = new Map<LocalDate, Location>();
  const skipped = new Map<string, number>();
  let sawCubes = false;

  const textIn = (text: string, what: string) => {
    const frame = stack[stack.length - 1];
    if (text.trim() === '' || frame === undefined || frame.kind === 'other') return;
    refuse('not_ecb_format', `${what} '${text.trim().slice(0, 40)}' inside ${frame.kind === 'envelope' ? 'the envelope' : 'the Cubes'}: the format has none there`);
  };

  parser.on('error', (error) => {
    throw new RatesRefusedError('not_xml', `not well-formed XML: ${error.message.replace(/^\d+:\d+:\s*/, '')}`, at());
  });
  // The text was decoded as UTF-8 (the ECB's encoding); a document that says otherwise was misread.
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) refuse('not_xml', `the document declares encoding ${decl.encoding.slice(0, 40)}: send it as UTF-8`);
  });
  parser.on('doctype', () => refuse('not_ecb_format', 'a DOCTYPE is not part of the ECB format (its entities would not be expanded)'));
  parser.on('text', (text) => textIn(text, 'text'));
  parser.on('cdata', (text) => textIn(text, 'CDATA'));
  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    const isCube = tag.uri === EUROFXREF_NAMESPACE && tag.local === 'Cube';
    if (parent === undefined) {
      if (tag.uri !== GESMES_NAMESPACE || tag.local !== 'Envelope') refuse('not_ecb_format', `the root element is ${describe(tag)}, not the ECB's gesmes:Envelope (${GESMES_NAMESPACE})`);
      stack.push({ kind: 'envelope' });
      return;
    }
    switch (parent.kind) {
      case 'envelope':
      case 'other':
        if (tag.uri === EUROFXREF_NAMESPACE && (parent.kind === 'other' || !isCube || sawCubes)) {
          refuse('not_ecb_format', `${describe(tag)} out of place: the rates are one Cube directly in the envelope`);
        }
        if (!isCube) {
          stack.push({ kind: 'other' });
          return;
        }
        attributesOf(tag, [], refuse);
        sawCubes = true;
        stack.push({ kind: 'cubes' });
        return;
      case 'cubes': {
        if (!isCube) refuse('not_ecb_format', `${describe(tag)} among the dated Cubes: only <Cube time="YYYY-MM-DD"> belongs there`);
        const { time } = attributesOf(tag, ['time'], refuse);
        const parsed = parseLocalDate(time!);
        if (parsed === 'not_iso_date' || parsed === 'not_a_calendar_day') return refuse('bad_date', `time '${time!.slice(0, 40)}' is not a calendar date (YYYY-MM-DD): ${parsed}`);
        const date: LocalDate = parsed;
        if (date < FIRST_RATE_DATE) refuse('bad_date', `time ${date} is before the euro's first reference rates (${FIRST_RATE_DATE})`);
        const earlier = dayAt.get(date);
        if (earlier) refuse('duplicate_date', `${date} appears twice (first at line ${earlier.line})`);
        dayAt.set(date, at());
        stack.push({ kind: 'day', date, rates: new Map(), skippedRates: 0, at: at() });
        return;
      }
      case 'day': {
        if (!isCube) refuse('not_ecb_format', `${describe(tag)} in the Cube of ${parent.date}: only <Cube currency="..." rate="..."/> belongs there`);
        const attributes = attributesOf(tag, ['currency', 'rate'], refuse);
        const code = attributes.currency!;
        stack.push({ kind: 'rate' });
        if (code === 'EUR') refuse('unknown_currency', `EUR on ${parent.date}: the euro is the base of every rate, not one of them`);
        if (!isCurrencyCode(code)) {
          if (skipUnknown && /^[A-Z]{3}$/.test(code)) {
            skipped.set(code, (skipped.get(code) ?? 0) + 1);
            parent.skippedRates += 1;
            return;
          }
          refuse('unknown_currency', `currency '${code.slice(0, 40)}' on ${parent.date} is not an ISO 4217 code with minor units`);
        }
        const currency = code as CurrencyCode;
        if (parent.rates.has(currency)) refuse('duplicate_currency', `${currency} appears twice on ${parent.date}`);
        const rate = parseDecimalRate(attributes.rate!);
        if (typeof rate === 'string') return refuse('bad_rate', `${currency} on ${parent.date}: ${rate}`);
        parent.rates.set(currency, { currency, rate });
        return;
      }
      case 'rate':
        return refuse('not_ecb_format', `${describe(tag)} inside a rate's Cube, which holds nothing`);
      default: {
        const unhandled: never = parent;
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`);
      }
    }
  });
  parser.on('closetag', () => {
    const frame = stack.pop();
    if (frame?.kind !== 'day') return;
    if (frame.rates.size > 0) days.set(frame.date, { date: frame.date, rates: [...frame.rates.values()] });
    else if (frame.skippedRates === 0) refuse('empty', `the Cube of ${frame.date} holds no rates`, frame.at);
  });

  parser.write(xml).close();
  if (!sawCubes) refuse('not_ecb_format', 'the envelope holds no Cube of rates');
  if (days.size === 0) refuse('empty', 'no dated rates: the Cube holds no <Cube time="...">');
  return {
    days: [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1)),
    skipped: [...skipped].map(([currency, dates]) => ({ currency, dates })).sort((a, b) => (a.currency < b.currency ? -1 : 1)),
  };
}

/** The named attributes of a Cube, trimmed; refuses a missing one, or one the format does not have. */
function attributesOf(tag: SaxesTagNS, names: readonly string[], refuse: (code: RatesRefusalCode, reason: string) => never): Record<string, string> {
  const found: Record<string, string> = {};
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.name === 'xmlns' || attribute.prefix === 'xmlns') continue;
    if (attribute.uri !== '' || !names.includes(attribute.local)) {
      refuse('not_ecb_format', `attribute ${attribute.name} on a Cube${names.length > 0 ? ` that takes ${names.join(' and ')}` : ' that takes none'}`);
    }
    found[attribute.local] = attribute.value.trim();
  }
  const missing = names.filter((name) => !Object.hasOwn(found, name));
  if (missing.length > 0) refuse('not_ecb_format', `a Cube without ${missing.join(' and ')}`);
  return found;
}

function describe(tag: SaxesTagNS): string {
  return `<${tag.name}>${tag.uri ? ` (namespace ${tag.uri})` : ''}`;
}
