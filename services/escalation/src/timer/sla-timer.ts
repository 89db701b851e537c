import type { Logger } from '@cm/service-runtime';
import { nextRetryAtMs } from '../notify/backoff';
import type { Notification, Notifier } from '../notify/notifier';
import type { EscalationMetrics } from '../metrics';
import type { TaskStore } from '../store/task-store';

export interface TimerOptions {
  readonly pollMs: number;
  readonly levels: readonly string[];
  /** A failed notification is tried again this much later (doubling per failed round). */
  readonly retryMs: number;
  /** How long a claimed notification is this instance's before another may take it. */
  readonly claimMs: number;
}

/**
 * The clock of the review queue, polling the database so it survives restarts: escalates open
 * tasks past their SLA and delivers pending notifications (retrying failed ones). One round at a
 * time; stop() waits for it.
 */
export class SlaTimer {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  /** A round asked for but not started yet: further wakes join it instead of queueing more. */
  private queued: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { store: TaskStore; notifiers: readonly Notifier[]; metrics: EscalationMetrics; log: Logger; now: () => number },
    private readonly options: TimerOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Runs a round soon: after the one in progress, joined by every wake until it starts. */
  wake(): Promise<void> {
    this.queued ??= this.round = this.round.then(() => {
      this.queued = undefined;
      return this.runRound();
    });
    return this.queued;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.wake().finally(() => this.schedule(this.options.pollMs));
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    if (this.stopped) return;
    try {
      const due = await this.deps.store.dueWork();
      if (due.tasks) {
        const moved = await this.deps.store.escalateDue(this.options.levels.length);
        for (const m of moved) this.deps.metrics.escalations.inc({ conflict_type: m.conflictType, kind: m.kind });
        if (moved.length > 0) this.deps.log.info({ moved }, 'review tasks past their SLA');
      }
      // A task escalated just now queued its notification: delivered in this round too.
      if (due.tasks || due.notifications) await this.deliverNotifications();
    } catch (error) {
      this.deps.log.error({ err: error }, 'timer round failed; the next round tries again');
    }
  }

  /** Each pending notification goes to every notifier; it is delivered when all took it, else retried later. */
  async deliverNotifications(): Promise<void> {
    for (;;) {
      const claimed = await this.deps.store.claimNotifications(this.options.claimMs);
      if (claimed.length === 0) return;
      for (const row of claimed) {
        const notification: Notification = {
          notificationId: row.notification_id,
          taskId: row.task_id,
          reason: row.reason,
          level: this.options.levels[Math.min(row.notification_level, this.options.levels.length - 1)]!,
          conflictType: row.conflict_type,
          severity: row.severity,
          propertyId: row.property_id,
          channel: row.channel,
          summary: row.summary,
          dueAtMs: row.due_at_ms,
        };
        const errors: string[] = [];
        for (const notifier of this.deps.notifiers) {
          const outcome = await notifier.notify(notification);
          this.deps.metrics.notifications.inc({ notifier: notifier.name, outcome: outcome.delivered ? 'delivered' : 'failed' });
          if (!outcome.delivered) errors.push(`${notifier.name}: ${outcome.error}`);
        }
        if (errors.length === 0) {
          await this.deps.store.notificationDelivered(row.notification_id, row.task_id, this.deps.notifiers.map((n) => n.name).join(','));
        } else {
          const retryAt = nextRetryAtMs(this.deps.now(), row.failed_rounds + 1, this.options.retryMs);
          this.deps.log.error({ notificationId: row.notification_id, taskId: row.task_id, errors, retryAt: new Date(retryAt).toISOString() }, 'notification failed; the timer tries again');
          await this.deps.store.notificationFailed(row.notification_id, row.task_id, errors.join('; '), retryAt);
        }
      }
    }
  }
}
