import type { z } from 'zod';
import { startBody } from '../http';
import { passListingsAnswer, passStartedAnswer, passSummaryAnswer } from './answers';

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
        { passId, propertyId: 'villa-azul', channel: 'BOOKING_COM', listingId: 'bcom-4411', compared: 365, driftNights: 2, openWhileBooked: 0, correctionRanges: 1, ledgerVersion: 42, outcome: 'fixed', error: null, ratesOutcome: 'in_sync', ratesCompared: 365, rateDriftNights: 0, rateCorrectionRanges: 0, ratesError: null },
      ],
    },
  },
} as const satisfies Record<string, Example>;
