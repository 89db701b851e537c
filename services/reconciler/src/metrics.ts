import { Counter, Gauge, Histogram, type Registry } from '@cm/service-runtime';

export interface ReconcilerMetrics {
  readonly driftDays: Gauge<'channel_type' | 'property_id'>;
  readonly priceDriftNights: Gauge<'channel_type' | 'property_id'>;
  readonly rateDriftNights: Counter<'channel' | 'kind'>;
  readonly rateChecks: Counter<'channel' | 'outcome'>;
  readonly listings: Counter<'channel' | 'outcome'>;
  readonly corrections: Counter<'channel' | 'outcome'>;
  readonly passDuration: Histogram<'trigger'>;
  readonly lastPassFinished: Gauge<'trigger'>;
  readonly scheduleChecks: Counter<'outcome'>;
  readonly calendarReports: Counter<'channel' | 'outcome'>;
}

export function reconcilerMetrics(registry: Registry): ReconcilerMetrics {
  return {
    driftDays: new Gauge({
      name: 'channel_availability_drift_days',
      help: "Nights of the window whose availability on the channel differs from the ledger, at the last comparison (series only while non-zero, so the count of series stays bounded by the drifting listings).",
      labelNames: ['channel_type', 'property_id'] as const,
      registers: [registry],
    }),
    priceDriftNights: new Gauge({
      name: 'channel_price_drift_nights',
      help: "Nights of the window whose price or stay rules on the channel differ from the PMS's in any rate plan the listing sells, at the last comparison (series only while non-zero, like channel_availability_drift_days).",
      labelNames: ['channel_type', 'property_id'] as const,
      registers: [registry],
    }),
    rateDriftNights: new Counter({
      name: 'cm_reconcile_rate_drift_nights_total',
      help: "Drifted nights found in channels' rates, by channel and kind: price (beyond 1%, another currency, missing) or restriction (a stay rule); a night with both counts in each.",
      labelNames: ['channel', 'kind'] as const,
      registers: [registry],
    }),
    rateChecks: new Counter({
      name: 'cm_reconcile_rate_checks_total',
      help: "Listings whose rate plans were read and compared with the PMS's, by channel and outcome: in_sync, corrected (a rate.changes correction sent), unread.",
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    listings: new Counter({
      name: 'cm_reconcile_listings_total',
      help: 'Channel listings compared, by channel and outcome (in_sync, pending: corrections sent, unread: the calendar could not be read).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    corrections: new Counter({
      name: 'cm_reconcile_corrections_total',
      help: 'Corrected listings by channel and outcome: sent, fixed (the channel acknowledged), failed (the push failed after its last attempt).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    passDuration: new Histogram({
      name: 'cm_reconcile_pass_duration_seconds',
      help: 'Wall time of a reconciliation pass, by trigger (schedule, on_demand).',
      labelNames: ['trigger'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600],
      registers: [registry],
    }),
    lastPassFinished: new Gauge({
      name: 'cm_reconcile_last_pass_finished_timestamp_seconds',
      help: 'When the last pass finished (an alert fires when the daily pass has not run).',
      labelNames: ['trigger'] as const,
      registers: [registry],
    }),
    calendarReports: new Counter({
      name: 'cm_reconcile_calendar_reports_total',
      help: "A channel's own calendar reports compared with the ledger as they arrived, by outcome: in_sync, corrected, unknown_listing, empty, invalid (an id or a date no report can have).",
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    scheduleChecks: new Counter({
      name: 'cm_reconcile_schedule_checks_total',
      help: 'Looks at the schedule, by outcome: started (this instance began the pass), not_due (one ran within the interval, here or elsewhere), failed.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
