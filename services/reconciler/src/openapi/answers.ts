import { ChannelSymbols } from '@cm/schemas';
import { z } from 'zod';
import type { ListingLastPassView, ReconciliationHealthView } from '../store/drift-reads';
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

const mismatchKind = z.enum(['open_while_booked', 'closed_while_free']).describe('open_while_booked: the channel sells a night a stay holds; closed_while_free: it refuses a free night.');
const listingOutcome = z.enum(['in_sync', 'pending', 'fixed', 'failed', 'unread']);
const isoDate = z.string().describe('YYYY-MM-DD');

export const passListingAnswer = z.strictObject({
  passId: z.uuid(),
  propertyId: z.string(),
  channel: z.enum(ChannelSymbols),
  listingId: z.string(),
  compared: z.number().int(),
  driftNights: z.number().int(),
  driftRanges: z.array(z.strictObject({ dates: z.strictObject({ checkIn: isoDate, checkOut: isoDate }), kind: mismatchKind })).describe('The runs of nights found differing, [checkIn, checkOut).'),
  openWhileBooked: z.number().int(),
  correctionRanges: z.number().int(),
  ledgerVersion: z.number().int(),
  outcome: listingOutcome,
  error: z.string().nullable(),
  ratesOutcome: z.enum(['in_sync', 'corrected', 'unread']).nullable(),
  ratesCompared: z.number().int(),
  rateDriftNights: z.number().int(),
  rateCorrectionRanges: z.number().int(),
  ratesError: z.string().nullable(),
});
export const passListingsAnswer = z.strictObject({ listings: z.array(passListingAnswer).describe('At most 1,000, by property, channel and listing.') });

export const listingLastPassAnswer = z.strictObject({
  channel: z.enum(ChannelSymbols),
  listing_id: z.string(),
  pass_id: z.uuid(),
  checked_at: z.string().describe('When the pass read the listing (ISO 8601).'),
  outcome: listingOutcome,
  settled_at: z.string().nullable().describe("When its correction was acknowledged or failed; null while pending, or with nothing to correct."),
  drift_nights: z.number().int(),
  drift: z.array(z.strictObject({ check_in: isoDate, check_out: isoDate, kind: mismatchKind })).describe('The drift found, clipped to the nights asked for.'),
});
export const propertyDriftAnswer = z.strictObject({
  property_id: z.string(),
  from: isoDate,
  to: isoDate,
  listings: z.array(listingLastPassAnswer).describe("Each listing's newest pass: the operator console's drift row of the multi-calendar."),
});

export const reconciliationHealthRow = z.strictObject({
  channel: z.enum(ChannelSymbols),
  property_id: z.string(),
  checks: z.number().int().describe('Listing checks made (one per listing per pass).'),
  unread: z.number().int().describe('Checks that could not read the channel.'),
  last_checked_at: z.string().nullable(),
  drift_found: z.number().int().describe('Checks that found availability drift.'),
  drift_nights: z.number().int(),
  last_drift_found_at: z.string().nullable(),
  corrected: z.number().int().describe('Corrections the channel acknowledged.'),
  correction_failed: z.number().int(),
  correction_pending: z.number().int(),
  rate_drift_found: z.number().int().describe("Checks whose rates differed from the PMS's (a correction was sent)."),
  rate_drift_nights: z.number().int(),
});
export const reconciliationHealthAnswer = z.strictObject({
  since: z.string().describe('The start of the look back (ISO 8601).'),
  channels: z.array(reconciliationHealthRow).describe('Per channel and property.'),
});

/** true when A and B are the same type (readonly properties aside; a readonly array is compared as a mutable one below). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The store's row with its dates as plain strings: LocalDate is a branded string the JSON does not carry. */
type Unbranded<T extends PassListingRow> = Omit<T, 'driftRanges'> & { driftRanges: { dates: { checkIn: string; checkOut: string }; kind: PassListingRow['driftRanges'][number]['kind'] }[] };
const summaryIsTheStores: Same<z.infer<typeof passSummaryAnswer>, PassSummary> = true;
const listingIsTheStores: Same<z.infer<typeof passListingAnswer>, Unbranded<PassListingRow>> = true;
const lastPassIsTheStores: Same<z.infer<typeof listingLastPassAnswer>, Omit<ListingLastPassView, 'drift'> & { drift: ListingLastPassView['drift'][number][] }> = true;
const healthIsTheStores: Same<z.infer<typeof reconciliationHealthRow>, ReconciliationHealthView> = true;
void [summaryIsTheStores, listingIsTheStores, lastPassIsTheStores, healthIsTheStores];
