import type { SyncResult } from '@cm/schemas';
import { waitFor, type Knex } from '@cm/service-runtime';
import type { Lags } from './lags';
import { CHANNELS } from './properties';

export interface Booking {
  readonly propertyId: string;
  readonly channel: (typeof CHANNELS)[number];
  readonly commandId: string;
  readonly sentAtMs: number;
}

/**
 * The acknowledgements read from sync.results, by property and channel, and when each command's
 * availability change reached Kafka. Indexed: a sustained-rate search reads tens of thousands of
 * them, and scanning every one for each booking was quadratic.
 */
export class Outcomes {
  private readonly acks = new Map<string, { version: number; completedAt: number }[]>();
  /** When each command's availability change reached Kafka (the record's timestamp). */
  readonly published = new Map<string, number>();

  add(result: SyncResult): void {
    if (result.outcome !== 'ACKNOWLEDGED') return;
    const key = `${result.property_id}\u0000${result.channel}`;
    const list = this.acks.get(key) ?? [];
    list.push({ version: result.version, completedAt: result.completed_at });
    this.acks.set(key, list);
  }

  /** The first acknowledgement on a channel of a version that includes `version`; Infinity if none yet. */
  ackedAt(propertyId: string, channel: string, version: number): number {
    let first = Infinity;
    for (const a of this.acks.get(`${propertyId}\u0000${channel}`) ?? []) if (a.version >= version && a.completedAt < first) first = a.completedAt;
    return first;
  }
}

/** Per booking: from the webhook's sending to the last acknowledgement, on the three other channels, of a version that includes it. */
export async function lagsOf(db: Knex, bookings: readonly Booking[], outcomes: Outcomes): Promise<Lags> {
  const versions = new Map<string, number>();
  const decidedAt = new Map<string, number>();
  const ids = bookings.map((b) => b.commandId);
  await waitFor('every booking decided', async () => {
    const rows: { command_id: string; version: number | null; decided_ms: number }[] = await db('processed_commands')
      .whereRaw('command_id = any(?)', [ids])
      .select('command_id', 'version', db.raw('(extract(epoch from decided_at) * 1000)::bigint as decided_ms'));
    for (const r of rows) {
      if (r.version !== null) versions.set(r.command_id, r.version);
      decidedAt.set(r.command_id, r.decided_ms);
    }
    return rows.length === bookings.length;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  const acked = (b: Booking, channel: string) => outcomes.ackedAt(b.propertyId, channel, versions.get(b.commandId)!);
  await waitFor('every booking acknowledged on the other channels', () => bookings.every((b) => CHANNELS.filter((c) => c !== b.channel).every((c) => acked(b, c) < Infinity)), { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
  const values: number[] = [];
  const toDecision: number[] = [];
  const toPublished: number[] = [];
  const fromPublished: number[] = [];
  let missing = 0;
  for (const b of bookings) {
    const last = Math.max(...CHANNELS.filter((c) => c !== b.channel).map((c) => acked(b, c)));
    if (last === Infinity) missing++;
    else {
      values.push(last - b.sentAtMs);
      toDecision.push(decidedAt.get(b.commandId)! - b.sentAtMs);
      const on = outcomes.published.get(b.commandId);
      if (on !== undefined) {
        toPublished.push(on - decidedAt.get(b.commandId)!);
        fromPublished.push(last - on);
      }
    }
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { values: sorted(values), missing, stages: {
      'webhook sent to decision committed': sorted(toDecision),
      'decision committed to its change on Kafka (outbox relay)': sorted(toPublished),
      'change on Kafka to the last acknowledgement (dispatcher)': sorted(fromPublished),
    },
  };
}

/**
 * Waits until the bookings are decided and the dispatcher has nothing left to push (or 30 s
 * passed: what is still missing is counted missing later), so one rate's tail does not run into
 * the next rate's measurement.
 */
export async function settled(db: Knex, bookings: readonly Booking[], options: { decidedWithinMs: number } = { decidedWithinMs: 60_000 }): Promise<void> {
  const ids = bookings.map((b) => b.commandId);
  await waitFor('every booking decided', async () => Number((await db('processed_commands').whereRaw('command_id = any(?)', [ids]).count({ n: '*' }).first())?.n ?? 0) === bookings.length, { timeoutMs: options.decidedWithinMs, intervalMs: 200 });
  await waitFor('nothing left to push', async () => (await db('sync.nights').whereRaw('version > pushed_version').first('night')) === undefined, { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
  // Each booking is also acknowledged on its own channel: that work is the booking's too, not the next phase's.
  await waitFor('every reservation acknowledged', async () => (await db('sync.reservation_actions').where({ status: 'pending' }).first('event_id')) === undefined, { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
}
