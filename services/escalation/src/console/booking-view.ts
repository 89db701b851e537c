import { panelOf, type Panel } from './panels';
import type { SourceAnswer } from './sources';

interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly entity_type: string;
  readonly entity_id: string | null;
  readonly action: string;
  readonly rule: string | null;
  readonly conflict_type: string | null;
  readonly resolution: string | null;
  readonly decided_by: string;
  readonly operator: string | null;
  readonly source: string;
  readonly command_id: string;
  readonly version: number;
  readonly details: Record<string, unknown> | null;
}

/** Ingest's history of a stay (GET /v1/properties/{propertyId}/stays/{stayKey}/history). */
export interface StayHistoryBody {
  readonly stay: {
    readonly stay_key: string;
    readonly kind: string;
    readonly source: string;
    readonly reference: string;
    readonly status: string | null;
    readonly active: boolean;
    readonly check_in: string;
    readonly check_out: string;
    readonly guest: { readonly name: string | null } | null;
    readonly guest_count: number | null;
  } | null;
  readonly revisions: readonly { readonly revision_id: string; readonly event_type: string; readonly source: string; readonly command_id: string; readonly version: number; readonly occurred_at: string; readonly changes: Record<string, unknown> }[];
  readonly decisions: readonly { readonly command_id: string; readonly outcome: string; readonly reason: string | null; readonly version: number | null; readonly event_type: string | null; readonly decided_by: string; readonly decided_at: string }[];
  readonly audit: readonly AuditEntry[];
  readonly conflicts: readonly AuditEntry[];
  readonly correlation_ids: readonly string[];
}

/** The dispatcher's channel activity of a stay (GET /v1/properties/{propertyId}/stays/{stayKey}/channel-activity). */
export interface ChannelActivityBody {
  readonly reservation_actions: readonly { readonly event_id: string; readonly channel: string; readonly booking_ref: string; readonly action: string; readonly command_id: string; readonly status: string; readonly outcome: string | null; readonly attempts: number; readonly last_error: string | null; readonly finished_at: string | null }[];
  readonly pushes: readonly PushCall[];
}

export interface PushCall {
  readonly request_id: string;
  readonly attempt: number;
  readonly channel: string;
  readonly listing_id: string;
  readonly ranges: readonly { readonly from: string; readonly to: string; readonly available: boolean }[];
  readonly is_reconciliation: boolean;
  readonly outcome: string;
  readonly http_status: number | null;
  readonly error: string | null;
  readonly answered_at: string;
}

export interface AuditRowView extends AuditEntry {
  /** Who did it: the operator's name where one acted, else the system. */
  readonly who: string;
  /** Why, in a line: the rule's reason or the conflict's resolution. */
  readonly why: string;
}

export interface BookingView {
  readonly history: (Omit<StayHistoryBody, 'audit' | 'conflicts'> & { readonly audit: readonly AuditRowView[]; readonly conflicts: readonly AuditRowView[] }) | null;
  readonly activity: ChannelActivityBody | null;
  readonly panels: readonly Panel[];
}

export function bookingView(history: SourceAnswer<StayHistoryBody>, activity: SourceAnswer<ChannelActivityBody> | null): BookingView {
  const panels = [panelOf(history, "the booking's revisions, decisions, conflicts and audit trail")];
  if (activity) panels.push(panelOf(activity, 'the pushes and reservation actions made for it on each channel'));
  else panels.push({ kind: 'failed', what: 'the channel activity', text: "The channel activity is looked up by the booking's flows, which come from the ledger: without the ledger's answer it cannot be read." });
  return {
    history: history.kind === 'ok' ? { ...history.body, audit: history.body.audit.map(auditRowOf), conflicts: history.body.conflicts.map(auditRowOf) } : null,
    activity: activity?.kind === 'ok' ? activity.body : null,
    panels: panels.filter((p): p is Panel => p !== null),
  };
}

function auditRowOf(entry: AuditEntry): AuditRowView {
  return { ...entry, who: entry.operator ?? entry.decided_by, why: whyOf(entry) };
}

/** The reason an audit entry records: a resolution names what was chosen, a rule's decision its reason or outcome. */
function whyOf(entry: AuditEntry): string {
  const parts: string[] = [];
  if (entry.rule) parts.push(`rule ${entry.rule}`);
  if (entry.conflict_type) parts.push(`${entry.conflict_type}${entry.resolution ? ` resolved as ${entry.resolution}` : ''}`);
  const reason = entry.details?.['reason'] ?? entry.details?.['outcome'];
  if (typeof reason === 'string' && reason !== '') parts.push(reason);
  return parts.join('; ') || '—';
}
