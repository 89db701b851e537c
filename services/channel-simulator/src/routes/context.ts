import type { Platforms } from '../platform';
import type { WebhookSender } from '../webhooks';

/** The log calls the simulator makes; a pino logger fits. */
export interface SimulatorLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What the route modules share. */
export interface RouteContext {
  readonly platforms: Platforms;
  /** The fault clock: outage and throttle windows and rate limits read it, so tests can move it. */
  readonly clock: () => number;
  readonly webhooks: WebhookSender;
  /** Base of ingest's webhook URLs (`${ingestUrl}/webhooks/{channel}`), without a trailing slash. */
  readonly ingestUrl: string;
  /** Aborted when the simulator closes, so injected latency does not hold shutdown. */
  readonly stopping: AbortSignal;
  readonly log: SimulatorLog;
}
