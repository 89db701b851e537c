#!/usr/bin/env node
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { ConfigError, createDatabase, databaseConfig, describe, parseConfig, type Knex } from '@cm/service-runtime';
import { AdminError, addConnection, addProperty, createTenant, issueApiKey, mapListing, revokeApiKey, setListingPricing, type ListingPricing, type ListingRef } from '@cm/directory';
import type { Markup } from '@cm/domain';

/**
 * Sets up who may send what, for an operator. Saving the same record again is a no-op; a
 * different record under an existing id is refused (exit 65, with the reason's code) unless its
 * flag says the change is meant:
 *   admin tenant <tenant-id> <name> [requests-per-second] [--update]   --update: rename, change the rate
 *   admin key <tenant-id> <label>                 prints a new API key (shown once)
 *   admin revoke-key <key>
 *   admin property <property-id> <tenant-id> <iana-time-zone> <currency> [--update | --move]
 *                                                 --update: change time zone or currency;
 *                                                 --move: move it from another tenant (unmaps its listings)
 *   admin connection <connection-id> <tenant-id> <channel> [--replace]   prints the webhook secret;
 *                                                 --replace: a new secret, and another tenant or channel (unmaps its listings)
 *   admin listing <channel> <listing-id> <property-id> <connection-id> [--remap]
 *                                                 --remap: map it to another property or connection
 *   admin pricing <channel> <listing-id> <currency|property> <markup> [<pms-plan>=<channel-plan> ...]
 *                                                 how the listing takes the PMS's rates: its currency, a markup
 *                                                 (15%, 12.5%, -10%; or +500, a fixed amount per night in minor
 *                                                 units of its currency; 0 for none), the channel's plan ids
 * Exit codes: 0 done, 64 bad arguments (usage), 65 refused (code: reason), 78 configuration, 1 other.
 */
export const USAGE = `usage: admin tenant <tenant-id> <name> [rate] [--update]
       admin key <tenant-id> <label>
       admin revoke-key <key>
       admin property <property-id> <tenant-id> <time-zone> <currency> [--update | --move]
       admin connection <connection-id> <tenant-id> <channel> [--replace]
       admin listing <channel> <listing-id> <property-id> <connection-id> [--remap]
       admin pricing <channel> <listing-id> <currency|property> <markup> [<pms-plan>=<channel-plan> ...]
  --update   change an existing tenant's name or rate, or a property's time zone or currency
  --move     move a property from another tenant to this one (unmaps its listings)
  --replace  give an existing connection a new secret, tenant or channel (a new tenant or channel unmaps its listings)
  --remap    map an existing listing to another property or connection
  markup     15%, 12.5%, -10% (of the price), +500 or -300 (minor units per night), or 0
`;

export const EXIT_USAGE = 64;
export const EXIT_REFUSED = 65;

type Command =
  | { kind: 'tenant'; tenantId: string; name: string; ratePerSecond: number | null; update: boolean }
  | { kind: 'key'; tenantId: string; label: string }
  | { kind: 'revoke-key'; key: string }
  | { kind: 'property'; propertyId: string; tenantId: string; timeZone: string; currency: string; update: boolean; move: boolean }
  | { kind: 'connection'; connectionId: string; tenantId: string; channel: Channel; replace: boolean }
  | { kind: 'listing'; channel: Channel; listingId: string; propertyId: string; connectionId: string; remap: boolean }
  | { kind: 'pricing'; channel: Channel; listingId: string; pricing: ListingPricing };

class UsageError extends Error {}

const FLAGS: Readonly<Record<string, readonly string[]>> = {
  tenant: ['--update'],
  key: [],
  'revoke-key': [],
  property: ['--update', '--move'],
  connection: ['--replace'],
  listing: ['--remap'],
  pricing: [],
};

/** The command the arguments ask for; UsageError when they do not make one. */
function parseCommand(args: readonly string[]): Command {
  const [kind = '', ...rest] = args;
  const allowed = FLAGS[kind];
  if (!allowed) throw new UsageError(kind ? `unknown command '${kind}'` : 'no command');
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const unknown = [...flags].filter((f) => !allowed.includes(f));
  if (unknown.length > 0) throw new UsageError(`${kind} does not take ${unknown.join(', ')}`);
  const p = rest.filter((a) => !a.startsWith('--'));
  const arity = (min: number, max = min) => {
    if (p.length < min || p.length > max) throw new UsageError(`${kind} takes ${min === max ? min : `${min} to ${max}`} arguments, not ${p.length}`);
  };
  switch (kind) {
    case 'tenant':
      arity(2, 3);
      return { kind, tenantId: p[0]!, name: p[1]!, ratePerSecond: p[2] === undefined ? null : rateOf(p[2]), update: flags.has('--update') };
    case 'key':
      arity(2);
      return { kind, tenantId: p[0]!, label: p[1]! };
    case 'revoke-key':
      arity(1);
      return { kind, key: p[0]! };
    case 'property':
      arity(4);
      if (flags.has('--update') && flags.has('--move')) throw new UsageError('--move already allows what --update does: pass one');
      return { kind, propertyId: p[0]!, tenantId: p[1]!, timeZone: p[2]!, currency: p[3]!.toUpperCase(), update: flags.has('--update'), move: flags.has('--move') };
    case 'connection':
      arity(3);
      return { kind, connectionId: p[0]!, tenantId: p[1]!, channel: channelOf(p[2]!), replace: flags.has('--replace') };
    case 'listing':
      arity(4);
      return { kind, channel: channelOf(p[0]!), listingId: p[1]!, propertyId: p[2]!, connectionId: p[3]!, remap: flags.has('--remap') };
    case 'pricing': {
      if (p.length < 4) throw new UsageError(`pricing takes at least 4 arguments, not ${p.length}`);
      const currency = p[2]! === 'property' ? null : p[2]!.toUpperCase();
      return { kind, channel: channelOf(p[0]!), listingId: p[1]!, pricing: { currency, markup: markupOf(p[3]!), ratePlans: ratePlansOf(p.slice(4)) } };
    }
    default:
      throw new UsageError(`unknown command '${kind}'`);
  }
}

function channelOf(text: string): Channel {
  const channel = text.toUpperCase();
  if (!(ChannelSymbols as readonly string[]).includes(channel)) throw new UsageError(`channel must be one of ${ChannelSymbols.join(', ')}`);
  return channel as Channel;
}

function markupOf(text: string): Markup {
  const percent = /^([+-]?)(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(text);
  if (percent) return { kind: 'percent', basisPoints: (percent[1] === '-' ? -1 : 1) * (Number(percent[2]) * 100 + Number((percent[3] ?? '').padEnd(2, '0'))) };
  if (/^[+-]?\d{1,8}$/.test(text)) return Number(text) === 0 ? { kind: 'percent', basisPoints: 0 } : { kind: 'fixed', amountMinor: Number(text) };
  throw new UsageError(`markup must be a percentage (15%, 12.5%, -10%) or minor units per night (+500, -300), not '${text}'`);
}

function ratePlansOf(pairs: readonly string[]): Record<string, string> {
  const plans: Record<string, string> = {};
  for (const pair of pairs) {
    const [pms, channel, ...rest] = pair.split('=');
    if (!pms || !channel || rest.length > 0) throw new UsageError(`rate plans are given as <pms-plan>=<channel-plan>, not '${pair}'`);
    if (Object.hasOwn(plans, pms)) throw new UsageError(`PMS rate plan '${pms}' is given twice`);
    plans[pms] = channel;
  }
  return plans;
}

function rateOf(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new UsageError(`rate must be a whole number of requests per second, not '${text}'`);
  return Number(text);
}

/** Runs the command; returns what it prints on stdout (the key or secret alone, for scripts) and notes for stderr. */
async function execute(command: Command, db: Knex): Promise<{ out: string[]; notes: string[] }> {
  const unmappedNotes = (unmapped: readonly ListingRef[]) => unmapped.map((l) => `unmapped ${l.channel} listing ${l.listingId} (property ${l.propertyId}, connection ${l.connectionId})`);
  switch (command.kind) {
    case 'tenant': {
      const outcome = await createTenant(db, command, { update: command.update });
      return { out: [`tenant ${command.tenantId} ${outcome}`], notes: [] };
    }
    case 'key':
      return { out: [await issueApiKey(db, command.tenantId, command.label)], notes: [] };
    case 'revoke-key':
      return { out: [(await revokeApiKey(db, command.key)) === 'revoked' ? 'revoked' : 'already revoked'], notes: [] };
    case 'property': {
      const { outcome, unmapped } = await addProperty(db, command, { update: command.update, move: command.move });
      return { out: [`property ${command.propertyId} ${outcome}`], notes: unmappedNotes(unmapped) };
    }
    case 'connection': {
      const { secret, outcome, unmapped } = await addConnection(db, command, { replace: command.replace });
      return { out: [secret], notes: [`connection ${command.connectionId} ${outcome}`, ...unmappedNotes(unmapped)] };
    }
    case 'listing': {
      const { outcome, unmapped } = await mapListing(db, command, { remap: command.remap });
      return { out: [`listing ${command.listingId} maps to ${command.propertyId} (${outcome})`], notes: unmappedNotes(unmapped) };
    }
    case 'pricing': {
      const outcome = await setListingPricing(db, command, command.pricing);
      return { out: [`pricing of ${command.channel} listing ${command.listingId} ${outcome}`], notes: [] };
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

/**
 * The admin command as a function: parses `args`, opens the database only for a well-formed
 * command, and answers the exit code. A ConfigError from `open` and unexpected errors are thrown.
 */
export async function runAdmin(args: readonly string[], io: AdminIo, open: () => { db: Knex; close(): Promise<void> }): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}`);
    io.err(USAGE.trimEnd());
    return EXIT_USAGE;
  }
  const { db, close } = open();
  try {
    const { out, notes } = await execute(command, db);
    out.forEach((line) => io.out(line));
    notes.forEach((line) => io.err(line));
    return 0;
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    io.err(`admin refused: ${error.code}: ${error.message}`);
    return EXIT_REFUSED;
  } finally {
    await close();
  }
}

if (require.main === module) {
  const io: AdminIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  const open = () => {
    const { DATABASE_URL } = parseConfig('ingest admin', databaseConfig);
    const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
    return { db, close: () => db.destroy() };
  };
  runAdmin(process.argv.slice(2), io, open).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `admin failed: ${describe(error)}\n`);
      process.exitCode = error instanceof ConfigError ? 78 : 1;
    },
  );
}
