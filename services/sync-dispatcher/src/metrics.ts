import { Counter, Gauge, Histogram, type Registry } from '@cm/service-runtime';

export interface DispatcherMetrics {
  /** API channels: from the change to the channel's answer to our push. */
  readonly lag: Histogram<'channel'>;
  /** iCal channels: from the change to the channel's fetch of a feed version holding it. */
  readonly icalLag: Histogram<'channel'>;
  readonly icalOldestUnfetched: Gauge<'channel'>;
  readonly icalOverdueListings: Gauge<'channel'>;
  readonly pushes: Counter<'channel' | 'outcome'>;
  readonly coalesced: Counter<'channel'>;
  readonly rateLimitedWaits: Counter<'channel'>;
  readonly circuit: Gauge<'channel'>;
  readonly circuitsNotClosed: Gauge<'channel'>;
  readonly reservationActions: Counter<'channel' | 'kind' | 'outcome'>;
  readonly reservationActionSeconds: Histogram<'channel' | 'kind' | 'outcome'>;
  readonly ratePushes: Counter<'channel' | 'outcome'>;
  readonly rateNightsWithoutPrice: Counter<'channel'>;
  readonly rateNightsRefused: Counter<'channel'>;
}

export function dispatcherMetrics(registry: Registry): DispatcherMetrics {
  return {
    lag: new Histogram({
      name: 'channel_sync_lag_seconds',
      help: "From a change in the ledger to the channel's acknowledgement of our push of it, by channel (channels we push to; iCal channels are channel_ical_sync_lag_seconds).",
      labelNames: ['channel'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    // Apart from the pushes' lag: a channel polls a feed every few minutes to hours, so this
    // lag is the channel's poll interval, not our speed, and needs buckets up to a day.
    icalLag: new Histogram({
      name: 'channel_ical_sync_lag_seconds',
      help: 'iCal channels: from a change in the ledger to the channel fetching a version of our export feed that holds it (a 304 at that version counts), by channel.',
      labelNames: ['channel'] as const,
      buckets: [1, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400],
      registers: [registry],
    }),
    icalOldestUnfetched: new Gauge({
      name: 'cm_sync_ical_oldest_unfetched_seconds',
      help: 'iCal channels: age of the oldest change no fetch of our export feed has carried yet (0 when every change was fetched), by channel.',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    icalOverdueListings: new Gauge({
      name: 'cm_sync_ical_overdue_listings',
      help: 'iCal channels: listings holding a change the channel has not fetched for longer than ICAL_UNFETCHED_ALERT_MS, by channel.',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    pushes: new Counter({
      name: 'cm_sync_pushes_total',
      help: 'Calls to channels, by channel and outcome (ok, rate_limited, server_error, timeout, network_error, client_error).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'cm_sync_coalesced_changes_total',
      help: 'Changes that reached a channel inside a push made for a newer or a neighbouring change, instead of a push of their own.',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    rateLimitedWaits: new Counter({
      name: 'cm_sync_rate_limited_waits_total',
      help: "Pushes held back by our own token bucket for the channel and property (the channel's published limit).",
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    circuit: new Gauge({
      name: 'cm_sync_circuit_state',
      help: "Circuit breakers are per connection (a tenant's account on the channel): the worst state among the channel's, 0 closed, 1 half open, 2 open.",
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    circuitsNotClosed: new Gauge({
      name: 'cm_sync_circuits_not_closed',
      help: "Connections of the channel whose circuit breaker is open or half open on this instance (the log names them).",
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    reservationActions: new Counter({
      name: 'cm_reservation_actions_total',
      help: 'Reservation actions ended on their channel, by channel, kind and outcome (done, already_done, not_needed; retries_exhausted, tried again later; unsupported, refused, final).',
      labelNames: ['channel', 'kind', 'outcome'] as const,
      registers: [registry],
    }),
    reservationActionSeconds: new Histogram({
      name: 'cm_reservation_action_seconds',
      help: "From the ledger's decision of a reservation action to its outcome on sync.results.v2 (acknowledged or failed), by channel and kind.",
      labelNames: ['channel', 'kind', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    ratePushes: new Counter({
      name: 'cm_sync_rate_pushes_total',
      help: 'Price and restriction calls to channels, by channel and outcome (ok, rate_limited, server_error, timeout, network_error, client_error).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    rateNightsWithoutPrice: new Counter({
      name: 'cm_sync_rate_nights_without_price_total',
      help: "Nights pushed with their restrictions but no price: no exchange rate (or a stale one) from the property's currency to the listing's.",
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    rateNightsRefused: new Counter({
      name: 'cm_sync_rate_nights_refused_total',
      help: "Rate plan nights a channel refused (400, 413, 422): given up, so the listing's other rate pushes go on; the reconciler reports them as price drift.",
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
  };
}
