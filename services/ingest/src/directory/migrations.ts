import { schemaMigrations } from '@cm/service-runtime';
import * as directory001 from '../migrations/20261125_001_directory';

/** Every migration of ingest's schema, in order. Forward-only: a change is a new file added here. */
export const ingestMigrations = schemaMigrations('ingest', {
  '20261125_001_directory': directory001,
});
