#!/usr/bin/env node
import { decide, emptyProperty, evolve, isInvalid, parseCommand, stayKey, type Command } from '@cm/domain';
import { epochDay, samples, type CreateBooking } from '@cm/schemas';
import { baseConfig, createDatabase, databaseConfig, outboxInsert, parseConfig, writeTogether, type Knex, type OutboxRecord } from '@cm/service-runtime';
import { z } from 'zod';
import { auditRows } from '../ledger/audit';
import { decisionWrites, type DecisionRows } from '../ledger/decision-write';
import { scratchLedger } from '../ledger/migrations';
import { guestToRow, stayToRow } from '../ledger/rows';
import { LEDGER_PLANNING } from '../ledger/store';
import { decisionRecords } from '../records';

/**
 * A/B of the decision write alone, in one process on one scratch ledger: a transaction's rows
 * (250 bookings created, as the arbiter builds them: stays, guests, versions, audit, inbox,
 * outbox) written as knex builds a multi-row insert (one VALUES row per row, a statement text
 * per row count) or as decisionWrites' fixed statement of arrays, prepared. The two alternate
 * transaction by transaction, so load from other processes falls on both alike. Measured on the
 * shared 2-core machine: median 123.7 ms (knex) against 89.5 ms (arrays), 80 transactions.
 *   node services/booking-arbiter/dist/bench/write-bench.js
 */
const config = parseConfig(
  'write-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend({
    BENCH_TRANSACTIONS: z.coerce.number().int().min(2).default(60),
    DECISION_CHUNK: z.coerce.number().int().min(1).default(250),
  }),
);
const print = (line = '') => process.stdout.write(`${line}\n`);

/** The rows of `count` bookings created on properties of their own, numbered from `batch`. */
function transactionRows(batch: number, count: number): { rows: DecisionRows; records: OutboxRecord[] } {
  const rows = { stays: [] as Record<string, unknown>[], guests: [] as Record<string, unknown>[], versions: [] as { property_id: string; version: number }[], audit: [] as Record<string, unknown>[], processed: [] as Record<string, unknown>[] };
  const records: OutboxRecord[] = [];
  for (let i = 0; i < count; i++) {
    const sample = samples['booking.commands.v2']({ id: `w${batch}-${i}`, propertyId: `p-${i}`, at: Date.now() });
    const checkIn = epochDay('2027-01-01') + batch * 3;
    const parsed = parseCommand({ ...sample, booking_ref: `b${batch}-${i}`, command: { ...(sample.command as CreateBooking), check_in: checkIn, check_out: checkIn + 2, price: null, pms_quote: null } });
    if (isInvalid(parsed)) throw new Error(parsed.problems.join('; '));
    const command: Command = parsed;
    const state = { ...emptyProperty(command.propertyId), version: batch };
    const decision = decide(state, command);
    const after = evolve(state, decision);
    const key = stayKey(command.bookingSource, command.ref);
    const stay = after.stays.get(key)!;
    rows.stays.push(stayToRow(command.propertyId, stay, after.version));
    if (stay.kind === 'booking') rows.guests.push(guestToRow(command.propertyId, key, stay.guest));
    rows.versions.push({ property_id: command.propertyId, version: after.version });
    rows.audit.push(...auditRows({ command, decision, before: undefined, after: stay, traceId: null }));
    rows.processed.push({ command_id: command.commandId, property_id: command.propertyId, outcome: decision.outcome, reason: decision.reason, version: decision.version, event_type: decision.event.type, partition: i % 12, record_offset: batch * count + i, decided_by: 'bench', fence_generation: 1, reply_requested: false, reply: JSON.stringify({ commandId: command.commandId, outcome: decision.outcome }), issued_at_ms: Date.now() });
    records.push(...decisionRecords(command, decision, after, Date.now()).map((r) => ({ ...r, traceParent: null, partition: i % 12 })));
  }
  return { rows, records };
}

/** The form before: knex's multi-row inserts, combined into one statement by writeTogether. */
function knexWrites(tx: Knex.Transaction, rows: DecisionRows, records: OutboxRecord[]): Knex.Sql[] {
  return [
    tx('stays').insert(rows.stays).onConflict(['property_id', 'stay_key']).merge().toSQL(),
    tx('guests').insert(rows.guests).onConflict(['property_id', 'stay_key']).merge().toSQL(),
    tx.raw(`UPDATE properties p SET version = v.version, updated_at = now() FROM (VALUES ${rows.versions.map(() => '(?::text, ?::bigint)').join(', ')}) AS v(property_id, version) WHERE p.property_id = v.property_id`, rows.versions.flatMap((v) => [v.property_id, v.version])).toSQL(),
    tx('audit_log').insert(rows.audit).toSQL(),
    tx('processed_commands').insert(rows.processed).toSQL(),
    tx('outbox').insert(records.map((r) => ({ kafka_partition: r.partition, event_id: r.eventId, topic: r.topic, record_key: r.key, payload: JSON.stringify(r.payload), trace_parent: r.traceParent ?? null }))).onConflict('event_id').ignore().toSQL(),
  ];
}

async function main(): Promise<void> {
  const ledger = await scratchLedger(config.DATABASE_URL, `writebench${Date.now().toString(36)}`);
  // One connection, planned as the deciders' pool plans: each form runs on the same session.
  const db = createDatabase(ledger.url, { pool: { min: 1, max: 1 }, planning: LEDGER_PLANNING });
  const times: Record<'knex' | 'arrays', number[]> = { knex: [], arrays: [] };
  try {
    for (let t = 0; t < config.BENCH_TRANSACTIONS; t++) {
      const form = t % 2 === 0 ? 'knex' : 'arrays';
      const { rows, records } = transactionRows(t + 1, config.DECISION_CHUNK);
      const started = process.hrtime.bigint();
      await db.transaction(async (tx) => {
        await tx.raw('INSERT INTO properties (property_id) SELECT unnest(?::text[]) ORDER BY 1 ON CONFLICT (property_id) DO UPDATE SET version = properties.version', [rows.versions.map((v) => v.property_id)]);
        const writes = form === 'knex' ? knexWrites(tx, rows, records) : [...decisionWrites(tx, rows), ...outboxInsert(tx, 'outbox', records)];
        await writeTogether(tx, writes);
      });
      times[form].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    await db.destroy();
    await ledger.drop();
  }
  print(`decision write A/B: ${config.BENCH_TRANSACTIONS} transactions of ${config.DECISION_CHUNK} bookings created, alternating, one session (the first of each form left out)`);
  for (const [form, ms] of Object.entries(times)) {
    const kept = ms.slice(1).sort((a, b) => a - b);
    const median = kept[Math.floor(kept.length / 2)]!;
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    print(`${form.padEnd(8)} transaction ms: median ${median.toFixed(1)}, mean ${mean.toFixed(1)}, p90 ${kept[Math.floor(kept.length * 0.9)]!.toFixed(1)}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
