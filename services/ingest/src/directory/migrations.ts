import { directoryMigrationSteps } from '@cm/directory';
import { schemaMigrations } from '@cm/service-runtime';
import * as seenEventsByConnection002 from '../migrations/20261204_002_seen_events_by_connection';
import * as idempotencyExpiry003 from '../migrations/20261204_003_idempotency_expiry';
import * as pmsRevisions004 from '../migrations/20261204_004_pms_revisions';

/**
 * Every migration of the `ingest` schema, in order: the directory's (owned by @cm/directory, whose
 * tables live in this schema) and ingest's own, under the names knex recorded when they ran.
 * Forward-only: a change is a new file added here, or in the directory package.
 */
export const ingestMigrations = schemaMigrations('ingest', {
  ...directoryMigrationSteps,
  '20261204_002_seen_events_by_connection': seenEventsByConnection002,
  '20261204_003_idempotency_expiry': idempotencyExpiry003,
  '20261204_004_pms_revisions': pmsRevisions004,
});
