import { KafkaSendError, pgFailureOf, RuntimeError } from '@cm/service-runtime';

/**
 * Errors of ingest that reach a caller of its API. Each has a stable code (the problem's `code`),
 * the HTTP status it answers with and whether trying again can help; how a dependency's failure
 * becomes one is decided here, from the runtime's SQLSTATE table, not at the handler.
 */
export abstract class IngestError extends RuntimeError {
  abstract readonly status: number;
  readonly headers: Readonly<Record<string, string>> = {};
}

/** PostgreSQL cannot take a value of the request (SQLSTATE class 22): the request's fault, not ours. */
export class LedgerRefusedValueError extends IngestError {
  readonly code = 'invalid_value';
  readonly status = 400;
  readonly retriable = false;
  constructor(options: { cause: unknown }) {
    super('a value of the request is out of the range the ledger can take', options);
  }
}

/** The broker or the database failed or did not answer; the same request can succeed shortly. */
export class DependencyUnavailableError extends IngestError {
  readonly code = 'temporarily_unavailable';
  readonly status = 503;
  readonly retriable = true;
  override readonly headers = { 'retry-after': '1' };
  constructor(options: { cause: unknown }) {
    super('a dependency did not answer; retry shortly', options);
  }
}

/**
 * A dependency's failure as ingest answers it; `null` when `error` is not one. Every PostgreSQL
 * error other than a data exception answers 503 as it always has: an integrity violation here is
 * a race with a concurrent request, which the retry resolves.
 */
export function dependencyErrorOf(error: unknown): IngestError | null {
  if (error instanceof IngestError) return error;
  const failure = pgFailureOf(error);
  if (failure?.kind === 'data_exception') return new LedgerRefusedValueError({ cause: error });
  if (failure !== null || error instanceof KafkaSendError) return new DependencyUnavailableError({ cause: error });
  return null;
}
