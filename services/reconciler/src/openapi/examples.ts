import type { z } from 'zod';
import { startBody } from '../http';
import { passListingsAnswer, passStartedAnswer, passSummaryAnswer, propertyDriftAnswer, reconciliationHealthAnswer } from './answers';

/** An example of the document, with the schema it is of (the test parses each with it). */
interface Example {
  readonly summary: string;
  readonly schema: z.ZodType;
  readonly value: unknown;
}

const passId = '5a0d2c4e-8f1b-4a7c-9e3d-2b6f0c1a9d84';

export const RECONCILIATION_EXAMPLES = {
  startOne: { summary: 'One property', schema: startBody, value: { property_id: 'villa-azul' } },
  startAll: { summary: 'Every property of the caller', schema: startBody, value: {} },
  started: { summary: 'A pass started', schema: passStartedAnswer, value: { pass_id: passId, scope: 'villa-azul', already_running: false, status_url: `/v1/reconciliations/${passId}` } },
  alreadyRunning: { summary: 'The pass of this scope already running', schema: passStartedAnswer, value: { pass_id: passId, scope: 'all', already_running: true, status_url: `/v1/reconciliations/${passId}` } },
  summary: {
    summary: 'A finished pass that found and corrected drift',
    schema: passSummaryAnswer,
    value: {
      passId,
      scope: 'villa-azul',
      trigger: 'on_demand',
      status: 'finished',
      windowDays: 365,
      startedAtMs: 1764928800000,
      finishedAtMs: 1764928801450,
      listings: 4,
      found: { listings: 1, nights: 2, openWhileBooked: 0 },
      corrected: 1,
      failed: 0,
      pending: 0,
      unread: 0,
      rates: { found: { listings: 0, nights: 0 }, unread: 0 },
    },
  },
  listings: {
    summary: 'A listing whose calendar drifted, corrected',
    schema: passListingsAnswer,
    value: {
      listings: [
        { passId, propertyId: 'villa-azul', channel: 'BOOKING_COM', listingId: 'bcom-4411', compared: 365, driftNights: 2, driftRanges: [{ dates: { checkIn: '2026-12-20', checkOut: '2026-12-22' }, kind: 'closed_while_free' }], openWhileBooked: 0, correctionRanges: 1, ledgerVersion: 42, outcome: 'fixed', error: null, ratesOutcome: 'in_sync', ratesCompared: 365, rateDriftNights: 0, rateCorrectionRanges: 0, ratesError: null },
      ],
    },
  },
  drift: {
    summary: 'Booking.com refused two free nights; the correction was acknowledged',
    schema: propertyDriftAnswer,
    value: {
      property_id: 'villa-azul',
      from: '2026-12-01',
      to: '2027-01-01',
      listings: [
        { channel: 'BOOKING_COM', listing_id: 'bcom-4411', pass_id: passId, checked_at: '2026-12-05T09:20:00.000Z', outcome: 'fixed', settled_at: '2026-12-05T09:20:01.450Z', drift_nights: 2, drift: [{ check_in: '2026-12-20', check_out: '2026-12-22', kind: 'closed_while_free' }] },
        { channel: 'AIRBNB', listing_id: 'air-9001', pass_id: passId, checked_at: '2026-12-05T09:20:00.000Z', outcome: 'in_sync', settled_at: null, drift_nights: 0, drift: [] },
      ],
    },
  },
  health: {
    summary: "A week of passes over one property's Booking.com listing",
    schema: reconciliationHealthAnswer,
    value: {
      since: '2026-11-28T09:20:00.000Z',
      channels: [
        { channel: 'BOOKING_COM', property_id: 'villa-azul', checks: 7, unread: 0, last_checked_at: '2026-12-05T09:20:00.000Z', drift_found: 1, drift_nights: 2, last_drift_found_at: '2026-12-05T09:20:00.000Z', corrected: 1, correction_failed: 0, correction_pending: 0, rate_drift_found: 0, rate_drift_nights: 0 },
      ],
    },
  },
} as const satisfies Record<string, Example>;
