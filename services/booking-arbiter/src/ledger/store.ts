import { SINGLE_GUEST_FIELDS, type PropertyState, type Stay, type StayDates, type StayKey } from '@cm/domain';
import { preparedRaw, type Knex, type Planning } from '@cm/service-runtime';
import type { DecisionRows } from './decision-write';
import { guestToRow, stayFromRow, stayToRow, type StayRow } from './rows';

/** The same predicate as the exclusion constraint: the stays that occupy their nights. */
const HOLDING = `((s.kind = 'booking' AND s.status IN ('PENDING', 'CONFIRMED')) OR (s.kind = 'block' AND s.active))`;

/**
 * Locks the properties' rows (in a fixed order, so two writers cannot deadlock) for the rest of
 * the transaction and returns their ledger versions. Partitioning already gives one writer per
 * property; the lock keeps that true even if two instances briefly both believe they own it.
 * An upsert locks a row whether it inserts or updates it, and the update that changes nothing
 * returns the row's current version (the newest committed, whatever the snapshot). A part of
 * openChunk's statement; its one binding is the sorted, distinct property ids.
 */
const LOCK_PROPERTIES_SQL = `INSERT INTO properties (property_id) SELECT unnest(?::text[]) ORDER BY 1
  ON CONFLICT (property_id) DO UPDATE SET version = properties.version
  RETURNING property_id, version`;

/** What a chunk's transaction learns in its first statement. */
export interface Opening {
  /** The partitions' fence generations now (none: no fence row), read under a share lock. */
  readonly generations: ReadonlyMap<number, number>;
  /** The chunk's command ids already decided, with the reply each one got. */
  readonly seen: ReadonlyMap<string, unknown>;
  /** The properties' ledger versions, their rows locked for the rest of the transaction. */
  readonly versions: Map<string, number>;
}

/**
 * How the deciders' pool plans: each statement it sends with values (the opening, the state read,
 * the decision write, a fence's bump and check, a dead letter's) is planned once per connection
 * and kept, and its kept plan looks up each row by its index however small the ledger was when it
 * was made (ledger-plans.test.ts catches every statement the pool sends while deciding and proves
 * it for each). Planned on every execution instead, as PostgreSQL chose for arrays of a few rows,
 * they cost it more to plan than to run at a few bookings a second. (The exchange rates' read on
 * the same pool has no values: it is planned as it always was.)
 */
export const LEDGER_PLANNING: Planning = 'generic, by index';

/** openChunk's statement, around the fence statement given: its bindings are the fence's, then the command ids, then the sorted property ids. */
export function openChunkSql(fenceSql: string): string {
  return `WITH fence AS (${fenceSql}),
     seen AS (SELECT command_id, reply FROM processed_commands WHERE command_id = ANY(?::text[])),
     locked AS (${LOCK_PROPERTIES_SQL})
     SELECT (SELECT coalesce(json_agg(json_build_object('partition', partition, 'generation', generation)), '[]'::json) FROM fence) AS fences,
            (SELECT coalesce(json_agg(json_build_object('command_id', command_id, 'reply', reply)), '[]'::json) FROM seen) AS seen,
            (SELECT coalesce(json_agg(json_build_object('property_id', property_id, 'version', version)), '[]'::json) FROM locked) AS locked`;
}

/** What a chunk's opening locks and looks up: its partitions' fence (PartitionFences' statement), its command ids, its properties. */
export interface OpeningInput {
  readonly fence: { sql: string; bindings: readonly Knex.RawBinding[] };
  readonly commandIds: readonly string[];
  readonly propertyIds: readonly string[];
}

/**
 * Opens a chunk's transaction: the fence rows under a share lock, the inbox lookup of the chunk's
 * command ids, and the lock of its properties, in one statement; openingOf reads its answer. The
 * states are read by the statement after it (rawTogether sends both in one round trip), whose
 * snapshot is taken once these locks are held, so it sees every decision committed before.
 */
export function openChunkStatement(tx: Knex.Transaction, input: OpeningInput): Knex.Raw {
  return preparedRaw(tx, openChunkSql(input.fence.sql), [...input.fence.bindings, [...input.commandIds], [...new Set(input.propertyIds)].sort()]);
}

export function openingOf(answer: unknown): Opening {
  const { rows } = answer as { rows: { fences: { partition: number; generation: number }[]; seen: { command_id: string; reply: unknown }[]; locked: { property_id: string; version: number }[] }[] };
  const row = rows[0]!;
  return {
    generations: new Map(row.fences.map((f) => [Number(f.partition), Number(f.generation)])),
    seen: new Map(row.seen.map((r) => [r.command_id, r.reply])),
    versions: new Map(row.locked.map((r) => [r.property_id, Number(r.version)])),
  };
}

/** The columns of `stays` a decision reads (named, not `*`: a prepared statement's result must keep its shape). */
const STAY_COLUMNS = ['property_id', 'stay_key', 'kind', 'source', 'ref', 'status', 'active', 'check_in', 'check_out', 'price_minor', 'currency', 'rate_plan', 'confirmed_at_ms', 'block_reason', 'versions', 'price_versions', 'guest_count'] as const;

/** The columns of `guests` a decision reads, with its stays. */
const GUEST_COLUMNS = [...SINGLE_GUEST_FIELDS.flatMap((f) => [f, `${f}_updated_at_ms`, `${f}_source`]), 'preferences'] as const;

/** What one command needs to read: its own stay, and every stay holding a night it asks for. */
export interface StateNeed {
  readonly propertyId: string;
  readonly key: StayKey;
  readonly dates: StayDates | null;
}

/**
 * loadStates' statement; its bindings are four arrays, one entry per need: property ids, stay
 * keys, check-ins and check-outs (null: a command without dates). Per need, two lookups, each by
 * its own index: its stay by the primary key, and the stays holding its nights by the exclusion
 * constraint's GiST index (whose predicate HOLDING repeats). Each is a LATERAL subquery behind
 * OFFSET 0, which the planner cannot flatten into a join: flattened, a plan made from statistics
 * taken while the ledger was small walked the whole GiST index and filtered every stay (1.3 ms
 * against 0.16 ms for four needs over 1,100 stays, on the sync bench's database). Fixed text, so
 * it is prepared once; LEDGER_PLANNING says how it is planned.
 */
export const LOAD_STATES_SQL = `WITH n(property_id, stay_key, check_in, check_out) AS (SELECT * FROM unnest(?::text[], ?::text[], ?::date[], ?::date[])),
     wanted AS (
       SELECT k.property_id, k.stay_key FROM n CROSS JOIN LATERAL (
         SELECT s.property_id, s.stay_key FROM stays s WHERE s.property_id = n.property_id AND s.stay_key = n.stay_key OFFSET 0) k
       UNION
       SELECT h.property_id, h.stay_key FROM n CROSS JOIN LATERAL (
         SELECT s.property_id, s.stay_key FROM stays s WHERE s.property_id = n.property_id
           AND ${HOLDING} AND daterange(s.check_in, s.check_out, '[)') && daterange(n.check_in, n.check_out, '[)') OFFSET 0) h
       WHERE n.check_in IS NOT NULL)
     SELECT ${STAY_COLUMNS.map((c) => `s.${c}`).join(', ')},
            ${GUEST_COLUMNS.map((c) => `g.${c}`).join(', ')}
     FROM wanted w
     CROSS JOIN LATERAL (SELECT ${STAY_COLUMNS.join(', ')} FROM stays s WHERE s.property_id = w.property_id AND s.stay_key = w.stay_key OFFSET 0) s
     LEFT JOIN LATERAL (SELECT ${GUEST_COLUMNS.join(', ')} FROM guests g WHERE g.property_id = s.property_id AND g.stay_key = s.stay_key OFFSET 0) g ON true`;

/** Loads, in one query, the part of each property's ledger the given commands can read. */
export async function loadStates(tx: Knex.Transaction, versions: ReadonlyMap<string, number>, needs: readonly StateNeed[]): Promise<Map<string, PropertyState>> {
  return statesOf(versions, needs.length === 0 ? null : await loadStatesStatement(tx, needs));
}

/** loadStates' statement, for needs not empty: to run alone or after the chunk's opening (rawTogether); statesOf reads its answer. */
export function loadStatesStatement(tx: Knex.Transaction, needs: readonly StateNeed[]): Knex.Raw {
  return preparedRaw(
    tx,
    LOAD_STATES_SQL,
    // Each array goes as an array literal (array-literals.ts), nulls included (a command without dates).
    [needs.map((n) => n.propertyId), needs.map((n) => n.key), needs.map((n) => n.dates?.checkIn ?? null), needs.map((n) => n.dates?.checkOut ?? null)] as unknown as Knex.RawBinding[],
  );
}

/**
 * The states of the properties at the versions given, from loadStates' answer (null: nothing was
 * read). Stays of other properties in the answer are left out: read for a command that turned out
 * to be decided before, they belong to no property being decided.
 */
export function statesOf(versions: ReadonlyMap<string, number>, answer: unknown): Map<string, PropertyState> {
  const states = new Map<string, PropertyState>();
  for (const [propertyId, version] of versions) states.set(propertyId, { propertyId, version, stays: new Map() });
  const rows = answer === null ? [] : (answer as { rows: StayRow[] }).rows;
  for (const row of rows) (states.get(row.property_id)?.stays as Map<StayKey, Stay> | undefined)?.set(row.stay_key as StayKey, stayFromRow(row));
  return states;
}

/** What changed between each property's loaded and final state, as the rows decisionWrites writes. */
export function changedRows(changes: readonly { before: PropertyState; after: PropertyState }[]): Pick<DecisionRows, 'stays' | 'guests' | 'versions'> {
  const stays: ReturnType<typeof stayToRow>[] = [];
  const guests: ReturnType<typeof guestToRow>[] = [];
  const versions: { property_id: string; version: number }[] = [];
  for (const { before, after } of changes) {
    for (const [key, stay] of after.stays) {
      const previous = before.stays.get(key);
      if (previous === stay) continue;
      stays.push(stayToRow(after.propertyId, stay, after.version));
      if (stay.kind === 'booking' && (previous?.kind !== 'booking' || previous.guest !== stay.guest)) guests.push(guestToRow(after.propertyId, key, stay.guest));
    }
    if (after.version !== before.version) versions.push({ property_id: after.propertyId, version: after.version });
  }
  return { stays, guests, versions };
}
