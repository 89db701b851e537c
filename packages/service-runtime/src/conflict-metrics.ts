import { Counter, type Registry } from 'prom-client';

/**
 * Seed section 7.1's conflict counters, one definition for every service that raises conflicts
 * (the arbiter's decisions, the dispatcher's failed syncs, the reconciler's drift): each counts
 * what it raises, once, so `sum(rate(channel_conflicts_total))` over all of them sees every conflict.
 */
export function conflictMetrics(registry: Registry) {
  const raised = new Counter({
    name: 'channel_conflicts_total',
    help: 'Conflicts detected, by type and channel (pms for direct bookings and blocks), whichever service raised them.',
    labelNames: ['conflict_type', 'channel_type'] as const,
    registers: [registry],
  });
  const requiringReview = new Counter({
    name: 'channel_conflicts_requiring_review_total',
    help: 'Conflicts the escalation rules send to a human, by type and channel.',
    labelNames: ['conflict_type', 'channel_type'] as const,
    registers: [registry],
  });
  return {
    raised(conflict: { readonly type: string; readonly channel: string | null; readonly requiresReview: boolean }): { conflict_type: string; channel_type: string } {
      const labels = { conflict_type: conflict.type, channel_type: (conflict.channel ?? 'PMS').toLowerCase() };
      raised.inc(labels);
      if (conflict.requiresReview) requiringReview.inc(labels);
      return labels;
    },
  };
}

export type ConflictMetrics = ReturnType<typeof conflictMetrics>;
