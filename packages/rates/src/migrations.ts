import type { Knex } from '@cm/service-runtime';
import * as rateNights001 from './migrations/20261214_001_rate_nights';

/**
 * The rates' migrations. Ingest runs them in its own chain (its PMS API writes rates), after the
 * directory's and its own: the tables are in the `rates` schema, the history in ingest's.
 */
export const ratesMigrationSteps: Readonly<Record<string, Knex.Migration>> = {
  '20261214_001_rate_nights': rateNights001,
};
