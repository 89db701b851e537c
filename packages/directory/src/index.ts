/**
 * The directory: tenants, API keys, channel connections and their webhook secrets, listings and
 * the properties they map to. Its tables are in the `ingest` schema; no other module names them
 * (tests/sql-ownership.test.ts): services read and write them through what this entry exports.
 */
export { directoryMigrationSteps } from './migrations';
export { Directory, hashApiKey, type ConnectionEntry, type ListingEntry, type PropertyEntry, type TenantEntry } from './directory';
export { addConnection, addProperty, createTenant, issueApiKey, mapListing, revokeApiKey, setListingPricing, type ListingPricing, type ListingRef, type SaveOutcome } from './admin';
export * from './admin-errors';
export { listingsOfProperties, pricingOfProperties, propertyExists, propertyIdsOfTenant, propertyListingsPage, propertyOfListing, tenantIds, tenantOfProperty, timeZoneOfListing, type ListingPricingRow, type PropertyListingRow } from './reads';
export { tenantOfApiKey, tenantOfAuthorization } from './api-key-auth';
export { insertDirectoryRows, type DirectoryRows } from './seed';
export { ListingPricings } from './listing-pricings';
