import { propertyIdsOfTenant } from '@cm/directory';
import { auditOfTenant, type AuditRecord } from '@cm/ledger-reads';
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
    const rows = await auditOfTenant(this.db, tenantId, propertyIdsOfTenant(this.db, tenantId), { ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { entries: page.map(auditEntryOf), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null };
  }
}

/** An audit row as the API shows it: the operator named where one acted. */
export function auditEntryOf(row: AuditRecord): AuditEntryView {
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
