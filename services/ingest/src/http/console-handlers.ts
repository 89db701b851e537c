import type { TenantEntry } from '@cm/directory';
import { addDays, type LocalDate } from '@cm/domain';
import { auditOfStay, decisionsOf, holdersOfNights } from '@cm/ledger-reads';
import { Problem } from '@cm/service-runtime';
import type { z } from 'zod';
import { auditEntryOf } from '../audit-reads';
import type { HttpAnswer } from './decision-response';
import { propertyOfTenant } from './guards';
import type { PmsDeps } from './pms-handlers';
import type { ledgerNightsQuery } from './console-schemas';

/** Most audit entries a stay's history answers (the newest): a stay with more is one to read through /v1/audit. */
const STAY_AUDIT_LIMIT = 1_000;

/** Each night of [from, to) and the stay holding it, with its guest's name: the ledger row of the console's calendar. */
export async function readLedgerNights(deps: PmsDeps, tenant: TenantEntry, propertyId: string, query: z.infer<typeof ledgerNightsQuery>): Promise<HttpAnswer> {
  await propertyOfTenant(deps, tenant, propertyId);
  const from = query.from as LocalDate;
  const to = query.to as LocalDate;
  const holders = await holdersOfNights(deps.db, propertyId, from, to);
  const nights = [];
  for (let date = from; date < to; date = addDays(date, 1)) {
    const holder = holders.find((h) => h.check_in <= date && date < h.check_out);
    nights.push({
      date,
      holder: holder
        ? { stay_key: holder.stay_key, kind: holder.kind, source: holder.source, reference: holder.ref, status: holder.status, guest_name: holder.guest_name, guest_count: holder.guest_count, check_in: holder.check_in, check_out: holder.check_out }
        : null,
    });
  }
  return { status: 200, body: { property_id: propertyId, from, to, nights } };
}

/**
 * A stay's history: the stay now, its revisions, its audit trail (the conflicts among it), the
 * decisions of the commands the trail names, and its correlation ids for the channel side.
 */
export async function readStayHistory(deps: PmsDeps, tenant: TenantEntry, propertyId: string, stayKey: string): Promise<HttpAnswer> {
  await propertyOfTenant(deps, tenant, propertyId);
  const [stay, trail, revisions] = await Promise.all([deps.ledger.stay(propertyId, stayKey), auditOfStay(deps.db, tenant.tenantId, propertyId, stayKey, STAY_AUDIT_LIMIT + 1), deps.revisions.ofStay(tenant.tenantId, propertyId, stayKey)]);
  // One more than shown was read: the newest STAY_AUDIT_LIMIT are kept, and the answer says some are left out.
  const auditTruncated = trail.length > STAY_AUDIT_LIMIT;
  const audit = auditTruncated ? trail.slice(trail.length - STAY_AUDIT_LIMIT) : trail;
  if (!stay && audit.length === 0 && revisions.length === 0) throw new Problem(404, 'stay_not_found', `no stay '${stayKey}' at this property`);
  const commandIds = [...new Set([...audit.map((a) => a.command_id), ...revisions.map((r) => r.command_id)])];
  const decisions = await decisionsOf(deps.db, propertyId, commandIds);
  const entries = audit.map(auditEntryOf);
  return {
    status: 200,
    body: {
      property_id: propertyId,
      stay_key: stayKey,
      stay: stay ?? null,
      revisions,
      decisions: decisions.map((d) => ({ command_id: d.command_id, outcome: d.outcome, reason: d.reason, version: d.version === null ? null : Number(d.version), event_type: d.event_type, decided_by: d.decided_by, decided_at: d.decided_at.toISOString() })),
      audit: entries,
      audit_truncated: auditTruncated,
      conflicts: entries.filter((e) => e.conflict_type !== null),
      correlation_ids: [...new Set(audit.map((a) => a.correlation_id))],
    },
  };
}
