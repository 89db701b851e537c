#!/usr/bin/env node
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { ConfigError, createDatabase, databaseConfig, describe, parseConfig } from '@cm/service-runtime';
import { addConnection, addProperty, createTenant, issueApiKey, mapListing, revokeApiKey } from '../directory/admin';

/**
 * Sets up who may send what, for an operator:
 *   admin tenant <tenant-id> <name> [requests-per-second]
 *   admin key <tenant-id> <label>                 prints a new API key (shown once)
 *   admin revoke-key <key>
 *   admin property <property-id> <tenant-id> <iana-time-zone> <currency>
 *   admin connection <connection-id> <tenant-id> <channel>   prints the webhook secret
 *   admin listing <channel> <listing-id> <property-id> <connection-id>
 */
const USAGE = `usage: admin tenant <tenant-id> <name> [rate] | key <tenant-id> <label> | revoke-key <key> | property <property-id> <tenant-id> <time-zone> <currency> | connection <connection-id> <tenant-id> <channel> | listing <channel> <listing-id> <property-id> <connection-id>\n`;

function channelOf(text: string | undefined): Channel {
  const channel = (text ?? '').toUpperCase();
  if (!(ChannelSymbols as readonly string[]).includes(channel)) throw new UsageError(`channel must be one of ${ChannelSymbols.join(', ')}`);
  return channel as Channel;
}

class UsageError extends Error {}

async function main(args: string[]): Promise<void> {
  const { DATABASE_URL } = parseConfig('ingest admin', databaseConfig);
  const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
  const need = (n: number) => {
    if (args.length < n + 1 || args.slice(1, n + 1).some((a) => !a)) throw new UsageError(USAGE);
  };
  try {
    switch (args[0]) {
      case 'tenant':
        need(2);
        await createTenant(db, { tenantId: args[1]!, name: args[2]!, ratePerSecond: args[3] ? Number(args[3]) : null });
        process.stdout.write(`tenant ${args[1]} saved\n`);
        break;
      case 'key':
        need(2);
        process.stdout.write(`${await issueApiKey(db, args[1]!, args[2]!)}\n`);
        break;
      case 'revoke-key':
        need(1);
        await revokeApiKey(db, args[1]!);
        process.stdout.write('revoked\n');
        break;
      case 'property':
        need(4);
        await addProperty(db, { propertyId: args[1]!, tenantId: args[2]!, timeZone: args[3]!, currency: args[4]!.toUpperCase() });
        process.stdout.write(`property ${args[1]} saved\n`);
        break;
      case 'connection': {
        need(3);
        const { secret } = await addConnection(db, { connectionId: args[1]!, tenantId: args[2]!, channel: channelOf(args[3]) });
        process.stdout.write(`${secret}\n`);
        break;
      }
      case 'listing':
        need(4);
        await mapListing(db, { channel: channelOf(args[1]), listingId: args[2]!, propertyId: args[3]!, connectionId: args[4]! });
        process.stdout.write(`listing ${args[2]} maps to ${args[3]}\n`);
        break;
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(error instanceof UsageError || error instanceof ConfigError ? `${error.message}\n` : `admin failed: ${describe(error)}\n`);
  process.exit(error instanceof UsageError ? 64 : error instanceof ConfigError ? 78 : 1);
});
