import { ChannelSymbols, ConflictTypeSymbols, SeveritySymbols } from '@cm/schemas';
import { Counter, Gauge, Histogram, type Registry } from '@cm/service-runtime';

export interface EscalationMetrics {
  readonly resolved: Counter<'conflict_type' | 'resolution'>;
  readonly resolutionSeconds: Histogram<'conflict_type'>;
  readonly escalations: Counter<'conflict_type' | 'kind'>;
  readonly notifications: Counter<'notifier' | 'outcome'>;
  readonly records: Counter<'topic' | 'outcome'>;
  readonly autoCancels: Counter<'channel' | 'outcome'>;
  readonly relocations: Counter<'outcome'>;
  readonly consoleSignIns: Counter<'outcome'>;
}

/**
 * Section 7, with the seed's UnresolvedConflicts alert fixed: open review tasks are a gauge read
 * from the database at every scrape (right after a restart too), not a difference of two counters
 * that reset on restart.
 */
export function escalationMetrics(
  registry: Registry,
  unresolvedCounts: () => Promise<{ severity: string; conflict_type: string; count: number }[]>,
  losingReservations: () => Promise<{ channel: string; count: number; oldestOpenedAtMs: number }[]>,
  now: () => number,
): EscalationMetrics {
  new Gauge({
    name: 'open_review_tasks',
    help: 'Review tasks not yet resolved (open or acknowledged), by severity and conflict type, as the database holds them.',
    labelNames: ['severity', 'conflict_type'] as const,
    registers: [registry],
    async collect() {
      const counts = await unresolvedCounts();
      for (const severity of SeveritySymbols) for (const conflict_type of ConflictTypeSymbols) this.set({ severity, conflict_type }, 0);
      for (const row of counts) this.set({ severity: row.severity, conflict_type: row.conflict_type }, row.count);
    },
  });
  // The losing reservation of an overbooking is confirmed on its channel until a person keeps or
  // relocates that guest or its host cancellation lands; the alert LosingReservationConfirmedPastSla
  // reads the oldest age against the overbooking's SLA. Read from the database at every scrape.
  new Gauge({
    name: 'losing_reservations_still_confirmed',
    help: 'Losing reservations of overbookings still confirmed on their channel (task unresolved, or resolved by cancelling and the HOST_CANCEL not yet taken by the channel), by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      const rows = await losingReservations();
      for (const channel of ChannelSymbols) this.set({ channel }, 0);
      for (const row of rows) this.set({ channel: row.channel }, row.count);
    },
  });
  new Gauge({
    name: 'losing_reservation_oldest_age_seconds',
    help: 'Seconds since the overbooking task of the oldest losing reservation still confirmed on its channel was opened, by channel; 0 when there is none.',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      const rows = await losingReservations();
      const at = now();
      for (const channel of ChannelSymbols) this.set({ channel }, 0);
      for (const row of rows) this.set({ channel: row.channel }, Math.max(0, (at - row.oldestOpenedAtMs) / 1000));
    },
  });
  return {
    resolved: new Counter({
      name: 'channel_conflicts_resolved_total',
      help: 'Review tasks resolved by an operator, by conflict type and resolution action.',
      labelNames: ['conflict_type', 'resolution'] as const,
      registers: [registry],
    }),
    resolutionSeconds: new Histogram({
      name: 'conflict_resolution_duration_seconds',
      help: 'From a review task opening to its resolution, by conflict type.',
      labelNames: ['conflict_type'] as const,
      buckets: [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600, 7 * 24 * 3600],
      registers: [registry],
    }),
    escalations: new Counter({
      name: 'review_task_escalations_total',
      help: 'Review tasks whose SLA passed unacknowledged: moved a level up (escalated) or, at the top level, reminded.',
      labelNames: ['conflict_type', 'kind'] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'review_notifications_total',
      help: 'Notification deliveries by notifier and outcome (delivered, failed); a failed one is tried again by the timer.',
      labelNames: ['notifier', 'outcome'] as const,
      registers: [registry],
    }),
    autoCancels: new Counter({
      name: 'escalation_auto_cancels_total',
      help: 'Overbookings of tenants that cancel instant-book losers without review: cancelled (resolved by the system) or left_open (the channel cannot cancel as the host; a person must act).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    consoleSignIns: new Counter({
      name: 'escalation_console_sign_ins_total',
      help: 'Sign-ins to the operator console: signed_in, or refused for an unknown or revoked key (refused_key), a form without a name (invalid_form) or too many tries from one address (rate_limited). A run of refused_key is someone guessing keys.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    relocations: new Counter({
      name: 'escalation_relocations_total',
      help: 'Relocations of overbooked guests to another property: requested by an operator, then accepted (the loser is cancelled) or refused (or ignored) by the ledger, or withdrawn by an operator.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    records: new Counter({
      name: 'escalation_records_total',
      help: 'Conflict and sync-result records by what became of them (task_opened, task_repeated, counted, duplicate).',
      labelNames: ['topic', 'outcome'] as const,
      registers: [registry],
    }),
  };
}
