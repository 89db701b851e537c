/**
 * Why a reference-rate file or load is refused. Each code is stable; `retriable` says whether
 * trying the same thing again can help (only fetching a URL can).
 */
export type RatesRefusalCode =
  /** Not well-formed XML (the XML parser's message and position). */
  | 'not_xml'
  /** Well-formed XML, but not the ECB's reference-rate envelope of Cubes. */
  | 'not_ecb_format'
  /** A `time` that is no calendar date (YYYY-MM-DD), or before the euro's first rates (1999-01-04), or in the future. */
  | 'bad_date'
  /** A currency that is not an ISO 4217 code with minor units, or EUR itself (the base). */
  | 'unknown_currency'
  /** A rate that is not a positive decimal number (digits, an optional point and digits), or has more digits than we keep exactly. */
  | 'bad_rate'
  /** The same currency twice on one date. */
  | 'duplicate_currency'
  /** The same date twice in one file. */
  | 'duplicate_date'
  /** No dated rates at all, or a date without any rate. */
  | 'empty'
  /** The file or URL could not be read, or is larger than the limit. */
  | 'unreadable';

/** Where in the document: 1-based line, 0-based column (the XML parser's), after the element's start tag. */
export interface Location {
  readonly line: number;
  readonly column: number;
}

export class RatesRefusedError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: RatesRefusalCode,
    readonly reason: string,
    readonly location: Location | null = null,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(location ? `line ${location.line}, column ${location.column}: ${reason}` : reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}
