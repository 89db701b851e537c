import type { Logger } from '@cm/service-runtime';
import type { DeliveryOutcome, Notification, Notifier } from './notifier';

/** Every notification as a log line: always on, so nothing is told only to a webhook. */
export class LogNotifier implements Notifier {
  readonly name = 'log';
  constructor(private readonly log: Logger) {}

  async notify(notification: Notification): Promise<DeliveryOutcome> {
    this.log.warn({ notification }, `review task ${notification.reason}: ${notification.level} to act on ${notification.conflictType} (${notification.severity})`);
    return { delivered: true };
  }
}
