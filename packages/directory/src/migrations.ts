import type { Knex } from '@cm/service-runtime';
import * as directory001 from './migrations/20261125_001_directory';
import * as listingPricing002 from './migrations/20261214_002_listing_pricing';
import * as connectionSecrets003 from './migrations/20261216_003_connection_secrets';
import * as pollIntervalFromOneSecond004 from './migrations/20261221_004_poll_interval_from_one_second';
import * as removedProperties005 from './migrations/20261223_005_removed_properties';
import * as directoryChanges006 from './migrations/20261227_006_directory_changes';

/**
 * The directory's migrations, by the names knex has recorded for them in `ingest.knex_migrations`
 * (the directory's tables live in the `ingest` schema, and existing databases must find every
 * applied name again). Ingest runs them, in this order and before its own, as one chain: knex
 * refuses a history holding names its source does not list, so the directory cannot keep a second
 * history in the same table. 001 also created ingest's own first tables (seen_events,
 * idempotency_keys, pms_commands); it is kept whole so its recorded name still means what ran.
 */
export const directoryMigrationSteps: Readonly<Record<string, Knex.Migration>> = {
  '20261125_001_directory': directory001,
  '20261214_002_listing_pricing': listingPricing002,
  '20261216_003_connection_secrets': connectionSecrets003,
  '20261221_004_poll_interval_from_one_second': pollIntervalFromOneSecond004,
  '20261223_005_removed_properties': removedProperties005,
  '20261227_006_directory_changes': directoryChanges006,
};
