import type { LocalDate } from '@cm/domain';
import { Problem } from '@cm/service-runtime';
import type { Knex, ReplyWaiter } from '@cm/service-runtime';
import type { z } from 'zod';
import type { CommandWriter } from '../command-writer';
import type { PropertyEntry, TenantEntry } from '@cm/directory';
import type { AuditReads } from '../audit-reads';
import type { LedgerReads } from '../ledger-reads';
import { impossibleOnChannel, pmsWriteToCommand, type PmsWrite } from '../normalise/pms-command';
import { answerOfDecision, problemAnswer, type DecisionReply, type HttpAnswer } from './decision-response';
import { propertyOfTenant, requireReadRange, type GuardDeps } from './guards';
import type { IdempotencyKeys } from './idempotency';
import type { RevisionStore } from '../revisions/store';
import type { AcknowledgeRevisionsBody, AuditQuery, bookingQuery, calendarQuery, RevisionsQuery } from './pms-schemas';

export interface PmsDeps extends GuardDeps {
  readonly db: Knex;
  readonly writer: CommandWriter;
  readonly ledger: LedgerReads;
  readonly audit: AuditReads;
  readonly revisions: RevisionStore;
  readonly idempotency: IdempotencyKeys;
  readonly replies: ReplyWaiter;
  /** How long a write waits for the arbiter's decision before answering 202. */
  readonly decisionDeadlineMs: number;
  readonly onDecisionWait: (result: 'decided' | 'deadline_passed') => void;
  readonly now: () => number;
}

export interface PmsWriteRequest {
  readonly tenant: TenantEntry;
  readonly propertyId: string;
  readonly commandId: string;
  readonly write: PmsWrite;
  readonly idempotencyKey: string | undefined;
  /** Method, path and body: what an Idempotency-Key is bound to. */
  readonly fingerprint: string;
  readonly correlationId: string | undefined;
}

/**
 * A PMS write: checked, turned into a command the arbiter will decide, and answered with the
 * decision if it comes within the deadline (202 with a status URL if not). With an
 * Idempotency-Key the answer is kept, and a retry gets it again instead of a second command.
 */
export async function handlePmsWrite(deps: PmsDeps, request: PmsWriteRequest): Promise<HttpAnswer & { replayed: boolean }> {
  const { tenant, idempotencyKey } = request;
  const property = await propertyOfTenant(deps, tenant, request.propertyId);
  if (idempotencyKey !== undefined) {
    if (!/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) throw new Problem(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
    const claim = await deps.idempotency.claim(tenant.tenantId, idempotencyKey, request.fingerprint);
    if (!claim.claimed) return { ...claim.response, replayed: true };
  }
  try {
    const answer = await issueAndWait(deps, request, property);
    if (idempotencyKey !== undefined) await deps.idempotency.complete(tenant.tenantId, idempotencyKey, answer);
    return { ...answer, replayed: false };
  } catch (error) {
    if (idempotencyKey !== undefined) {
      if (error instanceof Problem && error.status < 500) await deps.idempotency.complete(tenant.tenantId, idempotencyKey, problemAnswer(error));
      else await deps.idempotency.release(tenant.tenantId, idempotencyKey);
    }
    throw error;
  }
}

async function issueAndWait(deps: PmsDeps, request: PmsWriteRequest, property: PropertyEntry): Promise<HttpAnswer> {
  const { commandId } = request;
  const impossible = impossibleOnChannel(request.write);
  if (impossible) throw new Problem(422, 'not_possible_on_channel', impossible.message, [impossible]);
  const command = pmsWriteToCommand(request.write, { propertyId: request.propertyId, propertyCurrency: property.currency, tenantId: property.tenantId, commandId, correlationId: request.correlationId ?? commandId, nowMs: deps.now() });
  if (!command.ok) throw new Problem(400, 'invalid_request', 'the request has values the ledger cannot take', command.problems);
  await deps.db('ingest.pms_commands')
    .insert({ command_id: commandId, tenant_id: request.tenant.tenantId, property_id: request.propertyId, command_type: command.value.command.kind, booking_ref: command.value.booking_ref })
    .onConflict('command_id')
    .ignore();
  const waiting = deps.replies.wait<DecisionReply>(commandId, deps.decisionDeadlineMs);
  await deps.writer.write([command.value]);
  const reply = await waiting;
  deps.onDecisionWait(reply ? 'decided' : 'deadline_passed');
  if (!reply) return { status: 202, body: { command_id: commandId, status: 'pending', status_url: `/v1/commands/${encodeURIComponent(commandId)}` } };
  const created = request.write.kind === 'create_booking' || request.write.kind === 'create_block';
  return answerOfDecision(reply, request.propertyId, `PMS:${request.write.reference}`, created ? 201 : 200, deps.ledger);
}

export async function readBooking(deps: PmsDeps, tenant: TenantEntry, propertyId: string, reference: string, query: z.infer<typeof bookingQuery>): Promise<HttpAnswer> {
  await propertyOfTenant(deps, tenant, propertyId);
  const stay = await deps.ledger.stay(propertyId, `${query.source}:${reference}`);
  if (!stay || stay.kind !== 'booking') throw new Problem(404, 'booking_not_found', `no ${query.source} booking '${reference}' at this property`);
  return { status: 200, body: stay };
}

export async function readCalendar(deps: PmsDeps, tenant: TenantEntry, propertyId: string, query: z.infer<typeof calendarQuery>): Promise<HttpAnswer> {
  await propertyOfTenant(deps, tenant, propertyId);
  requireReadRange(query.from, query.to);
  const nights = await deps.ledger.calendar(propertyId, query.from as LocalDate, query.to as LocalDate);
  return { status: 200, body: { property_id: propertyId, from: query.from, to: query.to, nights } };
}

export async function readAudit(deps: PmsDeps, tenant: TenantEntry, query: AuditQuery): Promise<HttpAnswer> {
  if (query.property_id) await propertyOfTenant(deps, tenant, query.property_id);
  const { entries, nextCursor } = await deps.audit.entries(tenant.tenantId, query);
  return { status: 200, body: { entries, next_cursor: nextCursor } };
}

export async function readCommandStatus(deps: PmsDeps, tenant: TenantEntry, commandId: string): Promise<HttpAnswer> {
  const issued = await deps.db('ingest.pms_commands').where({ command_id: commandId, tenant_id: tenant.tenantId }).first();
  if (!issued) throw new Problem(404, 'command_not_found', `no command '${commandId.slice(0, 200)}' of this API key's tenant`);
  const decided = await deps.ledger.decision(commandId);
  const reply = decided?.reply as DecisionReply | null | undefined;
  if (!reply) return { status: 200, body: { command_id: commandId, status: 'pending', status_url: `/v1/commands/${encodeURIComponent(commandId)}` } };
  const [stay, holder] = await Promise.all([
    deps.ledger.stay(issued.property_id, `PMS:${issued.booking_ref}`),
    reply.heldBy ? deps.ledger.stay(issued.property_id, reply.heldBy) : undefined,
  ]);
  return {
    status: 200,
    body: { status: 'decided', command_id: commandId, outcome: reply.outcome, reason: reply.reason, version: reply.version, stay: stay ?? null, ...(holder ? { conflicting_stay: holder } : {}) },
  };
}

/** A page of the tenant's revision feed, oldest first; another tenant's property answers 404. */
export async function readRevisions(deps: PmsDeps, tenant: TenantEntry, query: RevisionsQuery): Promise<HttpAnswer> {
  if (query.property_id) await propertyOfTenant(deps, tenant, query.property_id);
  const page = await deps.revisions.page(tenant.tenantId, { after: query.after, propertyId: query.property_id, limit: query.limit, includeAcknowledged: query.include_acknowledged === 'true' });
  const nextCursor = page.revisions.at(-1)?.revision_id ?? query.after ?? null;
  return { status: 200, body: { revisions: page.revisions, next_cursor: nextCursor, has_more: page.hasMore, unacknowledged: page.unacknowledged } };
}

/** Acknowledges one revision of the tenant; again, the same answer. Another tenant's id is absent. */
export async function acknowledgeRevision(deps: PmsDeps, tenant: TenantEntry, revisionId: string): Promise<HttpAnswer> {
  const [revision] = await deps.revisions.acknowledge(tenant.tenantId, [revisionId]);
  if (!revision) throw new Problem(404, 'revision_not_found', `no revision '${revisionId}' of this API key's tenant`);
  return { status: 200, body: revision };
}

export async function acknowledgeRevisions(deps: PmsDeps, tenant: TenantEntry, body: AcknowledgeRevisionsBody): Promise<HttpAnswer> {
  const ids = [...new Set(body.revision_ids)];
  const acknowledged = await deps.revisions.acknowledge(tenant.tenantId, ids);
  const found = new Set(acknowledged.map((r) => r.revision_id));
  return { status: 200, body: { acknowledged, not_found: ids.filter((id) => !found.has(id)) } };
}
