import type { LedgerReads } from '../ledger-reads';
import { Problem } from '@cm/service-runtime';

/** What the arbiter tells a waiting caller (its DecisionReply). */
export interface DecisionReply {
  readonly commandId: string;
  readonly outcome: 'applied' | 'rejected' | 'ignored' | 'dead_lettered';
  readonly reason: string | null;
  readonly version: number | null;
  readonly bookingRef: string;
  readonly heldBy: string | null;
}

/** Why a command changed nothing, as the HTTP status a caller can act on. */
const IGNORED_STATUS: Readonly<Record<string, number>> = {
  unknown_booking: 404,
  booking_already_exists: 409,
  cancellation_is_final: 409,
  booking_was_rejected: 409,
  stale_version: 409,
};

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A decision as the HTTP answer: applied is 200/201 with the stay as the ledger now holds it; a
 * refusal is 409 naming the reason and, when nights are taken, the stay holding them.
 */
export async function answerOfDecision(reply: DecisionReply, propertyId: string, stayKey: string, successStatus: 200 | 201, ledger: LedgerReads): Promise<HttpAnswer> {
  const decision = { command_id: reply.commandId, outcome: reply.outcome, reason: reply.reason, version: reply.version };
  if (reply.outcome === 'dead_lettered') return problemAnswer(new Problem(422, 'command_not_decidable', reply.reason ?? 'the arbiter could not take the command'));
  if (reply.outcome === 'rejected') {
    const holder = reply.heldBy ? await ledger.stay(propertyId, reply.heldBy) : undefined;
    return problemAnswer(new Problem(409, reply.reason ?? 'rejected', describeRejection(reply), undefined, {}, { ...decision, ...(holder ? { conflicting_stay: holder } : {}) }));
  }
  if (reply.outcome === 'ignored' && reply.reason && IGNORED_STATUS[reply.reason]) {
    return problemAnswer(new Problem(IGNORED_STATUS[reply.reason]!, reply.reason, `nothing changed: ${reply.reason.replaceAll('_', ' ')}`, undefined, {}, decision));
  }
  const stay = (await ledger.stay(propertyId, stayKey)) ?? null;
  return { status: reply.outcome === 'applied' ? successStatus : 200, body: { ...decision, stay } };
}

export function problemAnswer(problem: Problem): HttpAnswer {
  return { status: problem.status, body: problem.body() };
}

function describeRejection(reply: DecisionReply): string {
  if (reply.reason === 'nights_unavailable') return `the nights are held by ${reply.heldBy ?? 'another stay'}`;
  return `refused: ${(reply.reason ?? 'rejected').replaceAll('_', ' ')}`;
}
