/** For importers (other services' tests, the test harness): what this service lets others use. Starting it is `main.ts`. */
export { ingestConfig, type IngestConfig } from './config';
export { ingestDatabaseMigrations, ingestMigrations } from './directory/migrations';
// The directory's admin commands, which the harness and other tests set their worlds up with; they are @cm/directory's.
export { addConnection, addProperty, createTenant, issueApiKey, mapListing, revokeApiKey, type ListingRef, type SaveOutcome } from '@cm/directory';
