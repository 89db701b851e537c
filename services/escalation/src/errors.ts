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
 * PostgreSQL or Redis failed or did not answer. Every PostgreSQL error answers 503, as it always
 * has, whatever its class in the table: the desk's writes hold no value PostgreSQL refuses.
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
  return pgFailureOf(error) === null ? null : new DependencyUnavailableError({ cause: error });
}
