import { Counter, Gauge, Histogram, type Logger, type Registry } from '@cm/service-runtime';

export type IngestPath = 'kafka' | 'webhook' | 'pms';
export type IngestOutcome = 'command' | 'calendar_report' | 'dead_lettered' | 'duplicate' | 'refused';

export interface IngestMetrics {
  /** Every event or request taken in ends as exactly one outcome. */
  readonly events: Counter<'path' | 'channel' | 'outcome'>;
  readonly requests: Counter<'route' | 'status'>;
  readonly requestSeconds: Histogram<'route'>;
  readonly rateLimited: Counter<'tenant'>;
  readonly decisionWaits: Counter<'result'>;
  readonly idempotencyPurged: Counter;
  /** booking.events records taken by the PMS revision feed, by outcome. */
  readonly pmsRevisions: Counter<'outcome'>;
  readonly pmsRevisionsPurged: Counter;
  /** PMS quotes of channel stays (new reservations, modifications with a total), by result: quoted, or why not. */
  readonly pmsQuotes: Counter<'result'>;
  /** Reads of imported iCal feeds, by channel and outcome. */
  readonly icalReads: Counter<'channel' | 'outcome'>;
  /** Changes of imported iCal feeds sent as channel events, by channel and change. */
  readonly icalChanges: Counter<'channel' | 'change'>;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  return {
    events: new Counter({
      name: 'cm_ingest_events_total',
      help: 'Channel events and PMS writes taken in, by path, channel (PMS for the PMS API) and outcome: command, calendar_report, dead_lettered, duplicate, refused (HTTP 4xx).',
      labelNames: ['path', 'channel', 'outcome'] as const,
      registers: [registry],
    }),
    requests: new Counter({
      name: 'cm_ingest_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'cm_ingest_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route.',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'cm_ingest_rate_limited_total',
      help: 'Requests refused with 429 because a tenant went over its rate.',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    decisionWaits: new Counter({
      name: 'cm_ingest_decision_waits_total',
      help: "PMS writes that waited for the arbiter's decision, by result: decided, deadline_passed.",
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    idempotencyPurged: new Counter({
      name: 'cm_ingest_idempotency_keys_purged_total',
      help: 'Idempotency-Key records deleted because they outlived IDEMPOTENCY_RETENTION_HOURS.',
      registers: [registry],
    }),
    pmsRevisions: new Counter({
      name: 'cm_ingest_pms_revisions_total',
      help: 'booking.events records taken by the PMS revision feed, by outcome: recorded (a new revision), duplicate (its event_id was recorded before), unknown_property (skipped), not_a_change (COMMAND_IGNORED).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    pmsRevisionsPurged: new Counter({
      name: 'cm_ingest_pms_revisions_purged_total',
      help: 'Acknowledged PMS revisions deleted because their acknowledgement is older than REVISION_RETENTION_DAYS.',
      registers: [registry],
    }),
    pmsQuotes: new Counter({
      name: 'cm_ingest_pms_quotes_total',
      help: "PMS quotes of channel stays (a new reservation, a modification with a total) from the stored rates, by result: quoted, quoted_in_pms_currency (no exchange rate: the arbiter's currency rule compares), or why there is none (rate_plan_not_named, rate_plan_not_mapped, rate_plan_without_rates, night_without_price, no_exchange_rate, total_too_large).",
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    icalReads: new Counter({
      name: 'cm_ingest_ical_reads_total',
      help: "Reads of channels' iCal feeds imported into the ledger, by channel and outcome: changed (a whole calendar, taken in), unchanged (304), failed (no answer, an error status, too large, too slow), incomplete (not a whole calendar), suspicious_shrink (dropped too much at once: nothing released), no_property (the listing is mapped to none).",
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    icalChanges: new Counter({
      name: 'cm_ingest_ical_changes_total',
      help: "Changes of imported iCal feeds sent as channel events, by channel and change: appeared (a new stay), moved (new dates), disappeared (released).",
      labelNames: ['channel', 'change'] as const,
      registers: [registry],
    }),
  };
}

/**
 * The PMS revision feed per tenant, read from the database at every scrape (right after a restart
 * too, and the same from every instance): one grouped query serves both gauges. A failed read
 * drops the series rather than repeat old values.
 */
export function revisionFeedGauges(registry: Registry, read: () => Promise<readonly { tenantId: string; unacknowledged: number; oldestAgeSeconds: number }[]>, log: Logger): void {
  let inFlight: ReturnType<typeof read> | undefined;
  const readOnce = () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const gauge = (name: string, help: string, value: (row: { unacknowledged: number; oldestAgeSeconds: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['tenant'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const row of await readOnce()) this.set({ tenant: row.tenantId }, value(row));
        } catch (error) {
          log.warn({ err: error, metric: name }, 'reading the PMS revision feed for a scrape failed');
        }
      },
    });
  gauge('cm_ingest_pms_revisions_unacknowledged', 'PMS revisions not yet acknowledged, per tenant, as the database holds them.', (row) => row.unacknowledged);
  gauge('cm_ingest_pms_revisions_oldest_unacknowledged_age_seconds', "Age of the tenant's oldest unacknowledged PMS revision (0 when none), from when it was recorded.", (row) => row.oldestAgeSeconds);
}
