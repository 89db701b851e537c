import { directoryMigrationSteps } from '@cm/directory';
import { exchangeRateMigrations } from '@cm/exchange-rates';
import { ratesMigrationSteps } from '@cm/rates';
import { migrationsInOrder, schemaMigrations } from '@cm/service-runtime';
import * as seenEventsByConnection002 from '../migrations/20261204_002_seen_events_by_connection';
import * as idempotencyExpiry003 from '../migrations/20261204_003_idempotency_expiry';
import * as pmsRevisions004 from '../migrations/20261204_004_pms_revisions';
import * as icalImports005 from '../migrations/20261215_005_ical_imports';
import * as icalEventRevisions006 from '../migrations/20261222_006_ical_event_revisions';
import * as stayRevisionsIndex007 from '../migrations/20261223_007_stay_revisions_index';

/**
 * Every migration of the `ingest` schema, in order: the directory's (owned by @cm/directory, whose
 * tables live in this schema), ingest's own, and the rates' (owned by @cm/rates, in the `rates`
 * schema: the PMS API writes them), under the names knex recorded when they ran.
 * Forward-only: a change is a new file added here, or in the directory package.
 */
export const ingestMigrations = schemaMigrations('ingest', {
  ...directoryMigrationSteps,
  '20261204_002_seen_events_by_connection': seenEventsByConnection002,
  '20261204_003_idempotency_expiry': idempotencyExpiry003,
  '20261204_004_pms_revisions': pmsRevisions004,
  ...ratesMigrationSteps,
  '20261215_005_ical_imports': icalImports005,
  '20261222_006_ical_event_revisions': icalEventRevisions006,
  '20261223_007_stay_revisions_index': stayRevisionsIndex007,
});

/**
 * What ingest's database needs: its schema, then the exchange rates its operator API loads (the
 * `fx` schema, owned by @cm/exchange-rates, which the arbiter's migrate runs too).
 */
export const ingestDatabaseMigrations = migrationsInOrder(ingestMigrations, exchangeRateMigrations);
