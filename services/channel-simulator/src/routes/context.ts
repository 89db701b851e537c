import type { Platforms } from '../platform';
import type { WebhookSender } from '../webhooks';

/** The log calls the simulator makes; a pino logger fits. */
export interface SimulatorLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** How the platforms treat reservations over time (defaults.ts; the process reads them from the environment). */
export interface ReservationSettings {
  /** How long a request to book waits for the host before the platform declines it. */
  readonly requestWindowMs: number;
  /** How often an unacknowledged revision is re-delivered; 0 never. */
  readonly redeliveryMs: number;
  readonly maxRedeliveries: number;
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
  readonly reservations: ReservationSettings;
}
