import { schemaMigrations } from '@cm/service-runtime';
import * as directory001 from '../migrations/20261125_001_directory';
import * as seenEventsByConnection002 from '../migrations/20261204_002_seen_events_by_connection';
import * as idempotencyExpiry003 from '../migrations/20261204_003_idempotency_expiry';
import * as pmsRevisions004 from '../migrations/20261204_004_pms_revisions';

/** Every migration of ingest's schema, in order. Forward-only: a change is a new file added here. */
export const ingestMigrations = schemaMigrations('ingest', {
  '20261125_001_directory': directory001,
  '20261204_002_seen_events_by_connection': seenEventsByConnection002,
  '20261204_003_idempotency_expiry': idempotencyExpiry003,
  '20261204_004_pms_revisions': pmsRevisions004,
});
