import { propertyIdsOfTenant } from '@cm/directory';
import type { Knex } from '@cm/service-runtime';
import type { AuditEntryView, AuditQuery } from './http/pms-schemas';

/**
 * The ledger's audit trail (seed section 6) as one tenant may read it: its own rows, newest
 * first, filtered and paged by id (a cursor that does not shift when rows are added). Rows from
 * before tenants were recorded answer for the tenant their property belongs to.
 */
export class AuditReads {
  constructor(private readonly db: Knex) {}

  async entries(tenantId: string, query: AuditQuery): Promise<{ entries: AuditEntryView[]; nextCursor: string | null }> {
    const q = this.db('audit_log')
      .where((own) =>
        own.where('tenant_id', tenantId).orWhere((legacy) => legacy.whereNull('tenant_id').whereIn('property_id', propertyIdsOfTenant(this.db, tenantId))),
      )
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .select('id', 'created_at', 'property_id', 'entity_type', 'entity_id', 'action', 'rule', 'conflict_type', 'resolution', 'resolved_by', 'source', 'command_id', 'version', 'correlation_id', 'trace_id', 'details');
    if (query.property_id) q.where('property_id', query.property_id);
    if (query.booking) q.where('entity_id', query.booking);
    if (query.conflict_type) q.where('conflict_type', query.conflict_type);
    if (query.entity_type) q.where('entity_type', query.entity_type);
    if (query.from) q.where('created_at', '>=', query.from);
    if (query.to) q.where('created_at', '<', query.to);
    if (query.cursor) q.where('id', '<', query.cursor);
    const rows: AuditRow[] = await q;
    const page = rows.slice(0, query.limit);
    return { entries: page.map(toView), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null };
  }
}

interface AuditRow {
  id: string;
  created_at: Date;
  property_id: string;
  entity_type: string;
  entity_id: string | null;
  action: string;
  rule: string | null;
  conflict_type: string | null;
  resolution: string | null;
  resolved_by: string;
  source: string;
  command_id: string;
  version: string;
  correlation_id: string;
  trace_id: string | null;
  details: Record<string, unknown> | null;
}

function toView(row: AuditRow): AuditEntryView {
  return {
    id: String(row.id),
    at: row.created_at.toISOString(),
    property_id: row.property_id,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    action: row.action,
    rule: row.rule,
    conflict_type: row.conflict_type,
    resolution: row.resolution,
    decided_by: row.resolved_by,
    operator: row.resolved_by === 'system' ? null : row.resolved_by,
    source: row.source,
    command_id: row.command_id,
    version: Number(row.version),
    correlation_id: row.correlation_id,
    trace_id: row.trace_id,
    details: row.details,
  };
}
