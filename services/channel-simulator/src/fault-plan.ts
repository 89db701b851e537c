import { z } from 'zod';
import { API_ENDPOINTS } from './stats';

/**
 * How a channel misbehaves, as the admin sets it with `PUT /admin/{channel}/faults`. Every part
 * is optional; a PUT replaces the whole plan and `DELETE` clears it. Faults touch the platform
 * API (`/{channel}/api/...`) and its iCal export (`/{channel}/ical/...`), never the admin API or webhooks.
 */

const milliseconds = z.number().int().min(0).max(60_000);
const probability = z.number().min(0).max(1);
const seconds = z.number().positive().max(86_400);

export const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
export const OUTAGE_MODES = ['status_503', 'destroy_connection'] as const;
export const RATE_WINDOWS = ['sliding', 'fixed'] as const;
export const FEED_BREAKAGES = ['empty', 'truncated'] as const;

export const faultPlanSchema = z
  .object({
    /** Reseeds this channel's randomness; without it the simulator's SEED and the channel name decide. */
    seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    /** Added before every API call answers: fixed_ms plus a uniform draw in [0, jitter_ms). */
    latency: z.object({ fixed_ms: milliseconds, jitter_ms: milliseconds.default(0) }).strict().optional(),
    /**
     * This share of API calls fail with `status`, nothing applied; with `endpoints`, only calls
     * to those (a platform whose writes fail while its calendar still reads).
     */
    server_errors: z
      .object({ rate: probability, status: z.literal(SERVER_ERROR_STATUSES).default(500), endpoints: z.array(z.enum(API_ENDPOINTS)).min(1).optional() })
      .strict()
      .optional(),
    /** Every API call is answered 429 for `for_seconds`, or the next `requests` calls. */
    throttle: z
      .object({
        for_seconds: seconds.optional(),
        requests: z.number().int().min(1).max(1_000_000).optional(),
        /** Default: the seconds left of `for_seconds`, or 1 with `requests`. */
        retry_after_seconds: z.number().int().min(0).max(86_400).optional(),
      })
      .strict()
      .refine((t) => (t.for_seconds === undefined) !== (t.requests === undefined), 'give exactly one of for_seconds and requests')
      .optional(),
    /**
     * Channex-style limit per listing, off unless set: this many availability calls per minute,
     * this many price and restriction calls (`/rates` writes) in a bucket of their own, and this
     * many reservation operations (acknowledge, decisions, host cancellations; reads are free).
     */
    property_rate_limit: z
      .object({
        window: z.enum(RATE_WINDOWS).default('sliding'),
        availability_per_minute: z.number().int().min(1).max(100_000).default(10),
        rates_per_minute: z.number().int().min(1).max(100_000).default(10),
        reservations_per_minute: z.number().int().min(1).max(100_000).default(10),
      })
      .strict()
      .optional(),
    /** Every API call fails, answered 503 or with the connection destroyed, until a time. */
    outage: z
      .object({
        until: z.iso.datetime({ offset: true }).optional(),
        for_seconds: seconds.optional(),
        mode: z.enum(OUTAGE_MODES).default('status_503'),
      })
      .strict()
      .refine((o) => (o.until === undefined) !== (o.for_seconds === undefined), 'give exactly one of until and for_seconds')
      .optional(),
    /** Writes answered 200 with an ack but never applied: this share of them, and/or the next `next`. */
    lost_updates: z
      .object({ rate: probability.optional(), next: z.number().int().min(1).max(1_000_000).optional() })
      .strict()
      .refine((l) => l.rate !== undefined || l.next !== undefined, 'give rate, next or both')
      .optional(),
    /**
     * The iCal export answers 200 with a calendar of no events, or with its body cut short (no
     * END:VCALENDAR): the next `next` fetches and/or that share of them. What an importer's shrink
     * guard is for.
     */
    broken_feed: z
      .object({ serve: z.enum(FEED_BREAKAGES), rate: probability.optional(), next: z.number().int().min(1).max(1_000_000).optional() })
      .strict()
      .refine((b) => b.rate !== undefined || b.next !== undefined, 'give rate, next or both')
      .optional(),
  })
  .strict();

export type FaultPlanInput = z.input<typeof faultPlanSchema>;
export type FaultPlan = z.output<typeof faultPlanSchema>;
export type OutageMode = (typeof OUTAGE_MODES)[number];
export type RateWindow = (typeof RATE_WINDOWS)[number];
