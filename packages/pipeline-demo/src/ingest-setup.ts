import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ADMIN = join(__dirname, '..', '..', '..', 'services', 'ingest', 'dist', 'cli', 'admin.js');
const run = promisify(execFile);

/**
 * What an operator sets up before a channel's events can be taken in, done the operator's way
 * (ingest's admin command): a tenant, an Airbnb connection, and each listing mapped to a property.
 */
export async function mapListings(databaseUrl: string, secretsKeys: string, tenantId: string, listings: readonly { listingId: string; propertyId: string }[]): Promise<void> {
  const admin = (...args: string[]) => run(process.execPath, [ADMIN, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEYS: secretsKeys } });
  await admin('tenant', tenantId, `Demo ${tenantId}`);
  await admin('connection', `${tenantId}-airbnb`, tenantId, 'AIRBNB');
  for (const { listingId, propertyId } of listings) {
    await admin('property', propertyId, tenantId, 'Europe/Lisbon', 'EUR');
    await admin('listing', 'AIRBNB', listingId, propertyId, `${tenantId}-airbnb`);
  }
}
