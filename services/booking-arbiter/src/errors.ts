import { FencedError, pgFailureOf, RuntimeError } from '@cm/service-runtime';

export { FencedError };

/**
 * Errors of the arbiter. Each has a stable code and says whether trying again can help; the
 * decision loop acts on the class, not on SQLSTATEs (their meaning is the runtime's table).
 */
export abstract class ArbiterError extends RuntimeError {
}

/**
 * Another transaction won a race on the command's rows (serialization failure, deadlock, or the
 * exclusion constraint refusing a write the loaded state allowed): deciding again on fresh state
 * sees what it wrote, e.g. the stay that holds the nights, and the decision becomes a rejection.
 */
export class LedgerConflictError extends ArbiterError {
  readonly code = 'LEDGER_CONFLICT';
  readonly retriable = true;
  constructor(readonly sqlstate: string, options: { cause: unknown }) {
    super(`decision refused by PostgreSQL ${sqlstate}; decided again on fresh state`, options);
  }
}

/**
 * PostgreSQL refuses the command's own data (a data exception, an integrity rule other than the
 * exclusion constraint, a limit): trying again cannot help, and holding the partition for it would
 * stop every property behind it, so the command is dead-lettered with this message.
 */
export class LedgerRefusedDataError extends ArbiterError {
  readonly code = 'LEDGER_REFUSED_DATA';
  readonly retriable = false;
  constructor(readonly sqlstate: string, options: { cause: unknown }) {
    super(`the ledger refused the command's data (PostgreSQL ${sqlstate}): ${(options.cause as Error).message}`, options);
  }
}

/**
 * What a failed decision transaction means for its command: one of the arbiter's errors, the
 * runtime's fence, or
 * `null` when it is none of them (connection lost, our own bug), which the loop does not handle.
 */
export function decisionFailureOf(error: unknown): ArbiterError | FencedError | null {
  if (error instanceof ArbiterError || error instanceof FencedError) return error;
  const failure = pgFailureOf(error);
  if (failure?.kind === 'conflict') return new LedgerConflictError(failure.code, { cause: error });
  if (failure?.class === 'refuses_data') return new LedgerRefusedDataError(failure.code, { cause: error });
  return null;
}
