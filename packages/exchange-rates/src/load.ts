import { parseEcbReferenceRates, type ParseOptions } from './ecb-xml';
import type { LoadOutcome, ReferenceRates } from './store';

/** Parses an ECB reference-rate document and upserts its rates: the one way rates enter, for the CLI and ingest's API. */
export function loadEcbXml(rates: ReferenceRates, xml: string, options: ParseOptions & { readonly source: string; readonly nowMs: number }): Promise<LoadOutcome> {
  const parsed = parseEcbReferenceRates(xml, options);
  return rates.load(parsed, options.source, options.nowMs);
}

/** One line for an operator: what a load did. */
export function describeLoad(outcome: LoadOutcome): string {
  const span = outcome.firstDate === outcome.lastDate ? outcome.firstDate : `${outcome.firstDate}..${outcome.lastDate}`;
  return `${span}: ${outcome.dates} date(s), ${outcome.inserted} rate(s) new, ${outcome.updated} changed, ${outcome.unchanged} unchanged`;
}
