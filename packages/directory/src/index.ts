/**
 * The directory: tenants, API keys, channel connections (their API settings and sealed secrets),
 * listings (their sealed import URLs and hashed export tokens) and the properties they map to. Its
 * tables are in the `ingest` schema; no other module names them (tests/sql-ownership.test.ts):
 * services read and write them through what this entry exports.
 */
export { directoryMigrationSteps } from './migrations';
export { Directory, hashApiKey, type ConnectionEntry, type ListingEntry, type PropertyEntry, type TenantEntry } from './directory';
export { addConnection, addProperty, createTenant, issueApiKey, mapListing, revokeApiKey, setListingPricing, type ListingPricing, type ListingRef, type NewConnection, type SaveOutcome } from './admin';
export { listConnections, removeConnection, rotateConnectionSecrets, showConnection, type ConnectionSummary, type ConnectionView } from './connection-admin';
export { clearImportUrl, icalImportFeeds, setImportUrl, type IcalImportFeed } from './listing-secrets';
export { exportFeedPath, isExportTokenShaped, listingOfExportToken, rotateExportToken } from './export-tokens';
export { reencryptSecrets, type ReencryptCount } from './reencrypt';
export { keyRingProblems } from './key-ring-check';
export * from './admin-errors';
export { API_KEY_ID_BYTES, listApiKeys, listListings, listProperties, listTenants, showListing, showProperty, showTenant, type ApiKeySummary, type ListingSummary, type PropertySummary, type TenantSummary } from './directory-views';
export { removeListing, removeProperty, removeTenant, revokeApiKeyById } from './directory-removals';
export { connectionOfListing, connectionSettingsOf, listingsOfProperties, pricingOfProperties, pricingOfPropertyWith, propertyExists, propertyIdsOfTenant, propertyListingsPage, propertyOfListing, tenantIds, tenantOfProperty, timeZoneOfListing, type ConnectionSettings, type ListingPricingRow, type PropertyListingRow } from './reads';
export { tenantOfApiKey, tenantOfAuthorization, tenantOfLiveApiKeyHash } from './api-key-auth';
export { insertDirectoryRows, type DirectoryRows } from './seed';
export { ListingPricings, listingPricingKey, termsByListing } from './listing-pricings';
export { DIRECTORY_CHANGES_CHANNEL, DirectoryChanges, UNHEARD_CACHE_MS } from './directory-changes';
