import { tenantIds } from '@cm/directory';
import { preparedRaw, type Knex } from '@cm/service-runtime';
import type { NewRevision, RevisionChanges, RevisionEventType } from './types';

/** A revision as the PMS API shows it. */
export interface RevisionView {
  readonly revision_id: string;
  readonly property_id: string;
  readonly event_id: string;
  readonly event_type: RevisionEventType;
  readonly stay_key: string;
  readonly booking_source: string;
  readonly booking_ref: string;
  readonly source: string;
  readonly command_id: string;
  readonly version: number;
  readonly occurred_at: string;
  readonly recorded_at: string;
  readonly acknowledged_at: string | null;
  readonly changes: RevisionChanges;
}

export interface RevisionPageQuery {
  /** Revisions with a larger id than this. */
  readonly after?: string;
  readonly propertyId?: string;
  readonly limit: number;
  readonly includeAcknowledged: boolean;
}

export interface RevisionPage {
  readonly revisions: RevisionView[];
  readonly hasMore: boolean;
  /** Unacknowledged revisions of the tenant (of the property when one is asked for), this page's included. */
  readonly unacknowledged: number;
}

/** Per tenant: unacknowledged revisions and the age of the oldest, for the gauges. */
export interface TenantFeedStats {
  readonly tenantId: string;
  readonly unacknowledged: number;
  readonly oldestAgeSeconds: number;
}

/** Two-key advisory lock class of "recording revisions of a tenant" ('rv'). */
const RECORDING_LOCK_CLASS = 0x7276;

/**
 * The PMS revision feed in ingest's schema. Revisions are recorded once per event id, listed
 * oldest first per tenant, acknowledged by id. Every query names the tenant: another tenant's
 * revision is as absent as one that does not exist.
 */
export class RevisionStore {
  constructor(private readonly db: Knex) {}

  /**
   * Records the revisions not recorded before (by event id); returns how many were new. The
   * tenants' advisory locks are taken (in order, so two recorders never deadlock) before any id is
   * drawn and held to the commit: a tenant's revision ids become visible in increasing order, so a
   * reader's cursor never passes a revision that commits later.
   */
  async record(revisions: readonly NewRevision[]): Promise<number> {
    if (revisions.length === 0) return 0;
    const rows = revisions.map((r) => ({
      tenant_id: r.tenantId,
      property_id: r.propertyId,
      event_id: r.eventId,
      event_type: r.eventType,
      stay_key: r.stayKey,
      source: r.source,
      command_id: r.commandId,
      version: r.version,
      occurred_at_ms: r.occurredAtMs,
      changes: r.changes,
    }));
    // One statement, its own transaction (a revision a record: BEGIN, a lock, the insert and
    // COMMIT were four round trips). The locks are taken in the `locks` CTE, which the WHERE
    // clause's one-time test runs before any row is made, so before any id is drawn; they are
    // held to the statement's commit. Rows go in the order given (partition order), so ids follow
    // each property's versions; nothing at or below a property's purge mark (its revision was
    // recorded, acknowledged and purged). Fixed text: prepared, parsed once per connection.
    const inserted = await preparedRaw(
      this.db,
      `WITH locks AS MATERIALIZED (
         SELECT pg_advisory_xact_lock(?, hashtext(t.tenant_id)) FROM (SELECT DISTINCT tenant_id FROM unnest(?::text[]) AS u(tenant_id) ORDER BY tenant_id) AS t)
       INSERT INTO ingest.pms_revisions (tenant_id, property_id, event_id, event_type, stay_key, source, command_id, version, occurred_at, changes)
       SELECT r.tenant_id, r.property_id, r.event_id, r.event_type, r.stay_key, r.source, r.command_id, r.version, to_timestamp(r.occurred_at_ms / 1000.0), r.changes
         FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (tenant_id text, property_id text, event_id text, event_type text, stay_key text, source text, command_id text, version bigint, occurred_at_ms bigint, changes jsonb))
              WITH ORDINALITY AS r(tenant_id, property_id, event_id, event_type, stay_key, source, command_id, version, occurred_at_ms, changes, position)
        WHERE (SELECT count(*) FROM locks) >= 0
          AND NOT EXISTS (SELECT 1 FROM ingest.pms_revision_purge_marks m WHERE m.property_id = r.property_id AND m.version >= r.version)
        ORDER BY r.position
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [RECORDING_LOCK_CLASS, [...new Set(revisions.map((r) => r.tenantId))], JSON.stringify(rows)],
    );
    return inserted.rows.length;
  }

  /** The revisions of one stay of a tenant's property, oldest first, acknowledged or not (until purged). */
  async ofStay(tenantId: string, propertyId: string, stayKey: string, limit = 1_000): Promise<RevisionView[]> {
    const rows: RevisionRow[] = await this.db('ingest.pms_revisions').where({ tenant_id: tenantId, property_id: propertyId, stay_key: stayKey }).orderBy('revision_id', 'asc').limit(limit).select('*');
    return rows.map(toView);
  }

  async page(tenantId: string, query: RevisionPageQuery): Promise<RevisionPage> {
    const rows = this.db('ingest.pms_revisions').where('tenant_id', tenantId).orderBy('revision_id', 'asc').limit(query.limit + 1).select('*');
    const count = this.db('ingest.pms_revisions').where('tenant_id', tenantId).whereNull('acknowledged_at').count<{ count: string }[]>('* as count');
    if (!query.includeAcknowledged) rows.whereNull('acknowledged_at');
    if (query.after !== undefined) rows.where('revision_id', '>', query.after);
    if (query.propertyId !== undefined) {
      rows.where('property_id', query.propertyId);
      count.where('property_id', query.propertyId);
    }
    const found: RevisionRow[] = await rows;
    const [counted] = await count;
    return { revisions: found.slice(0, query.limit).map(toView), hasMore: found.length > query.limit, unacknowledged: Number(counted?.count ?? 0) };
  }

  /**
   * Acknowledges the tenant's revisions among `revisionIds`; returns them, in id order, with the
   * time each was first acknowledged (acknowledging again changes nothing). Ids that are not the
   * tenant's, or no longer exist, are left out.
   */
  async acknowledge(tenantId: string, revisionIds: readonly string[]): Promise<RevisionView[]> {
    if (revisionIds.length === 0) return [];
    await this.db('ingest.pms_revisions').where('tenant_id', tenantId).whereIn('revision_id', revisionIds).whereNull('acknowledged_at').update({ acknowledged_at: this.db.fn.now() });
    const rows: RevisionRow[] = await this.db('ingest.pms_revisions').where('tenant_id', tenantId).whereIn('revision_id', revisionIds).orderBy('revision_id', 'asc').select('*');
    return rows.map(toView);
  }

  /** Every tenant (the directory's), with 0 when it has nothing unacknowledged: one grouped query over the feed. */
  async feedStats(): Promise<TenantFeedStats[]> {
    const [tenants, result] = await Promise.all([
      tenantIds(this.db),
      this.db.raw(
        `SELECT tenant_id, count(*) AS unacknowledged, coalesce(extract(epoch FROM now() - min(recorded_at)), 0) AS oldest_age_seconds
           FROM ingest.pms_revisions
          WHERE acknowledged_at IS NULL
          GROUP BY tenant_id`,
      ),
    ]);
    const pending = new Map((result.rows as { tenant_id: string; unacknowledged: string; oldest_age_seconds: string }[]).map((row) => [row.tenant_id, row]));
    return tenants.map((tenantId) => {
      const row = pending.get(tenantId);
      return { tenantId, unacknowledged: Number(row?.unacknowledged ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.oldest_age_seconds ?? 0)) };
    });
  }
}

interface RevisionRow {
  revision_id: string;
  property_id: string;
  event_id: string;
  event_type: RevisionEventType;
  stay_key: string;
  source: string;
  command_id: string;
  version: string;
  occurred_at: Date;
  recorded_at: Date;
  acknowledged_at: Date | null;
  changes: RevisionChanges;
}

function toView(row: RevisionRow): RevisionView {
  const colon = row.stay_key.indexOf(':');
  return {
    revision_id: String(row.revision_id),
    property_id: row.property_id,
    event_id: row.event_id,
    event_type: row.event_type,
    stay_key: row.stay_key,
    booking_source: row.stay_key.slice(0, colon),
    booking_ref: row.stay_key.slice(colon + 1),
    source: row.source,
    command_id: row.command_id,
    version: Number(row.version),
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
    acknowledged_at: row.acknowledged_at?.toISOString() ?? null,
    changes: row.changes,
  };
}
