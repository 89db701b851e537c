import { decide, evolve, isInvalid, parseCommand, stayKey, type Command, type Decision, type RateLookup } from '@cm/domain';
import type { BookingCommand } from '@cm/schemas';
import { publishReply, type DeadLetterWriter, type IncomingRecord, type Knex, type Logger, type Redis } from '@cm/service-runtime';
import { writeAudit } from './ledger/audit';
import { FencedError, type PartitionFences } from './ledger/fences';
import { writeOutbox } from './ledger/outbox';
import { loadState, lockProperty, writeChanges } from './ledger/store';
import type { ArbiterMetrics } from './metrics';
import { decisionRecords } from './records';

/** What a caller waiting on a command is told. */
export interface DecisionReply {
  readonly commandId: string;
  readonly outcome: Decision['outcome'] | 'dead_lettered';
  readonly reason: string | null;
  readonly version: number | null;
  readonly bookingRef: string;
  readonly heldBy: string | null;
}

export interface ArbiterDeps {
  readonly db: Knex;
  readonly fences: PartitionFences;
  readonly metrics: ArbiterMetrics;
  readonly deadLetters: DeadLetterWriter;
  readonly log: Logger;
  readonly instanceId: string;
  readonly rates: RateLookup;
  /** Where replies to waiting callers go; none: nobody waits. */
  readonly replies: Redis | null;
  /** Called after each commit, to publish the outbox promptly. */
  readonly committed: () => void;
  readonly now?: () => number;
  /** How a decision reads the ledger; replaced only by tests that need a stale read. */
  readonly loadState?: typeof loadState;
}

/** PostgreSQL errors after which the whole decision is simply taken again with fresh state. */
const RETRY_CODES = new Set(['23P01', '40001', '40P01']);
const MAX_ATTEMPTS = 3;

/**
 * The single writer of each property's ledger. Each command is decided in ONE transaction:
 * fence check, dedupe on the command id, lock and load the property, decide, write the changes,
 * the outbox records and the audit rows, and record the command as processed. The consumer
 * commits its offset only after that transaction.
 */
export class Arbiter {
  private readonly now: () => number;

  constructor(private readonly deps: ArbiterDeps) {
    this.now = deps.now ?? Date.now;
  }

  async handle(value: BookingCommand, record: IncomingRecord): Promise<void> {
    const parsed = parseCommand(value);
    if (isInvalid(parsed)) return this.deadLetter(value, record, parsed.problems);
    const generation = await this.deps.fences.generationFor(record.partition);

    for (let attempt = 1; ; attempt++) {
      try {
        await this.decideOnce(parsed, value, record, generation);
        return;
      } catch (error) {
        if (error instanceof FencedError) {
          this.deps.metrics.fenced();
          this.deps.log.warn({ err: error, commandId: parsed.commandId }, 'partition taken by another instance; not committing');
          throw error;
        }
        const code = (error as { code?: string }).code;
        if (!code || !RETRY_CODES.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        // 23P01: the exclusion constraint refused a write the loaded state allowed. Deciding again
        // on fresh state sees the stay that holds the nights and rejects: the double-booking decision.
        this.deps.metrics.retried(code);
        this.deps.log.warn({ code, commandId: parsed.commandId, attempt }, 'decision transaction refused; deciding again on fresh state');
      }
    }
  }

  private async decideOnce(command: Command, value: BookingCommand, record: IncomingRecord, generation: number): Promise<void> {
    const started = process.hrtime.bigint();
    const outcome = await this.deps.db.transaction(async (tx) => {
      await this.deps.fences.check(tx, record.partition, generation);
      const processed = await tx('processed_commands').where({ command_id: command.commandId }).first('reply');
      if (processed) return { duplicate: true as const, reply: processed.reply as DecisionReply | null };

      const version = await lockProperty(tx, command.propertyId);
      const key = stayKey(command.bookingSource, command.ref);
      const state = await (this.deps.loadState ?? loadState)(tx, command.propertyId, version, key, 'dates' in command ? command.dates : null);
      const decision = decide(state, command, { rates: this.deps.rates });
      const after = evolve(state, decision);
      const decidedAt = this.now();
      await writeChanges(tx, state, after);
      await writeOutbox(tx, decisionRecords(command, decision, after, decidedAt));
      await writeAudit(tx, { command, decision, before: state.stays.get(key), after: after.stays.get(key), traceId: traceIdOf(record) });
      const reply: DecisionReply = {
        commandId: command.commandId,
        outcome: decision.outcome,
        reason: decision.reason,
        version: decision.version,
        bookingRef: command.ref,
        heldBy: heldByOf(decision),
      };
      await tx('processed_commands').insert({
        command_id: command.commandId,
        property_id: command.propertyId,
        outcome: decision.outcome,
        reason: decision.reason,
        version: decision.version,
        event_type: decision.event.type,
        partition: record.partition,
        record_offset: Number(record.offset),
        decided_by: this.deps.instanceId,
        fence_generation: generation,
        reply_requested: value.reply_requested,
        reply: JSON.stringify(reply),
      });
      return { duplicate: false as const, decision, reply, decidedAt };
    });

    if (outcome.duplicate) {
      this.deps.metrics.duplicate();
    } else {
      this.deps.metrics.decided(outcome.decision, value.issued_at, outcome.decidedAt, Number(process.hrtime.bigint() - started) / 1e9);
      this.deps.committed();
    }
    if (value.reply_requested && outcome.reply && this.deps.replies) await publishReply(this.deps.replies, command.commandId, outcome.reply);
  }

  /** A record that is not a decidable command: dead-lettered once, and remembered as decided. */
  private async deadLetter(value: BookingCommand, record: IncomingRecord, problems: readonly string[]): Promise<void> {
    const generation = await this.deps.fences.generationFor(record.partition);
    const seen = await this.deps.db('processed_commands').where({ command_id: value.command_id }).first('command_id');
    if (seen && value.command_id) return this.deps.metrics.duplicate();
    await this.deps.deadLetters.write(record, 'VALIDATION_FAILED', problems.join('; '));
    if (value.command_id) {
      await this.deps.db.transaction(async (tx) => {
        await this.deps.fences.check(tx, record.partition, generation);
        await tx('processed_commands')
          .insert({
            command_id: value.command_id,
            property_id: value.property_id,
            outcome: 'dead_lettered',
            reason: problems.join('; ').slice(0, 1000),
            partition: record.partition,
            record_offset: Number(record.offset),
            decided_by: this.deps.instanceId,
            fence_generation: generation,
            reply_requested: value.reply_requested,
          })
          .onConflict('command_id')
          .ignore();
      });
    }
    this.deps.metrics.deadLettered();
    if (value.reply_requested && this.deps.replies && value.command_id) {
      const reply: DecisionReply = { commandId: value.command_id, outcome: 'dead_lettered', reason: problems.join('; '), version: null, bookingRef: value.booking_ref, heldBy: null };
      await publishReply(this.deps.replies, value.command_id, reply);
    }
  }
}

function heldByOf(decision: Decision): string | null {
  const event = decision.event;
  if (event.type === 'booking_rejected') return event.heldBy;
  if (event.type === 'command_rejected' || event.type === 'block_refused') return event.heldBy[0] ?? null;
  return null;
}

/** The trace id of a W3C traceparent header (version-traceid-spanid-flags), if the record has one. */
function traceIdOf(record: IncomingRecord): string | null {
  const header = record.headers.traceparent?.toString();
  const traceId = header?.split('-')[1];
  return traceId && /^[0-9a-f]{32}$/.test(traceId) ? traceId : null;
}
