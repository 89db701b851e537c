import { calendarRange, MAX_CALENDAR_NIGHTS } from '@cm/domain';
import { z } from 'zod';
import { identifierProblem } from '@cm/service-runtime';
import { auditEntryView, revisionView, stayView } from './pms-schemas';

/** Requests and answers of the operator console's reads of the ledger (docs/console-reads.md). */

const id = z
  .string()
  .min(1)
  .max(200)
  .superRefine((value, context) => {
    const problem = identifierProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  // What the check refuses, for clients reading the document (as pms-schemas' identifiers say it); lone surrogates are refused too.
  .meta({ pattern: '^[^\\p{Cc}\\p{Cf}\\u2028\\u2029]+$' });
const localDate = z.iso.date().describe('Property-local calendar date, YYYY-MM-DD.');

export const stayParams = z.object({
  propertyId: id,
  stayKey: id.refine((key) => /^[^:]+:.+$/s.test(key), "'<source>:<reference>', as the ledger names a stay").describe("The stay's key, '<source>:<reference>' (AIRBNB:HM123, PMS:R-17): a calendar cell's `stay_key`."),
});

/** A read that takes no query parameter refuses any, rather than ignoring a typo. */
export const noQuery = z.object({}).strict();

export const ledgerNightsQuery = z
  .object({ from: localDate, to: localDate.describe(`Exclusive; at most ${MAX_CALENDAR_NIGHTS} nights after from.`) })
  .strict()
  .superRefine((q, context) => {
    const range = calendarRange(q.from, q.to);
    if ('problem' in range) context.addIssue({ code: 'custom', path: ['to'], message: range.problem });
  });

const holderView = z.object({
  stay_key: z.string().describe('Open its history with GET /v1/properties/{propertyId}/stays/{stay_key}/history.'),
  kind: z.enum(['booking', 'block']),
  source: z.string().describe('PMS or the channel the booking came from.'),
  reference: z.string(),
  status: z.string().nullable().describe("A booking's status; null for a block."),
  guest_name: z.string().nullable().describe("The guest's display name, when the ledger has one."),
  guest_count: z.number().int().nullable(),
  check_in: localDate,
  check_out: localDate,
});

export const ledgerNightsView = z.object({
  property_id: z.string(),
  from: localDate,
  to: localDate,
  nights: z.array(z.object({ date: localDate, holder: holderView.nullable().describe('Null: the night is free.') })),
});

export const decisionHistoryView = z.object({
  command_id: z.string(),
  outcome: z.enum(['applied', 'rejected', 'ignored', 'dead_lettered']),
  reason: z.string().nullable(),
  version: z.number().int().nullable(),
  event_type: z.string().nullable(),
  decided_by: z.string().describe('The arbiter instance that decided it.'),
  decided_at: z.string(),
});

export const stayHistoryView = z.object({
  property_id: z.string(),
  stay_key: z.string(),
  stay: stayView.nullable().describe('The stay as the ledger holds it now; null if the ledger never took it (every command was rejected).'),
  revisions: z.array(revisionView).describe('The changes the ledger made to it, oldest first, as the PMS feed has them (acknowledged ones until they are purged).'),
  decisions: z.array(decisionHistoryView).describe('The decisions of every command its audit trail names, in the order made.'),
  audit: z.array(auditEntryView).describe('Who did what, by which rule and why, oldest first: the ledger events and the conflicts resolved; the newest 1,000 when there are more.'),
  audit_truncated: z.boolean().describe('true: the stay has more than 1,000 audit entries and only the newest are here (the rest: GET /v1/audit?booking=).'),
  conflicts: z.array(auditEntryView).describe('The audit entries that resolved a conflict (a subset of audit).'),
  correlation_ids: z.array(z.string()).describe("Its flows: pass them to the dispatcher's channel-activity read for the pushes made for it."),
});
