import type { Knex } from '@cm/service-runtime';

export interface AuditRecord {
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

export interface AuditFilter {
  readonly limit: number;
  readonly property_id?: string | undefined;
  readonly booking?: string | undefined;
  readonly conflict_type?: string | undefined;
  readonly entity_type?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly cursor?: string | undefined;
}

/**
 * One tenant's audit rows, newest first, at most `limit`, below `cursor` (an id). Rows from before
 * tenants were recorded count as the tenant's when their property is among `tenantProperties` (a
 * subquery of property ids: the directory's `propertyIdsOfTenant`).
 */
export function auditOfTenant(db: Knex, tenantId: string, tenantProperties: Knex.QueryBuilder, filter: AuditFilter): Promise<AuditRecord[]> {
  const q = db('audit_log')
    .where((own) => own.where('tenant_id', tenantId).orWhere((legacy) => legacy.whereNull('tenant_id').whereIn('property_id', tenantProperties)))
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .select('id', 'created_at', 'property_id', 'entity_type', 'entity_id', 'action', 'rule', 'conflict_type', 'resolution', 'resolved_by', 'source', 'command_id', 'version', 'correlation_id', 'trace_id', 'details');
  if (filter.property_id) q.where('property_id', filter.property_id);
  if (filter.booking) q.where('entity_id', filter.booking);
  if (filter.conflict_type) q.where('conflict_type', filter.conflict_type);
  if (filter.entity_type) q.where('entity_type', filter.entity_type);
  if (filter.from) q.where('created_at', '>=', filter.from);
  if (filter.to) q.where('created_at', '<', filter.to);
  if (filter.cursor) q.where('id', '<', filter.cursor);
  return q;
}

/**
 * The newest `limit` audit rows of one stay of a property (its booking or block, its guest, its
 * price), returned oldest first, of this tenant (rows from before tenants were recorded count as
 * the property's owner's): a property moved to another tenant does not take its old owner's trail
 * along. The caller has checked that the property is its tenant's.
 */
export async function auditOfStay(db: Knex, tenantId: string, propertyId: string, stayKey: string, limit: number): Promise<AuditRecord[]> {
  const newest: AuditRecord[] = await db('audit_log')
    .where({ property_id: propertyId, entity_id: stayKey })
    .where((own) => own.where('tenant_id', tenantId).orWhereNull('tenant_id'))
    .orderBy('id', 'desc')
    .limit(limit)
    .select('id', 'created_at', 'property_id', 'entity_type', 'entity_id', 'action', 'rule', 'conflict_type', 'resolution', 'resolved_by', 'source', 'command_id', 'version', 'correlation_id', 'trace_id', 'details');
  return newest.reverse();
}
