import type { Severity } from '@cm/schemas';

/** Higher is worse: a repeat only ever raises a task's severity. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/**
 * The SLA of a review task whose rule gave none (a record flagged for review by its producer
 * without an SLA): how soon a human must act, by severity.
 */
export const SLA_MINUTES_BY_SEVERITY: Readonly<Record<Severity, number>> = { CRITICAL: 15, HIGH: 4 * 60, MEDIUM: 24 * 60, LOW: 72 * 60 };

export function higherSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}
