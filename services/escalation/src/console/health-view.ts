import { panelOf, type Panel } from './panels';
import type { SourceAnswer } from './sources';

/** The dispatcher's channel health (GET /v1/channel-health), per channel and property. */
export interface ChannelHealthBody {
  readonly at: string;
  readonly channels: readonly {
    readonly channel: string;
    readonly property_id: string;
    readonly listings: number;
    readonly last_successful_push_at: string | null;
    readonly last_failed_push_at: string | null;
    readonly last_error: string | null;
    readonly calls_24h: number;
    readonly failures_24h: number;
    readonly channel_rate_limited_24h: number;
    readonly pending_nights: number;
    readonly oldest_pending_change_at: string | null;
    readonly rate_limit_waits: number;
    readonly circuit_waits: number;
    readonly last_wait_at: string | null;
    readonly circuit: readonly { readonly instance: string; readonly state: string; readonly since: string }[];
  }[];
}

/** The reconciler's record (GET /v1/reconciliation-health), per channel and property. */
export interface ReconciliationHealthBody {
  readonly since: string;
  readonly channels: readonly {
    readonly channel: string;
    readonly property_id: string;
    readonly checks: number;
    readonly unread: number;
    readonly last_checked_at: string | null;
    readonly drift_found: number;
    readonly drift_nights: number;
    readonly last_drift_found_at: string | null;
    readonly corrected: number;
    readonly correction_failed: number;
    readonly correction_pending: number;
  }[];
}

type Pushes = ChannelHealthBody['channels'][number];
type Passes = ReconciliationHealthBody['channels'][number];

export interface HealthRowView {
  readonly channel: string;
  readonly propertyId: string;
  /** Null: that source could not be read (its panel says why), or it has no record of this pair. */
  readonly pushes: (Pushes & { readonly circuitWorst: string; readonly circuitText: string }) | null;
  readonly passes: Passes | null;
}

export interface HealthView {
  readonly rows: readonly HealthRowView[];
  readonly panels: readonly Panel[];
  readonly since: string | null;
}

/** The worst breaker first: one open breaker holds that channel's pushes on its instance. */
const CIRCUIT_ORDER = ['open', 'half_open', 'closed'];

/** One row per channel and property that either source knows, joined; a source that failed leaves its columns to its panel. */
export function healthView(pushes: SourceAnswer<ChannelHealthBody>, passes: SourceAnswer<ReconciliationHealthBody>): HealthView {
  const rows = new Map<string, { channel: string; propertyId: string; pushes: HealthRowView['pushes']; passes: Passes | null }>();
  const rowOf = (channel: string, propertyId: string) => {
    const key = `${propertyId}\u0000${channel}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { channel, propertyId, pushes: null, passes: null }));
    return row;
  };
  if (pushes.kind === 'ok') for (const p of pushes.body.channels) rowOf(p.channel, p.property_id).pushes = { ...p, ...circuitOf(p.circuit) };
  if (passes.kind === 'ok') for (const p of passes.body.channels) rowOf(p.channel, p.property_id).passes = p;
  const ordered = [...rows.values()].sort((a, b) => (a.propertyId === b.propertyId ? compare(a.channel, b.channel) : compare(a.propertyId, b.propertyId)));
  return {
    rows: ordered,
    panels: [panelOf(pushes, 'pushes, failures, circuits and rate-limit waits'), panelOf(passes, 'reconciliation passes')].filter((p): p is Panel => p !== null),
    since: passes.kind === 'ok' ? passes.body.since : null,
  };
}

/** The channel's breaker as its worst instance has it, and every instance's, as words. */
function circuitOf(circuit: Pushes['circuit']): { circuitWorst: string; circuitText: string } {
  // A breaker's state is recorded when it changes: none recorded is a breaker that never left closed.
  if (circuit.length === 0) return { circuitWorst: 'closed', circuitText: 'no instance has recorded it opening' };
  const worst = [...circuit].sort((a, b) => rank(a.state) - rank(b.state))[0]!;
  return { circuitWorst: worst.state.replace('_', ' '), circuitText: circuit.map((c) => `${c.instance}: ${c.state.replace('_', ' ')} since ${c.since}`).join('; ') };
}

const rank = (state: string) => (CIRCUIT_ORDER.includes(state) ? CIRCUIT_ORDER.indexOf(state) : -1);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
