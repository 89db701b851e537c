import { decide, evolve, isInvalid, parseCommand, stateNeeds, stayKey, type Command, type Decision, type PropertyState, type RateLookup } from '@cm/domain';
import type { BookingCommand } from '@cm/schemas';
import { GroupCommit, publishReply, rawTogether, runInboxStep, traceParentOfHeaders, type DeadLetterWriter, type InboxStep, type IncomingRecord, type Knex, type Logger, type Outbox, type OutboxRecord, type PartitionFences, type Redis } from '@cm/service-runtime';
import { auditRows, cancelledStayRow } from './ledger/audit';
import { decisionFailureOf, FencedError, LedgerConflictError, LedgerRefusedDataError } from './errors';
import { decisionWrites } from './ledger/decision-write';
import { changedRows, loadStatesStatement, openChunkStatement, openingOf, statesOf, type loadStates, type Opening } from './ledger/store';
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
  /**
   * Where a decision's records are written, in its transaction, and handed over after the commit.
   * Told a transaction is in doubt when it failed other than by a fence (its commit may have
   * happened unseen) or found commands already decided: rows may exist it was never handed.
   */
  readonly outbox: Pick<Outbox, 'insert' | 'committed' | 'inDoubt'>;
  /** Transactions deciding at once; chunks handed over meanwhile wait for the next (default 2). */
  readonly transactionsInFlight?: number;
  readonly now?: () => number;
  /** How decisions read the ledger; replaced only by tests that need a stale read. */
  readonly loadStates?: typeof loadStates;
}

interface Pending {
  readonly command: Command;
  readonly value: BookingCommand;
  readonly record: IncomingRecord;
  /** The fence generation this instance holds for the record's partition. */
  readonly generation: number;
}

/** A chunk's opening, with the stays its commands may need (null: none read with it). */
interface OpenedChunk extends Opening {
  readonly stays: unknown;
}

/** What the commands need to read of the ledger, each of its own property. */
function needsOf(pending: readonly Pending[]) {
  return pending.flatMap(({ command }) => stateNeeds(command).map((need) => ({ propertyId: command.propertyId, ...need })));
}

/** One partition's consecutive commands, as the consumer hands them over. */
type Chunk = readonly Pending[];

interface Decided {
  readonly pending: Pending;
  readonly decision: Decision;
  readonly reply: DecisionReply;
  readonly decidedAt: number;
}

/** A command decided before: answered with the reply it got then. */
interface Duplicate {
  readonly pending: Pending;
  readonly reply: DecisionReply | null;
}

const MAX_ATTEMPTS = 3;

/** Commands decided in one transaction at most, whatever the number of chunks they came in. */
const MAX_COMMANDS_PER_TRANSACTION = 250;

/**
 * The single writer of each property's ledger. Consecutive commands of one partition are decided
 * together in ONE transaction: fence check, dedupe on command ids, lock and load the properties,
 * decide each command in order on the state the previous ones left, then write the changes, the
 * outbox records, the audit rows and the processed commands. The consumer commits the offsets
 * only after that transaction. If the transaction fails, each command is decided again alone, so
 * one command cannot hold back the others.
 *
 * Chunks of other partitions handed over while a transaction is in flight are decided together
 * in the next one (a group commit): their properties are disjoint, each partition's order is
 * kept, and one transaction's round trips and commit serve them all. If that transaction fails,
 * each chunk is decided again on its own, so a fenced partition fails only its own chunk.
 */
export class Arbiter {
  private readonly now: () => number;
  private readonly groups: GroupCommit<Chunk>;

  constructor(private readonly deps: ArbiterDeps) {
    this.now = deps.now ?? Date.now;
    this.groups = new GroupCommit((chunks) => this.decideChunksTogether(chunks), (chunk) => this.decideChunk(chunk), {
      maxBatch: MAX_COMMANDS_PER_TRANSACTION,
      weigh: (chunk) => chunk.length,
      concurrency: deps.transactionsInFlight ?? 2,
    });
  }

  handle(value: BookingCommand, record: IncomingRecord): Promise<void> {
    return this.handleChunk([{ value, record }]);
  }

  async handleChunk(items: readonly { value: BookingCommand; record: IncomingRecord }[]): Promise<void> {
    const decidable: { command: Command; value: BookingCommand; record: IncomingRecord }[] = [];
    for (const { value: booking, record } of items) {
      const parsed = parseCommand(booking);
      if (isInvalid(parsed)) await this.deadLetter(booking, record, parsed.problems);
      else decidable.push({ command: parsed, value: booking, record });
    }
    if (decidable.length === 0) return;
    const generation = await this.deps.fences.generationFor(decidable[0]!.record.partition);
    await this.groups.call(decidable.map((d) => ({ ...d, generation })));
  }

  /** Chunks handed over together, in one transaction; if it fails, the group decides each chunk alone. */
  private async decideChunksTogether(chunks: readonly Chunk[]): Promise<void> {
    try {
      await this.decideTogether(chunks.flat());
    } catch (error) {
      // A fenced partition is told by its own chunk, decided alone.
      if (!(error instanceof FencedError)) this.deps.log.warn({ err: error, chunks: chunks.length }, 'deciding chunks together failed; deciding each chunk alone');
      throw error;
    }
  }

  private async decideChunk(pending: Chunk): Promise<void> {
    if (pending.length > 1) {
      try {
        return await this.decideTogether(pending);
      } catch (error) {
        this.rethrowIfFenced(error, pending[0]!.command);
        this.deps.metrics.chunkFellBack();
        this.deps.log.warn({ err: error, commands: pending.length }, 'deciding a chunk together failed; deciding each alone');
      }
    }
    for (const one of pending) await this.decideAlone(one);
  }

  /**
   * One command in its own transaction, taken again on fresh state after a retriable refusal;
   * dead-lettered if PostgreSQL refuses its data for good.
   */
  private async decideAlone(one: Pending): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.decideTogether([one]);
      } catch (error) {
        this.rethrowIfFenced(error, one.command);
        const failure = decisionFailureOf(error);
        if (failure instanceof LedgerRefusedDataError) return this.deadLetter(one.value, one.record, [failure.message]);
        if (!(failure instanceof LedgerConflictError) || attempt >= MAX_ATTEMPTS) throw error;
        this.deps.metrics.retried(failure.sqlstate);
        this.deps.log.warn({ code: failure.sqlstate, commandId: one.command.commandId, attempt }, 'decision refused by PostgreSQL; deciding again on fresh state');
      }
    }
  }

  private rethrowIfFenced(error: unknown, command: Command): void {
    if (!(error instanceof FencedError)) return;
    this.deps.metrics.fenced();
    this.deps.log.warn({ err: error, commandId: command.commandId }, 'partition taken by another instance; not committing');
    throw error;
  }

  private async decideTogether(pending: readonly Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    const { decided, duplicates } = await runInboxStep(this.deps.db, this.deps.outbox, this.step, pending);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const fresh = decided ?? [];
    for (const d of fresh) this.deps.metrics.decided(d.decision, d.pending.value.issued_at, d.decidedAt, seconds / fresh.length);
    for (const _ of duplicates) this.deps.metrics.duplicate();
    for (const { pending: p, reply } of [...fresh, ...duplicates]) {
      if (p.value.reply_requested && reply) await this.reply(p.command.commandId, reply);
    }
  }

  /** The arbiter's inbox step: fences, inbox and property locks in one statement and the load right after it, in one round trip; then decide in order, write. */
  private readonly step: InboxStep<Pending, OpenedChunk, Decided[], Duplicate> = {
    open: async (tx, pending) => {
      const held = new Map(pending.map((p) => [p.record.partition, p.generation]));
      const opening = openChunkStatement(tx, { fence: this.deps.fences.generationsQuery([...held.keys()]), commandIds: pending.map((p) => p.command.commandId), propertyIds: pending.map((p) => p.command.propertyId) });
      // The states every command may need are read in the same round trip, right after the
      // opening took its locks (so the read sees every decision committed before); a command
      // found decided before then read a few stays for nothing.
      const needs = needsOf(pending);
      const [opened, stays] = this.deps.loadStates || needs.length === 0 ? [await opening, null] : await rawTogether(tx, [opening, loadStatesStatement(tx, needs)]);
      const chunk: OpenedChunk = { ...openingOf(opened), stays };
      for (const [partition, generation] of held) this.deps.fences.verify(partition, generation, chunk.generations.get(partition) ?? null);
      const already = new Map(chunk.seen as ReadonlyMap<string, DecisionReply | null>);
      const fresh: Pending[] = [];
      const duplicates: Duplicate[] = [];
      for (const p of pending) {
        if (already.has(p.command.commandId)) duplicates.push({ pending: p, reply: already.get(p.command.commandId) ?? null });
        else {
          fresh.push(p);
          already.set(p.command.commandId, null); // the same command twice in one chunk
        }
      }
      return { fresh, duplicates, opened: chunk };
    },
    decide: async (tx, fresh, chunk) => {
      const versions = new Map(fresh.map((p) => [p.command.propertyId, chunk.versions.get(p.command.propertyId)!]));
      const states = this.deps.loadStates ? await this.deps.loadStates(tx, versions, needsOf(fresh)) : statesOf(versions, chunk.stays);
      const loaded = new Map<string, PropertyState>(states);
      const decided: Decided[] = [];
      const records: OutboxRecord[] = [];
      const audit: Record<string, unknown>[] = [];
      const processed: Record<string, unknown>[] = [];
      for (const p of fresh) {
        const { command, value, record } = p;
        const state = states.get(command.propertyId)!;
        const decision = decide(state, command, { rates: this.deps.rates });
        const after = evolve(state, decision);
        states.set(command.propertyId, after);
        const decidedAt = this.now();
        const key = stayKey(command.bookingSource, command.ref);
        const traceParent = traceParentOfHeaders(record.headers);
        records.push(...decisionRecords(command, decision, after, decidedAt).map((r) => ({ ...r, traceParent, partition: record.partition })));
        audit.push(...auditRows({ command, decision, before: state.stays.get(key), after: after.stays.get(key), traceId: traceIdOf(record) }));
        if (decision.event.type === 'booking_reinstated') {
          const cancelled = decision.event.cancelled;
          audit.push(cancelledStayRow({ command, decision, key: cancelled, before: state.stays.get(cancelled), after: after.stays.get(cancelled), keptKey: key, traceId: traceIdOf(record) }));
        }
        const reply: DecisionReply = { commandId: command.commandId, outcome: decision.outcome, reason: decision.reason, version: decision.version, bookingRef: command.ref, heldBy: heldByOf(decision) };
        processed.push({
          command_id: command.commandId,
          property_id: command.propertyId,
          outcome: decision.outcome,
          reason: decision.reason,
          version: decision.version,
          event_type: decision.event.type,
          partition: record.partition,
          record_offset: Number(record.offset),
          decided_by: this.deps.instanceId,
          fence_generation: p.generation,
          reply_requested: value.reply_requested,
          reply: JSON.stringify(reply),
          issued_at_ms: value.issued_at,
        });
        decided.push({ pending: p, decision, reply, decidedAt });
      }
      // Every write of the chunk goes out in one statement with its outbox records: stays, guests, versions, audit, inbox.
      const changed = changedRows([...states.values()].map((after) => ({ before: loaded.get(after.propertyId)!, after })));
      const writes = decisionWrites(tx, { ...changed, audit, processed });
      return { writes, records, decided };
    },
  };

  /**
   * Best effort, after the commit: the decision is already durable (and its reply kept in
   * processed_commands), so Redis being down must not look like a failed decision.
   */
  private async reply(commandId: string, reply: DecisionReply): Promise<void> {
    if (!this.deps.replies) return;
    try {
      await publishReply(this.deps.replies, commandId, reply);
    } catch (error) {
      this.deps.log.warn({ err: error, commandId }, 'could not publish the reply; the caller will poll for the decision');
    }
  }

  /** A record that is not a decidable command: dead-lettered once, and remembered as decided. */
  private async deadLetter(value: BookingCommand, record: IncomingRecord, problems: readonly string[]): Promise<void> {
    const generation = await this.deps.fences.generationFor(record.partition);
    // Ids PostgreSQL cannot store are not remembered: such a record is dead-lettered again on a replay.
    const storable = storableId(value.command_id) && storableId(value.property_id);
    const seen = storable ? await this.deps.db('processed_commands').where({ command_id: value.command_id }).first('command_id') : undefined;
    if (seen) return this.deps.metrics.duplicate();
    await this.deps.deadLetters.write(record, 'VALIDATION_FAILED', problems.join('; '));
    if (storable) {
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
            issued_at_ms: value.issued_at,
          })
          .onConflict('command_id')
          .ignore();
      });
    }
    this.deps.metrics.deadLettered();
    if (value.reply_requested && value.command_id) {
      await this.reply(value.command_id, { commandId: value.command_id, outcome: 'dead_lettered', reason: problems.join('; '), version: null, bookingRef: value.booking_ref, heldBy: null });
    }
  }
}

function storableId(id: string): boolean {
  return id.length > 0 && id.length <= 200 && !id.includes('\u0000');
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
