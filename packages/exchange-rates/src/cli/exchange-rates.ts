#!/usr/bin/env node
import { assertMigrated, CommanderError, commandLine, ConfigError, createDatabase, databaseConfig, describe, isHelpRequest, parseConfig, type Knex } from '@cm/service-runtime';
import { RatesRefusedError } from '../errors';
import { parseEcbReferenceRates } from '../ecb-xml';
import { describeLoad } from '../load';
import { exchangeRateMigrations } from '../migrations';
import { fetchRatesUrl, readRatesFile } from '../sources';
import { ReferenceRates } from '../store';

/**
 * Loads the ECB's euro reference rates (the daily, 90-day or history XML) into fx.reference_rates,
 * for an operator or a scheduled job:
 *   exchange-rates load (--file <path> | --url <url>) [--skip-unknown-currencies]
 * Loading the same file again changes nothing. Exit codes as ingest's admin command: 0 loaded,
 * 64 bad arguments (usage), 65 refused (code: reason, with the line and column of a bad file),
 * 78 configuration, 1 other.
 */
export const EXIT_USAGE = 64;
export const EXIT_REFUSED = 65;

type Source = { kind: 'file'; path: string } | { kind: 'url'; url: string };
interface LoadCommand {
  readonly source: Source;
  readonly skipUnknown: boolean;
}

/** The command line, on commander (service-runtime's commandLine): parsing throws, it never exits or prints. */
function program(found: (command: LoadCommand) => void, writeOut: (text: string) => void) {
  const root = commandLine('exchange-rates', "Loads the ECB's euro reference rates into fx.reference_rates; loading the same file again changes nothing.")
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText('after', '\nExit codes: 0 loaded, 64 bad arguments (usage), 65 refused (code: reason), 78 configuration, 1 other.');
  root
    .command('load')
    .description('load one file or URL')
    .option('--file <path>', 'an ECB reference-rate XML file (eurofxref-daily.xml, -hist-90d.xml, -hist.xml)')
    .option('--url <url>', 'the same, fetched over http(s) (the ECB publishes eurofxref-daily.xml)')
    .option('--skip-unknown-currencies', 'leave out codes the current ISO 4217 list lacks (the history file has CYP, HRK, ...) instead of refusing the file')
    .action((o: { file?: string; url?: string; skipUnknownCurrencies?: boolean }) => {
      if (o.file !== undefined && o.url !== undefined) throw new CommanderError(EXIT_USAGE, 'commander.usage', 'give one --file or one --url');
      const source: Source | undefined = o.file !== undefined ? { kind: 'file', path: o.file } : o.url !== undefined ? { kind: 'url', url: o.url } : undefined;
      if (!source) throw new CommanderError(EXIT_USAGE, 'commander.usage', 'load needs --file <path> or --url <url>');
      found({ source, skipUnknown: o.skipUnknownCurrencies === true });
    });
  return root;
}

function usageOf(): string {
  const root = program(() => undefined, () => undefined);
  return `usage: exchange-rates load (--file <path> | --url <url>) [--skip-unknown-currencies]\n${root.commands[0]!.helpInformation()}`;
}

export const USAGE = usageOf();

/** The command the arguments ask for, 'help' when help was printed; a usage error throws. */
function parseCommand(args: readonly string[], writeOut: (text: string) => void): LoadCommand | 'help' {
  let command: LoadCommand | undefined;
  try {
    program((c) => {
      command = c;
    }, writeOut).parse([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (isHelpRequest(error)) return 'help';
    throw new UsageError(error.code === 'commander.help' ? 'no command' : error.message.replace(/^error: /, ''));
  }
  if (!command) throw new UsageError('no command');
  return command;
}

class UsageError extends Error {}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliDeps {
  /** Opened only for a well-formed command whose source was read and parsed. */
  open(): { db: Knex; close(): Promise<void> };
  readonly now: () => number;
  readonly fetch?: typeof fetch;
}

/** The command as a function: parses `args`, reads the source, loads it, and answers the exit code. */
export async function runExchangeRates(args: readonly string[], io: CliIo, deps: CliDeps): Promise<number> {
  let command: LoadCommand | 'help';
  try {
    command = parseCommand(args, (text) => text.replace(/\n$/, '').split('\n').forEach((line) => io.out(line)));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`exchange-rates: ${error.message}`);
    io.err(USAGE.trimEnd());
    return EXIT_USAGE;
  }
  if (command === 'help') return 0;
  const { source } = command;
  try {
    const xml = source.kind === 'file' ? await readRatesFile(source.path) : await fetchRatesUrl(source.url, deps.fetch ? { fetch: deps.fetch } : {});
    const parsed = parseEcbReferenceRates(xml, { unknownCurrencies: command.skipUnknown ? 'skip' : 'refuse' });
    const { db, close } = deps.open();
    try {
      await assertMigrated(db, exchangeRateMigrations, 'the exchange-rate schema (fx)', 'node services/ingest/dist/cli/migrate.js');
      const outcome = await new ReferenceRates(db).load(parsed, source.kind === 'file' ? `file:${source.path}` : `url:${source.url}`, deps.now());
      io.out(`loaded ${describeLoad(outcome)}`);
      for (const s of outcome.skipped) io.err(`skipped ${s.currency} on ${s.dates} date(s): not in the current ISO 4217 list`);
      return 0;
    } finally {
      await close();
    }
  } catch (error) {
    if (!(error instanceof RatesRefusedError)) throw error;
    io.err(`exchange-rates refused: ${error.code}: ${error.message}${error.retriable ? ' (trying again may help)' : ''}`);
    return EXIT_REFUSED;
  }
}

if (require.main === module) {
  const io: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  const open = () => {
    const { DATABASE_URL } = parseConfig('exchange-rates load', databaseConfig);
    const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
    return { db, close: () => db.destroy() };
  };
  runExchangeRates(process.argv.slice(2), io, { open, now: Date.now }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `exchange-rates failed: ${describe(error)}\n`);
      process.exitCode = error instanceof ConfigError ? 78 : 1;
    },
  );
}
