import { pgFailureOf, RuntimeError } from '@cm/service-runtime';

/**
 * Errors of the arbiter. Each has a stable code and says whether trying again can help; the
 * decision loop acts on the class, not on SQLSTATEs (their meaning is the runtime's table).
 */
export abstract class ArbiterError extends RuntimeError {
}

/** This instance no longer owns the partition: another was assigned it since. Nothing may be committed. */
export class FencedError extends ArbiterError {
  readonly code = 'PARTITION_FENCED';
  readonly retriable = false;
  constructor(readonly topic: string, readonly partition: number, readonly mine: number, readonly current: number) {
    super(`fenced: ${topic}[${partition}] is at generation ${current}, this instance holds ${mine}`);
  }
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
 * What a failed decision transaction means for its command: one of the arbiter's errors, or
 * `null` when it is none of them (connection lost, our own bug), which the loop does not handle.
 */
export function decisionFailureOf(error: unknown): ArbiterError | null {
  if (error instanceof ArbiterError) return error;
  const failure = pgFailureOf(error);
  if (failure?.kind === 'conflict') return new LedgerConflictError(failure.code, { cause: error });
  if (failure?.class === 'refuses_data') return new LedgerRefusedDataError(failure.code, { cause: error });
  return null;
}
