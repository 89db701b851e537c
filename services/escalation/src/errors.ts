import { pgFailureOf, RuntimeError } from '@cm/service-runtime';

/**
 * Errors of escalation that reach a caller of its API, with a stable code (the problem's `code`),
 * the HTTP status it answers with and whether trying again can help. How a dependency's failure
 * becomes one is decided here, from the runtime's SQLSTATE table, not at the handler.
 */
export abstract class EscalationError extends RuntimeError {
  abstract readonly status: number;
}

/**
 * PostgreSQL cannot take a value of the request (SQLSTATE class 22): the request's fault, and
 * retrying it changes nothing. The schemas refuse what they know PostgreSQL refuses (a NUL in a
 * note); this answers for anything they miss.
 */
export class RefusedValueError extends EscalationError {
  readonly code = 'invalid_value';
  readonly status = 400;
  readonly retriable = false;
  constructor(options: { cause: unknown }) {
    super('a value of the request cannot be stored', options);
  }
}

/**
 * PostgreSQL or Redis failed or did not answer. Every PostgreSQL error other than a data
 * exception answers 503: an integrity violation here is a race with a concurrent request, which
 * the retry resolves.
 */
export class DependencyUnavailableError extends EscalationError {
  readonly code = 'temporarily_unavailable';
  readonly status = 503;
  readonly retriable = true;
  constructor(options: { cause: unknown }) {
    super('a dependency did not answer; retry shortly', options);
  }
}

/** A dependency's failure as escalation answers it; `null` when `error` is not one. */
export function dependencyErrorOf(error: unknown): EscalationError | null {
  if (error instanceof EscalationError) return error;
  const failure = pgFailureOf(error);
  if (failure?.kind === 'data_exception') return new RefusedValueError({ cause: error });
  return failure === null ? null : new DependencyUnavailableError({ cause: error });
}
