#!/usr/bin/env node
import { ChannelSymbols, type Channel } from '@cm/schemas';
import { ImportStore } from '../ical-import/import-store';
import { ConfigError, createDatabase, databaseConfig, describe, parseConfig, type Knex } from '@cm/service-runtime';
import {
  AdminError,
  addConnection,
  addProperty,
  clearImportUrl,
  createTenant,
  exportFeedPath,
  issueApiKey,
  listConnections,
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
 * Sets up who may send what, for an operator. Saving the same record again is a no-op; a
 * different record under an existing id is refused (exit 65, with the reason's code) unless its
 * flag says the change is meant (the usage below lists them). Secrets are sealed under the key ring
 * of SECRETS_KEYS (@cm/secrets) and printed only once, by the command that made them (a webhook
 * secret, an API key, an export feed's URL); afterwards they are shown masked. Secrets the
 * operator gives (credentials, an import URL) are read from stdin, never from the arguments, which
 * other users of the machine can see.
 * Exit codes: 0 done, 64 bad arguments (usage), 65 refused (code: reason), 78 configuration, 1 other.
 */
export const USAGE = `usage: admin tenant <tenant-id> <name> [rate] [--update]
       admin key <tenant-id> <label>
       admin revoke-key <key>
       admin property <property-id> <tenant-id> <time-zone> <currency> [--update | --move]
       admin connections list [<tenant-id>]
       admin connections show <connection-id>
       admin connections add <connection-id> <tenant-id> <channel> [--base-url=<url>] [--poll-seconds=<n>] [--credentials-stdin] [--replace | --update]
       admin connections rotate <connection-id> [--webhook-secret] [--credentials-stdin | --clear-credentials]
       admin connections remove <connection-id> [--unmap]
       admin connection <connection-id> <tenant-id> <channel> [--replace]      (connections add, as before)
       admin listing <channel> <listing-id> <property-id> <connection-id> [--remap]
       admin listings import-url set <channel> <listing-id>      (the URL on stdin)
       admin listings import-url clear <channel> <listing-id>
       admin feeds rotate-token <channel> <listing-id>
       admin secrets reencrypt
       admin ical list                                 each imported iCal feed: when last read, failures, events held
       admin ical poll <channel> <listing-id>          read the listing's import feed now
       admin ical accept <channel> <listing-id>        vouch for a feed that shrank: its next read releases what it dropped
       admin pricing <channel> <listing-id> <currency|property> <markup> [<pms-plan>=<channel-plan> ...]
  --update             change an existing tenant's name or rate, a property's time zone or currency, a connection's base URL or poll interval
  --move               move a property from another tenant to this one (unmaps its listings)
  --replace            give an existing connection a new webhook secret, tenant or channel (a new tenant or channel unmaps its listings)
  --remap              map an existing listing to another property or connection
  --unmap              remove a connection that still carries listings, unmapping them
  --credentials-stdin  the connection's API key or token is read from stdin
  rotate               with no flag, or --webhook-secret: a new webhook secret, printed once
  rotate-token         a new export feed URL, printed once; the old one answers 404 from then on
  reencrypt            seals every secret under the key ring's first key (after a key rotation or an upgrade)
  markup               15%, 12.5%, -10% (of the price), +500 or -300 (minor units per night), or 0
`;

export const EXIT_USAGE = 64;
export const EXIT_REFUSED = 65;

type Command =
  | { kind: 'tenant'; tenantId: string; name: string; ratePerSecond: number | null; update: boolean }
  | { kind: 'key'; tenantId: string; label: string }
  | { kind: 'revoke-key'; key: string }
  | { kind: 'property'; propertyId: string; tenantId: string; timeZone: string; currency: string; update: boolean; move: boolean }
  | { kind: 'connections add'; connectionId: string; tenantId: string; channel: Channel; baseUrl?: string; pollIntervalSeconds?: number; credentials: 'stdin' | 'none'; replace: boolean; update: boolean }
  | { kind: 'connections list'; tenantId?: string }
  | { kind: 'connections show'; connectionId: string }
  | { kind: 'connections rotate'; connectionId: string; webhookSecret: boolean; credentials: 'stdin' | 'clear' | 'keep' }
  | { kind: 'connections remove'; connectionId: string; unmap: boolean }
  | { kind: 'listing'; channel: Channel; listingId: string; propertyId: string; connectionId: string; remap: boolean }
  | { kind: 'listings import-url set'; channel: Channel; listingId: string }
  | { kind: 'listings import-url clear'; channel: Channel; listingId: string }
  | { kind: 'feeds rotate-token'; channel: Channel; listingId: string }
  | { kind: 'secrets reencrypt' }
  | { kind: 'ical list' }
  | { kind: 'ical poll'; channel: Channel; listingId: string }
  | { kind: 'ical accept'; channel: Channel; listingId: string }
  | { kind: 'pricing'; channel: Channel; listingId: string; pricing: ListingPricing };

class UsageError extends Error {}

/** Each command's flags; a flag ending in `=` takes a value (`--base-url=<url>`). */
const FLAGS: Readonly<Record<string, readonly string[]>> = {
  tenant: ['--update'],
  key: [],
  'revoke-key': [],
  property: ['--update', '--move'],
  connection: ['--replace'],
  'connections list': [],
  'connections show': [],
  'connections add': ['--base-url=', '--poll-seconds=', '--credentials-stdin', '--replace', '--update'],
  'connections rotate': ['--webhook-secret', '--credentials-stdin', '--clear-credentials'],
  'connections remove': ['--unmap'],
  listing: ['--remap'],
  'listings import-url set': [],
  'listings import-url clear': [],
  'feeds rotate-token': [],
  'secrets reencrypt': [],
  'ical list': [],
  'ical poll': [],
  'ical accept': [],
  pricing: [],
};

/** Commands named by more than one word: how many words name them. */
const COMMAND_WORDS: Readonly<Record<string, number>> = { connections: 2, listings: 3, feeds: 2, secrets: 2, ical: 2 };

/** The command the arguments ask for; UsageError when they do not make one. */
function parseCommand(args: readonly string[]): Command {
  const words = COMMAND_WORDS[args[0] ?? ''] ?? 1;
  const kind = args.slice(0, words).join(' ');
  const rest = args.slice(words);
  const allowed = FLAGS[kind];
  if (!allowed) throw new UsageError(kind ? `unknown command '${kind}'` : 'no command');
  const given = rest.filter((a) => a.startsWith('--'));
  const flagName = (flag: string) => (flag.includes('=') ? flag.slice(0, flag.indexOf('=') + 1) : flag);
  const unknown = given.filter((f) => !allowed.includes(flagName(f)));
  if (unknown.length > 0) throw new UsageError(`${kind} does not take ${unknown.map(flagName).join(', ')}`);
  const flags = new Set(given.filter((f) => !f.includes('=')));
  const valueOf = (name: string): string | undefined => {
    const matching = given.filter((f) => flagName(f) === `${name}=`);
    if (matching.length > 1) throw new UsageError(`${name} is given twice`);
    const value = matching[0]?.slice(name.length + 1);
    if (value === '') throw new UsageError(`${name}= needs a value`);
    return value;
  };
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
      return { kind: 'connections add', connectionId: p[0]!, tenantId: p[1]!, channel: channelOf(p[2]!), credentials: 'none', replace: flags.has('--replace'), update: false };
    case 'connections add': {
      arity(3);
      if (flags.has('--replace') && flags.has('--update')) throw new UsageError('--replace already allows what --update does: pass one');
      const baseUrl = valueOf('--base-url');
      const pollSeconds = valueOf('--poll-seconds');
      return {
        kind,
        connectionId: p[0]!,
        tenantId: p[1]!,
        channel: channelOf(p[2]!),
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        ...(pollSeconds !== undefined ? { pollIntervalSeconds: secondsOf(pollSeconds) } : {}),
        credentials: flags.has('--credentials-stdin') ? 'stdin' : 'none',
        replace: flags.has('--replace'),
        update: flags.has('--update'),
      };
    }
    case 'connections list':
      arity(0, 1);
      return p[0] === undefined ? { kind } : { kind, tenantId: p[0] };
    case 'connections show':
      arity(1);
      return { kind, connectionId: p[0]! };
    case 'connections rotate': {
      arity(1);
      if (flags.has('--credentials-stdin') && flags.has('--clear-credentials')) throw new UsageError('--credentials-stdin and --clear-credentials contradict each other: pass one');
      const credentials = flags.has('--credentials-stdin') ? 'stdin' : flags.has('--clear-credentials') ? 'clear' : 'keep';
      return { kind, connectionId: p[0]!, webhookSecret: flags.has('--webhook-secret') || credentials === 'keep', credentials };
    }
    case 'connections remove':
      arity(1);
      return { kind, connectionId: p[0]!, unmap: flags.has('--unmap') };
    case 'listing':
      arity(4);
      return { kind, channel: channelOf(p[0]!), listingId: p[1]!, propertyId: p[2]!, connectionId: p[3]!, remap: flags.has('--remap') };
    case 'listings import-url set':
    case 'listings import-url clear':
    case 'feeds rotate-token':
    case 'ical poll':
    case 'ical accept':
      arity(2);
      return { kind, channel: channelOf(p[0]!), listingId: p[1]! };
    case 'secrets reencrypt':
    case 'ical list':
      arity(0);
      return { kind };
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
    case 'key':
      return { out: [await issueApiKey(db, command.tenantId, command.label)], notes: [] };
    case 'revoke-key':
      return { out: [(await revokeApiKey(db, command.key)) === 'revoked' ? 'revoked' : 'already revoked'], notes: [] };
    case 'property': {
      const { outcome, unmapped } = await addProperty(db, command, { update: command.update, move: command.move });
      return { out: [`property ${command.propertyId} ${outcome}`], notes: unmappedNotes(unmapped) };
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
      const outcome = await setImportUrl(db, secrets, command, await input());
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
 * command, and answers the exit code. A ConfigError from `open` and unexpected errors are thrown.
 */
export async function runAdmin(args: readonly string[], io: AdminIo, open: () => AdminResources): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}`);
    io.err(USAGE.trimEnd());
    return EXIT_USAGE;
  }
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
