import { ChannelSymbols } from '@cm/schemas';
import { z } from 'zod';
import type { PassListingRow, PassSummary } from '../store/pass-store';

/**
 * The reconciliation API's answers as schemas: the OpenAPI document is generated from them, its
 * test checks the service's real answers against them, and the store's types must equal them
 * (below), so a field added to a pass's summary and not here does not compile.
 */
export const passStartedAnswer = z.strictObject({
  pass_id: z.uuid(),
  scope: z.string().describe("The property reconciled, or 'all' (every property of the caller)."),
  already_running: z.boolean().describe('true: a pass of this scope was running already; this is that pass.'),
  status_url: z.string().describe('Where to follow the pass (also in Location).'),
});

export const passSummaryAnswer = z.strictObject({
  passId: z.uuid(),
  scope: z.string(),
  trigger: z.string().describe('What started the pass: on_demand, schedule, calendar_report.'),
  status: z.string().describe('running, finished or failed.'),
  windowDays: z.number().int(),
  startedAtMs: z.number().int(),
  finishedAtMs: z.number().int().nullable(),
  listings: z.number().int().min(0),
  found: z.strictObject({ listings: z.number().int(), nights: z.number().int(), openWhileBooked: z.number().int() }).describe('Listings whose calendar differed from the ledger, their drifting nights, and nights a channel sold while the ledger held them.'),
  corrected: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int().describe('Corrections sent and not yet acknowledged by the channel.'),
  unread: z.number().int(),
  rates: z.strictObject({ found: z.strictObject({ listings: z.number().int(), nights: z.number().int() }), unread: z.number().int() }),
});

export const passListingAnswer = z.strictObject({
  passId: z.uuid(),
  propertyId: z.string(),
  channel: z.enum(ChannelSymbols),
  listingId: z.string(),
  compared: z.number().int(),
  driftNights: z.number().int(),
  openWhileBooked: z.number().int(),
  correctionRanges: z.number().int(),
  ledgerVersion: z.number().int(),
  outcome: z.enum(['in_sync', 'pending', 'fixed', 'failed', 'unread']),
  error: z.string().nullable(),
  ratesOutcome: z.enum(['in_sync', 'corrected', 'unread']).nullable(),
  ratesCompared: z.number().int(),
  rateDriftNights: z.number().int(),
  rateCorrectionRanges: z.number().int(),
  ratesError: z.string().nullable(),
});
export const passListingsAnswer = z.strictObject({ listings: z.array(passListingAnswer).describe('At most 1,000, by property, channel and listing.') });

/** true when A and B are the same type (readonly aside). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const summaryIsTheStores: Same<z.infer<typeof passSummaryAnswer>, PassSummary> = true;
const listingIsTheStores: Same<z.infer<typeof passListingAnswer>, PassListingRow> = true;
void [summaryIsTheStores, listingIsTheStores];
