import type { Channel, ConflictType, Severity } from '@cm/schemas';

/** What a person is told about a task. */
export interface Notification {
  readonly notificationId: number;
  readonly taskId: string;
  /** opened: a new task; escalated: its SLA passed and it moved up; reminder: passed again at the top level. */
  readonly reason: 'opened' | 'escalated' | 'reminder';
  /** Who is told: the level's name (on-call, manager, owner). */
  readonly level: string;
  readonly conflictType: ConflictType;
  readonly severity: Severity;
  readonly propertyId: string;
  readonly channel: Channel | null;
  readonly summary: string;
  readonly dueAtMs: number;
}

/** Delivered, or failed with a reason the timer logs before it tries again. */
export type DeliveryOutcome = { readonly delivered: true } | { readonly delivered: false; readonly error: string };

export interface Notifier {
  readonly name: string;
  notify(notification: Notification): Promise<DeliveryOutcome>;
}
