#!/usr/bin/env node
import { assertMigrated, ConfigError, createDatabase, databaseConfig, describe, parseConfig, type Knex } from '@cm/service-runtime';
import { RatesRefusedError } from '../errors';
import { parseEcbReferenceRates } from '../ecb-xml';
import { describeLoad } from '../load';
import { exchangeRateMigrations } from '../migrations';
import { fetchRatesUrl, readRatesFile } from '../sources';
import { ReferenceRates } from '../store';

/**
 * Loads the ECB's euro reference rates (the daily, 90-day or history XML) into fx.reference_rates,
 * for an operator or a scheduled job:
 *   exchange-rates load --file <path> [--skip-unknown-currencies]
 *   exchange-rates load --url <url> [--skip-unknown-currencies]
 * Loading the same file again changes nothing. Exit codes as ingest's admin command: 0 loaded,
 * 64 bad arguments (usage), 65 refused (code: reason, with the line and column of a bad file),
 * 78 configuration, 1 other.
 */
export const USAGE = `usage: exchange-rates load --file <path> [--skip-unknown-currencies]
       exchange-rates load --url <url> [--skip-unknown-currencies]
  --file  an ECB reference-rate XML file (eurofxref-daily.xml, -hist-90d.xml, -hist.xml)
  --url   the same, fetched over http(s) (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml)
  --skip-unknown-currencies  leave out codes the current ISO 4217 list lacks (the history file has CYP, HRK, ...) instead of refusing the file
`;

export const EXIT_USAGE = 64;
export const EXIT_REFUSED = 65;

type Source = { kind: 'file'; path: string } | { kind: 'url'; url: string };
interface LoadCommand {
  readonly source: Source;
  readonly skipUnknown: boolean;
}

class UsageError extends Error {}

function parseCommand(args: readonly string[]): LoadCommand {
  const [command, ...rest] = args;
  if (command !== 'load') throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  let source: Source | undefined;
  let skipUnknown = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--skip-unknown-currencies') {
      skipUnknown = true;
      continue;
    }
    if (arg !== '--file' && arg !== '--url') throw new UsageError(`load does not take '${arg.slice(0, 80)}'`);
    const value = rest[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    if (source) throw new UsageError('give one --file or one --url');
    source = arg === '--file' ? { kind: 'file', path: value } : { kind: 'url', url: value };
  }
  if (!source) throw new UsageError('load needs --file <path> or --url <url>');
  return { source, skipUnknown };
}

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
  let command: LoadCommand;
  try {
    command = parseCommand(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`exchange-rates: ${error.message}`);
    io.err(USAGE.trimEnd());
    return EXIT_USAGE;
  }
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
