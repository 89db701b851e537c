#!/usr/bin/env node
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { ImportStore } from '../ical-import/import-store';
import { CommanderError, commandLine, ConfigError, createDatabase, databaseConfig, describe, isHelpRequest, parseConfig, type Knex } from '@cm/service-runtime';
import type { Command as CommanderCommand } from 'commander';
import {
  AdminError,
  addConnection,
  addProperty,
  clearImportUrl,
  createTenant,
  exportFeedPath,
  issueApiKey,
  listApiKeys,
  listConnections,
  listListings,
  listProperties,
  listTenants,
  removeListing,
  removeProperty,
  removeTenant,
  revokeApiKeyById,
  showListing,
  showProperty,
  showTenant,
  type ListingSummary,
  mapListing,
  reencryptSecrets,
  removeConnection,
  revokeApiKey,
  rotateConnectionSecrets,
  rotateExportToken,
  setImportUrl,
  setListingPricing,
  showConnection,
  type ListingPricing,
  type ListingRef,
} from '@cm/directory';
import type { Markup } from '@cm/domain';
import { secretsConfig, SecretsError, type KeyRing } from '@cm/secrets';

/**
 * Sets up who may send what, for an operator, and lists, shows and removes it. Saving the same
 * record again is a no-op; a different record under an existing id is refused (exit 65, with the
 * reason's code) unless its flag says the change is meant: `--update` for settings, `--force` for
 * what replaces a secret or moves a property between tenants, `--remap` and `--unmap` for listings. Secrets are sealed under the key ring
 * of SECRETS_KEYS (@cm/secrets) and printed only once, by the command that made them (a webhook
 * secret, an API key, an export feed's URL); afterwards they are shown masked. Secrets the
 * operator gives (credentials, an import URL) are read from stdin, never from the arguments, which
 * other users of the machine can see.
 * Exit codes: 0 done, 64 bad arguments (usage), 65 refused (code: reason), 78 configuration, 1 other.
 */
export const EXIT_USAGE = 64;
export const EXIT_REFUSED = 65;

type Command =
  | { kind: 'tenant'; tenantId: string; name: string; ratePerSecond: number | null; update: boolean }
  | { kind: 'tenants list' }
  | { kind: 'tenants show'; tenantId: string }
  | { kind: 'tenants remove'; tenantId: string }
  | { kind: 'key'; tenantId: string; label: string }
  | { kind: 'keys list'; tenantId: string }
  | { kind: 'keys revoke'; keyId: string }
  | { kind: 'revoke-key'; key: string }
  | { kind: 'property'; propertyId: string; tenantId: string; timeZone: string; currency: string; update: boolean; move: boolean }
  | { kind: 'properties list'; tenantId?: string }
  | { kind: 'properties show'; propertyId: string }
  | { kind: 'properties remove'; propertyId: string; unmap: boolean }
  | { kind: 'connections add'; connectionId: string; tenantId: string; channel: Channel; baseUrl?: string; pollIntervalSeconds?: number; credentials: 'stdin' | 'none'; replace: boolean; update: boolean }
  | { kind: 'connections list'; tenantId?: string }
  | { kind: 'connections show'; connectionId: string }
  | { kind: 'connections rotate'; connectionId: string; webhookSecret: boolean; credentials: 'stdin' | 'clear' | 'keep' }
  | { kind: 'connections remove'; connectionId: string; unmap: boolean }
  | { kind: 'listing'; channel: Channel; listingId: string; propertyId: string; connectionId: string; remap: boolean }
  | { kind: 'listings list'; tenantId?: string; propertyId?: string; connectionId?: string }
  | { kind: 'listings show'; channel: Channel; listingId: string }
  | { kind: 'listings remove'; channel: Channel; listingId: string }
  | { kind: 'listings import-url set'; channel: Channel; listingId: string; replace: boolean }
  | { kind: 'listings import-url clear'; channel: Channel; listingId: string }
  | { kind: 'feeds rotate-token'; channel: Channel; listingId: string }
  | { kind: 'secrets reencrypt' }
  | { kind: 'ical list' }
  | { kind: 'ical poll'; channel: Channel; listingId: string }
  | { kind: 'ical accept'; channel: Channel; listingId: string }
  | { kind: 'pricing'; channel: Channel; listingId: string; pricing: ListingPricing };

class UsageError extends Error {}

type Found = (command: Command) => void;

const FORCE_HELP = 'the change replaces a secret or moves a record between tenants: say it is meant';

/**
 * The command tree, on commander: each leaf's action hands over the Command it parsed. Built anew
 * for every run (a commander program keeps what it parsed), with its output sent to `io` and its
 * exits turned into exceptions, so nothing here writes to the process or ends it.
 */
function adminProgram(found: Found, writeOut: (text: string) => void): CommanderCommand {
  const program = commandLine('admin', "Sets up who may send what (tenants, API keys, properties, channel connections, listings) in ingest's directory; lists, shows and removes them.")
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText('after', EXIT_HELP);

  program
    .command('tenant <tenant-id> <name> [rate]')
    .description('add a tenant (rate: its requests per second)')
    .option('--update', "change an existing tenant's name or rate")
    .action((tenantId: string, name: string, rate: string | undefined, o: { update?: boolean }) =>
      found({ kind: 'tenant', tenantId, name, ratePerSecond: rate === undefined ? null : rateOf(rate), update: o.update === true }),
    );
  const tenants = program.command('tenants').description('list, show or remove tenants');
  tenants.command('list').description('every tenant, with its counts').action(() => found({ kind: 'tenants list' }));
  tenants.command('show <tenant-id>').description('one tenant').action((tenantId: string) => found({ kind: 'tenants show', tenantId }));
  tenants.command('remove <tenant-id>').description('a tenant with no property and no connection left, with its API keys').action((tenantId: string) => found({ kind: 'tenants remove', tenantId }));

  program.command('key <tenant-id> <label>').description("issue an API key for the PMS API, printed once").action((tenantId: string, label: string) => found({ kind: 'key', tenantId, label }));
  const keys = program.command('keys').description("list a tenant's API keys, revoke one by id");
  keys.command('list <tenant-id>').description('id, label, when issued, when revoked').action((tenantId: string) => found({ kind: 'keys list', tenantId }));
  keys.command('revoke <key-id>').description('revoke the key with this id (keys list); ingest refuses it from then on').action((keyId: string) => found({ kind: 'keys revoke', keyId }));
  program.command('revoke-key <key>').description('revoke a key given whole').action((key: string) => found({ kind: 'revoke-key', key }));

  program
    .command('property <property-id> <tenant-id> <time-zone> <currency>')
    .description('add a property (IANA time zone, ISO 4217 currency)')
    .option('--update', "change an existing property's time zone or currency")
    .option('--force', `move the property from another tenant to this one (unmaps its listings): ${FORCE_HELP}`)
    .action((propertyId: string, tenantId: string, timeZone: string, currency: string, o: { update?: boolean; force?: boolean }) => {
      if (o.update && o.force) throw new UsageError('--force already allows what --update does: pass one');
      found({ kind: 'property', propertyId, tenantId, timeZone, currency: currency.toUpperCase(), update: o.update === true, move: o.force === true });
    });
  const properties = program.command('properties').description('list, show or remove properties');
  properties.command('list [tenant-id]').description('every property, or one tenant\'s').action((tenantId: string | undefined) => found({ kind: 'properties list', ...(tenantId !== undefined ? { tenantId } : {}) }));
  properties.command('show <property-id>').description('one property and its listings').action((propertyId: string) => found({ kind: 'properties show', propertyId }));
  properties
    .command('remove <property-id>')
    .description('remove a property from the directory (its bookings stay in the ledger)')
    .option('--unmap', 'remove one that still has listings, unmapping them')
    .action((propertyId: string, o: { unmap?: boolean }) => found({ kind: 'properties remove', propertyId, unmap: o.unmap === true }));

  const connectionOptions = (command: CommanderCommand) =>
    command
      .option('--base-url <url>', "the channel's API for this connection (default: the service's)")
      .option('--poll-seconds <n>', 'how often its iCal feeds are read')
      .option('--credentials-stdin', "the connection's API key or token is read from stdin")
      .option('--update', "change an existing connection's base URL or poll interval")
      .option('--force', `give an existing connection a new webhook secret, tenant or channel (a new tenant or channel unmaps its listings): ${FORCE_HELP}`);
  const addConnection = (connectionId: string, tenantId: string, channel: string, o: { baseUrl?: string; pollSeconds?: string; credentialsStdin?: boolean; update?: boolean; force?: boolean }) => {
    if (o.force && o.update) throw new UsageError('--force already allows what --update does: pass one');
    if (o.baseUrl === '') throw new UsageError('--base-url needs a value');
    found({
      kind: 'connections add',
      connectionId,
      tenantId,
      channel: channelOf(channel),
      ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
      ...(o.pollSeconds !== undefined ? { pollIntervalSeconds: secondsOf(o.pollSeconds) } : {}),
      credentials: o.credentialsStdin ? 'stdin' : 'none',
      replace: o.force === true,
      update: o.update === true,
    });
  };
  const connections = program.command('connections').description("a tenant's channel connections: list, show, add, rotate, remove");
  connections.command('list [tenant-id]').description('every connection, or one tenant\'s').action((tenantId: string | undefined) => found({ kind: 'connections list', ...(tenantId !== undefined ? { tenantId } : {}) }));
  connections.command('show <connection-id>').description('one connection, its secrets masked').action((connectionId: string) => found({ kind: 'connections show', connectionId }));
  connectionOptions(connections.command('add <connection-id> <tenant-id> <channel>').description('add a connection; its new webhook secret is printed once')).action(addConnection);
  connectionOptions(program.command('connection <connection-id> <tenant-id> <channel>').description('connections add, as before')).action(addConnection);
  connections
    .command('rotate <connection-id>')
    .description('a new webhook secret (printed once; the old one is refused from then on) and/or new credentials')
    .option('--webhook-secret', 'a new webhook secret (the default when no credentials flag is given)')
    .option('--credentials-stdin', 'new credentials, read from stdin')
    .option('--clear-credentials', 'remove its credentials')
    .option('--force', `required: rotating replaces a secret the channel uses now: ${FORCE_HELP}`)
    .action((connectionId: string, o: { webhookSecret?: boolean; credentialsStdin?: boolean; clearCredentials?: boolean; force?: boolean }) => {
      if (o.credentialsStdin && o.clearCredentials) throw new UsageError('--credentials-stdin and --clear-credentials contradict each other: pass one');
      if (!o.force) throw new UsageError(`connections rotate replaces a secret the channel uses now (it is refused from then on): pass --force if that is meant`);
      const credentials = o.credentialsStdin ? 'stdin' : o.clearCredentials ? 'clear' : 'keep';
      found({ kind: 'connections rotate', connectionId, webhookSecret: o.webhookSecret === true || credentials === 'keep', credentials });
    });
  connections
    .command('remove <connection-id>')
    .description('remove a connection')
    .option('--unmap', 'remove one that still carries listings, unmapping them')
    .action((connectionId: string, o: { unmap?: boolean }) => found({ kind: 'connections remove', connectionId, unmap: o.unmap === true }));

  program
    .command('listing <channel> <listing-id> <property-id> <connection-id>')
    .description("map a channel's listing to a property through a connection of the same tenant; prints its export feed URL once")
    .option('--remap', 'map an existing listing to another property or connection')
    .action((channel: string, listingId: string, propertyId: string, connectionId: string, o: { remap?: boolean }) =>
      found({ kind: 'listing', channel: channelOf(channel), listingId, propertyId, connectionId, remap: o.remap === true }),
    );
  const listings = program.command('listings').description('list, show or unmap listings; set their import feed URL');
  listings
    .command('list')
    .description('every listing, or those of a tenant, property or connection')
    .option('--tenant <tenant-id>')
    .option('--property <property-id>')
    .option('--connection <connection-id>')
    .action((o: { tenant?: string; property?: string; connection?: string }) =>
      found({ kind: 'listings list', ...(o.tenant !== undefined ? { tenantId: o.tenant } : {}), ...(o.property !== undefined ? { propertyId: o.property } : {}), ...(o.connection !== undefined ? { connectionId: o.connection } : {}) }),
    );
  listings.command('show <channel> <listing-id>').description('one listing').action((channel: string, listingId: string) => found({ kind: 'listings show', channel: channelOf(channel), listingId }));
  listings.command('remove <channel> <listing-id>').description("unmap a listing (its pricing goes with it); the channel's events for it become dead letters").action((channel: string, listingId: string) => found({ kind: 'listings remove', channel: channelOf(channel), listingId }));
  const importUrl = listings.command('import-url').description("a listing's iCal import feed URL");
  importUrl
    .command('set <channel> <listing-id>')
    .description('the URL read from stdin')
    .option('--force', `replace another import URL the listing has: ${FORCE_HELP}`)
    .action((channel: string, listingId: string, o: { force?: boolean }) => found({ kind: 'listings import-url set', channel: channelOf(channel), listingId, replace: o.force === true }));
  importUrl.command('clear <channel> <listing-id>').description('stop importing its feed').action((channel: string, listingId: string) => found({ kind: 'listings import-url clear', channel: channelOf(channel), listingId }));

  program.command('feeds').description("a listing's export feed").command('rotate-token <channel> <listing-id>').description('a new export feed URL, printed once; the old one answers 404 from then on').action((channel: string, listingId: string) => found({ kind: 'feeds rotate-token', channel: channelOf(channel), listingId }));
  program.command('secrets').description('the sealed secrets').command('reencrypt').description("seal every secret under the key ring's first key (after a key rotation or an upgrade)").action(() => found({ kind: 'secrets reencrypt' }));

  const ical = program.command('ical').description('imported iCal feeds');
  ical.command('list').description('each imported feed: when last read, failures, events held').action(() => found({ kind: 'ical list' }));
  ical.command('poll <channel> <listing-id>').description("read the listing's import feed now").action((channel: string, listingId: string) => found({ kind: 'ical poll', channel: channelOf(channel), listingId }));
  ical.command('accept <channel> <listing-id>').description('vouch for a feed that shrank: its next read releases what it dropped').action((channel: string, listingId: string) => found({ kind: 'ical accept', channel: channelOf(channel), listingId }));

  program
    .command('pricing <channel> <listing-id> <currency> <markup> [plans...]')
    .description('how a listing takes the PMS rates: currency (or "property"), markup (15%, 12.5%, -10%, +500, -300 minor units per night, or 0), plans as <pms-plan>=<channel-plan>')
    .action((channel: string, listingId: string, currency: string, markup: string, plans: string[]) =>
      found({ kind: 'pricing', channel: channelOf(channel), listingId, pricing: { currency: currency === 'property' ? null : currency.toUpperCase(), markup: markupOf(markup), ratePlans: ratePlansOf(plans) } }),
    );
  return program;
}

const EXIT_HELP = `
Secrets the operator gives (credentials, an import URL) are read from stdin, never from the
arguments. Each command's own --help lists its flags.
Exit codes: 0 done, 64 bad arguments (usage), 65 refused (code: reason), 78 configuration, 1 other.`;

/** Every command with its arguments, one a line: what a usage error prints. */
function usageOf(program: CommanderCommand): string {
  const lines: string[] = [];
  const walk = (command: CommanderCommand, path: string[]) => {
    const here = command === program ? [] : [...path, command.name()];
    if (command.commands.length === 0) {
      const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
      const flags = command.options.map((o) => `[${o.flags.replace(/^-\w, /, '')}]`);
      lines.push(['admin', ...here, ...args, ...flags].join(' '));
    }
    for (const sub of command.commands) if (sub.name() !== 'help') walk(sub, here);
  };
  walk(program, []);
  return `usage: ${lines.join('\n       ')}\n${EXIT_HELP.trimStart()}\n`;
}

export const USAGE = usageOf(adminProgram(() => undefined, () => undefined));

/** What the arguments ask for: a command, help that was printed, or a usage error. */
function parseCommand(args: readonly string[], writeOut: (text: string) => void): Command | 'help' {
  let command: Command | undefined;
  const program = adminProgram((c) => {
    command = c;
  }, writeOut);
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (isHelpRequest(error)) return 'help';
      throw new UsageError(error.code === 'commander.help' ? 'no command' : error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  if (!command) throw new UsageError('no command');
  return command;
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

function secondsOf(text: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(text)) throw new UsageError(`--poll-seconds must be a whole number of seconds, not '${text}'`);
  return Number(text);
}

function rateOf(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new UsageError(`rate must be a whole number of requests per second, not '${text}'`);
  return Number(text);
}

/** What a command runs with: the database, the key ring, and stdin (for the secrets an operator gives). */
export interface AdminResources {
  readonly db: Knex;
  readonly secrets: KeyRing;
  close(): Promise<void>;
}

/**
 * Runs the command; returns what it prints on stdout (a new key, secret or feed URL alone, for
 * scripts) and notes for stderr. A stored secret is never printed whole.
 */
async function execute(command: Command, { db, secrets }: AdminResources, input: () => Promise<string>): Promise<{ out: string[]; notes: string[] }> {
  const unmappedNotes = (unmapped: readonly ListingRef[]) => unmapped.map((l) => `unmapped ${l.channel} listing ${l.listingId} (property ${l.propertyId}, connection ${l.connectionId})`);
  switch (command.kind) {
    case 'tenant': {
      const outcome = await createTenant(db, command, { update: command.update });
      return { out: [`tenant ${command.tenantId} ${outcome}`], notes: [] };
    }
    case 'tenants list': {
      const rows = await listTenants(db);
      return { out: rows.map(tenantLine), notes: [`${rows.length} tenant(s)`] };
    }
    case 'tenants show':
      return { out: [tenantLine(await showTenant(db, command.tenantId))], notes: [] };
    case 'tenants remove': {
      const { keysRemoved } = await removeTenant(db, command.tenantId);
      return { out: [`tenant ${command.tenantId} removed`], notes: [`${keysRemoved} API key(s) removed with it`] };
    }
    case 'key':
      return { out: [await issueApiKey(db, command.tenantId, command.label)], notes: [] };
    case 'keys list': {
      const rows = await listApiKeys(db, command.tenantId);
      return {
        out: rows.map((k) => `${k.keyId}\t${k.tenantId}\t${k.label}\tissued=${k.createdAt.toISOString()}\t${k.revokedAt === null ? 'active' : `revoked=${k.revokedAt.toISOString()}`}`),
        notes: [`${rows.length} key(s)`],
      };
    }
    case 'keys revoke':
      return { out: [(await revokeApiKeyById(db, command.keyId)) === 'revoked' ? `key ${command.keyId} revoked` : `key ${command.keyId} already revoked`], notes: [] };
    case 'revoke-key':
      return { out: [(await revokeApiKey(db, command.key)) === 'revoked' ? 'revoked' : 'already revoked'], notes: [] };
    case 'property': {
      const { outcome, unmapped } = await addProperty(db, command, { update: command.update, move: command.move });
      return { out: [`property ${command.propertyId} ${outcome}`], notes: unmappedNotes(unmapped) };
    }
    case 'properties list': {
      const rows = await listProperties(db, command.tenantId);
      return { out: rows.map((p) => `${p.propertyId}\t${p.tenantId}\t${p.timeZone}\t${p.currency}\tlistings=${p.listings}`), notes: [`${rows.length} propert${rows.length === 1 ? 'y' : 'ies'}`] };
    }
    case 'properties show': {
      const p = await showProperty(db, command.propertyId);
      return { out: [`property ${p.propertyId}`, `tenant ${p.tenantId}`, `time-zone ${p.timeZone}`, `currency ${p.currency}`, ...p.listingsOnChannels.map((l) => `listing ${l.channel} ${l.listingId} (connection ${l.connectionId})`)], notes: [] };
    }
    case 'properties remove': {
      const { outcome, unmapped } = await removeProperty(db, command.propertyId, { unmap: command.unmap });
      return { out: [`property ${command.propertyId} ${outcome}`], notes: unmappedNotes(unmapped) };
    }
    case 'listings list': {
      const { tenantId, propertyId, connectionId } = command;
      const rows = await listListings(db, { ...(tenantId !== undefined ? { tenantId } : {}), ...(propertyId !== undefined ? { propertyId } : {}), ...(connectionId !== undefined ? { connectionId } : {}) });
      return { out: rows.map(listingLine), notes: [`${rows.length} listing(s)`] };
    }
    case 'listings show':
      return { out: [listingLine(await showListing(db, command))], notes: [] };
    case 'listings remove': {
      const removed = await removeListing(db, command);
      return { out: [`${removed.channel} listing ${removed.listingId} removed`], notes: unmappedNotes([removed]) };
    }
    case 'connections add': {
      const { connectionId, tenantId, channel, baseUrl, pollIntervalSeconds } = command;
      const connection = {
        connectionId,
        tenantId,
        channel,
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        ...(pollIntervalSeconds !== undefined ? { pollIntervalSeconds } : {}),
        ...(command.credentials === 'stdin' ? { credentials: await input() } : {}),
      };
      const { secret, outcome, unmapped } = await addConnection(db, secrets, connection, { replace: command.replace, update: command.update });
      // A new secret is printed alone on stdout, once; an existing one is not shown again.
      return { out: secret !== null ? [secret] : [], notes: [`connection ${command.connectionId} ${outcome}${secret === null ? ' (its webhook secret is unchanged and not shown again: connections rotate gives a new one)' : ''}`, ...unmappedNotes(unmapped)] };
    }
    case 'connections list': {
      const rows = await listConnections(db, command.tenantId);
      return {
        out: rows.map((c) => `${c.connectionId}\t${c.tenantId}\t${c.channel}\tbase-url=${c.baseUrl ?? 'default'}\tcredentials=${c.hasCredentials ? 'set' : 'none'}\tpoll=${c.pollIntervalSeconds}s\tlistings=${c.listings}\tsecret-key=${c.webhookSecretKey}`),
        notes: [`${rows.length} connection(s)`],
      };
    }
    case 'connections show': {
      const c = await showConnection(db, secrets, command.connectionId);
      return {
        out: [
          `connection ${c.connectionId}`,
          `tenant ${c.tenantId}`,
          `channel ${c.channel}`,
          `base-url ${c.baseUrl ?? '(the service default)'}`,
          `poll-interval ${c.pollIntervalSeconds}s`,
          `listings ${c.listings}`,
          `webhook-secret ${c.webhookSecret} (sealed under ${c.webhookSecretKey})`,
          `credentials ${c.credentials}`,
        ],
        notes: [],
      };
    }
    case 'connections rotate': {
      const credentials = command.credentials === 'stdin' ? await input() : command.credentials === 'clear' ? null : undefined;
      const rotated = await rotateConnectionSecrets(db, secrets, command.connectionId, { webhookSecret: command.webhookSecret, ...(credentials !== undefined ? { credentials } : {}) });
      return {
        out: rotated.webhookSecret !== null ? [rotated.webhookSecret] : [],
        notes: [
          ...(rotated.webhookSecret !== null ? [`connection ${command.connectionId}: new webhook secret (give it to the channel now: the old one is refused)`] : []),
          `connection ${command.connectionId}: credentials ${rotated.credentials}`,
        ],
      };
    }
    case 'connections remove': {
      const { outcome, unmapped } = await removeConnection(db, command.connectionId, { unmap: command.unmap });
      return { out: [`connection ${command.connectionId} ${outcome}`], notes: unmappedNotes(unmapped) };
    }
    case 'listing': {
      const { outcome, unmapped, exportToken } = await mapListing(db, command, { remap: command.remap });
      return {
        out: [`listing ${command.listingId} maps to ${command.propertyId} (${outcome})`, ...(exportToken ? [`export feed ${exportFeedPath(exportToken)}`] : [])],
        notes: [...(exportToken ? ['the export feed URL is shown this once (feeds rotate-token gives a new one)'] : []), ...unmappedNotes(unmapped)],
      };
    }
    case 'listings import-url set': {
      const outcome = await setImportUrl(db, secrets, command, await input(), { replace: command.replace });
      return { out: [`import URL of ${command.channel} listing ${command.listingId} ${outcome}`], notes: [] };
    }
    case 'listings import-url clear': {
      const outcome = await clearImportUrl(db, command);
      return { out: [`import URL of ${command.channel} listing ${command.listingId} ${outcome}`], notes: [] };
    }
    case 'feeds rotate-token': {
      const token = await rotateExportToken(db, command);
      return { out: [exportFeedPath(token)], notes: [`${command.channel} listing ${command.listingId}: new export feed URL, shown this once; the old one answers 404 from now on`] };
    }
    case 'secrets reencrypt': {
      const { sealed, resealed, current } = await reencryptSecrets(db, secrets);
      return { out: [`sealed ${sealed} clear secret(s), resealed ${resealed} under key ${secrets.currentKeyId}, ${current} already under it`], notes: [] };
    }
    case 'ical list': {
      const states = await new ImportStore(db).states();
      return {
        out: states.map((f) => `${f.channel} ${f.listingId}: ${f.held} event(s) held, last read ${f.lastReadAtMs === null ? 'never' : new Date(f.lastReadAtMs).toISOString()}${f.consecutiveFailures > 0 ? `, ${f.consecutiveFailures} failure(s) in a row` : ''}${f.lastProblem ? ` (${f.lastProblem})` : ''}`),
        notes: states.length === 0 ? ['no iCal feed is imported (listings import-url set gives a listing one)'] : [],
      };
    }
    case 'ical poll':
    case 'ical accept': {
      const store = new ImportStore(db);
      const done = command.kind === 'ical poll' ? await store.pollNow(command.channel, command.listingId, Date.now()) : await store.acceptShrink(command.channel, command.listingId, Date.now());
      if (!done) throw new NotImported(command.channel, command.listingId);
      return { out: [`${command.channel} listing ${command.listingId}: ${command.kind === 'ical poll' ? 'its import feed is read at the next round' : 'its import feed is vouched for; its next read (at the next round) releases what it dropped'}`], notes: [] };
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
  /** Everything on stdin: a secret the operator gives (credentials, an import URL). */
  input?(): Promise<string>;
}

/**
 * The admin command as a function: parses `args`, opens the database only for a well-formed
 * command (never for `--help`), and answers the exit code. A ConfigError from `open` and unexpected errors are thrown.
 */
export async function runAdmin(args: readonly string[], io: AdminIo, open: () => AdminResources): Promise<number> {
  let command: Command | 'help';
  try {
    command = parseCommand(args, (text) => text.replace(/\n$/, '').split('\n').forEach((line) => io.out(line)));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}`);
    io.err(USAGE.trimEnd());
    return EXIT_USAGE;
  }
  if (command === 'help') return 0;
  const resources = open();
  const input = async () => {
    const text = (await io.input?.())?.replace(/\r?\n$/, '') ?? '';
    if (text === '') throw new EmptyInputError();
    return text;
  };
  try {
    const { out, notes } = await execute(command, resources, input);
    out.forEach((line) => io.out(line));
    notes.forEach((line) => io.err(line));
    return 0;
  } catch (error) {
    if (error instanceof EmptyInputError) {
      io.err(`admin: ${error.message}`);
      return EXIT_USAGE;
    }
    if (!(error instanceof AdminError) && !(error instanceof SecretsError)) throw error;
    io.err(`admin refused: ${error.code}: ${error.message}`);
    return EXIT_REFUSED;
  } finally {
    await resources.close();
  }
}

function tenantLine(t: { tenantId: string; name: string; ratePerSecond: number | null; properties: number; connections: number; activeKeys: number }): string {
  return `${t.tenantId}\t${t.name}\trate=${t.ratePerSecond ?? 'default'}\tproperties=${t.properties}\tconnections=${t.connections}\tactive-keys=${t.activeKeys}`;
}

function listingLine(l: ListingSummary): string {
  return `${l.channel}\t${l.listingId}\tproperty=${l.propertyId}\tconnection=${l.connectionId}\ttenant=${l.tenantId}\timport-url=${l.hasImportUrl ? 'set' : 'none'}\tpricing=${l.hasPricing ? 'set' : 'none'}`;
}

/** An iCal command named a listing whose feed is not imported. */
class NotImported extends AdminError {
  readonly code = 'ical_feed_not_imported';
  constructor(channel: Channel, listingId: string) {
    super(`${channel} listing ${listingId} has no imported iCal feed yet (listings import-url set gives it one; ingest takes it up within its directory cache time)`);
  }
}

/** A command that reads a secret from stdin found nothing there. */
class EmptyInputError extends Error {
  constructor() {
    super('this command reads the secret from stdin, which was empty (e.g. `printf %s "$TOKEN" | admin ...`)');
  }
}

/** All of stdin, as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (require.main === module) {
  const io: AdminIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`), input: readStdin };
  const open = (): AdminResources => {
    const { DATABASE_URL, SECRETS_KEYS } = parseConfig('ingest admin', databaseConfig.extend(secretsConfig.shape));
    const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
    return { db, secrets: SECRETS_KEYS, close: () => db.destroy() };
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
