import { conflictMetrics, Counter, Gauge, Histogram, type Registry } from '@cm/service-runtime';
import { assess, conflictsOf, type Decision } from '@cm/domain';

/** Seed section 7's conflict metrics, and the arbiter's own. */
export function createArbiterMetrics(registry: Registry, backlog: () => Promise<number>) {
  const conflicts = conflictMetrics(registry);
  const resolution = new Histogram({
    name: 'channel_conflict_resolution_seconds',
    help: 'From the command entering the system (issued_at) to its conflict resolved in the ledger.',
    labelNames: ['conflict_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const decisionSeconds = new Histogram({
    name: 'cm_arbiter_decision_seconds',
    help: 'One decision: its PostgreSQL transaction from begin to commit.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'cm_arbiter_commands_total',
    help: 'Commands taken from booking.commands, by outcome (applied, rejected, ignored, duplicate, dead_lettered).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const fenced = new Counter({
    name: 'cm_arbiter_fenced_total',
    help: 'Decisions refused because another instance took the partition.',
    registers: [registry],
  });
  const retries = new Counter({
    name: 'cm_arbiter_transaction_retries_total',
    help: 'Decision transactions tried again, by PostgreSQL error (23P01 exclusion, 40001 serialization, 40P01 deadlock).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const chunkFallbacks = new Counter({
    name: 'cm_arbiter_chunk_fallbacks_total',
    help: 'Chunks whose shared transaction failed and whose commands were decided again one by one.',
    registers: [registry],
  });
  new Gauge({
    name: 'cm_outbox_backlog',
    help: 'Outbox records not yet published.',
    registers: [registry],
    async collect() {
      this.set(await backlog());
    },
  });

  return {
    decided(decision: Decision, issuedAt: number, decidedAt: number, seconds: number) {
      decisionSeconds.observe(seconds);
      commands.inc({ outcome: decision.outcome });
      for (const conflict of conflictsOf(decision)) {
        conflicts.raised({ type: conflict.facts.type, channel: conflict.channel, requiresReview: assess(conflict.facts).requiresReview });
        resolution.observe({ conflict_type: conflict.facts.type }, Math.max(0, decidedAt - issuedAt) / 1000);
      }
    },
    duplicate: () => commands.inc({ outcome: 'duplicate' }),
    deadLettered: () => commands.inc({ outcome: 'dead_lettered' }),
    fenced: () => fenced.inc(),
    retried: (code: string) => retries.inc({ code }),
    chunkFellBack: () => chunkFallbacks.inc(),
  };
}

export type ArbiterMetrics = ReturnType<typeof createArbiterMetrics>;
