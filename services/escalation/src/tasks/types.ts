import type { Channel, ConflictType, Severity } from '@cm/schemas';

export const TaskStatusSymbols = ['open', 'acknowledged', 'resolved'] as const;
export type TaskStatus = (typeof TaskStatusSymbols)[number];

/** One sighting of a conflict that needs a human: opens a review task, or counts on the open one. */
export interface Occurrence {
  /** One open task per key (see conflictKey). */
  readonly key: string;
  readonly conflictType: ConflictType;
  readonly propertyId: string;
  readonly channel: Channel | null;
  readonly bookingRef: string | null;
  readonly severity: Severity;
  readonly slaMinutes: number;
  readonly rule: string;
  /** The 5.2 rule (or ours) that sent it to a human. */
  readonly escalatedBy: string;
  readonly summary: string;
  readonly details: Readonly<Record<string, string>>;
  /** The record it came from: the task's history names it. */
  readonly eventId: string;
  readonly seenAtMs: number;
}

/** What the repeat rules read of an open task. */
export interface OpenTaskState {
  readonly severity: Severity;
  readonly slaMinutes: number;
  readonly status: TaskStatus;
  readonly dueAtMs: number;
  readonly occurrences: number;
}

/** What happened to a task, for its history. */
export const HistoryActionSymbols = ['opened', 'repeated', 'severity_raised', 'escalated', 'acknowledged', 'resolved', 'notified', 'notification_failed', 'auto_cancel_not_possible', 'relocation_requested', 'relocation_accepted', 'relocation_refused', 'relocation_withdrawn'] as const;
export type HistoryAction = (typeof HistoryActionSymbols)[number];
