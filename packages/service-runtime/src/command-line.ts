import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';

/**
 * Every command of ours parses its arguments here, before it reads its configuration or opens
 * anything: `--help` prints the usage on stdout and exits 0 with nothing else done, and a wrong
 * argument prints the reason and the usage on stderr and exits 64 (EX_USAGE), also before any
 * side effect (issue 24: `--help` on migrate.js ran the migration).
 */
export const EXIT_USAGE = 64;

export { Command, CommanderError };

/** A command's parser that throws instead of exiting, so the caller decides (and tests can run it in-process). */
export function commandLine(name: string, description: string): Command {
  return new Command(name).description(description).exitOverride().showHelpAfterError().allowExcessArguments(false).helpOption('-h, --help', 'print this usage and exit');
}

/**
 * Parses the process's arguments with the program; on `--help` (0) or a usage error (64) the
 * process exits here, so the caller's work never starts.
 */
export function parseCommandLine(program: Command, argv: readonly string[] = process.argv.slice(2)): Command {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exit(isHelpRequest(error) ? 0 : EXIT_USAGE);
    throw error;
  }
  return program;
}

/**
 * The `openapi` command of a service: writes its OpenAPI document to the checked-in file (a test
 * keeps that file equal to the routes), to another with --out, or to stdout with --stdout.
 */
export function runOpenApiCommand(api: string, document: () => unknown, checkedIn: string, argv: readonly string[] = process.argv.slice(2)): void {
  const program = parseCommandLine(
    commandLine('openapi', `Writes ${api}'s OpenAPI document to a file, the checked-in one by default.`)
      .option('-o, --out <file>', 'where to write it', checkedIn)
      .option('--stdout', 'print it instead of writing a file'),
    argv,
  );
  const { out, stdout } = program.opts<{ out: string; stdout?: boolean }>();
  const text = `${JSON.stringify(document(), null, 2)}\n`;
  if (stdout) return void process.stdout.write(text);
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out}\n`);
}

/** True when the parser stopped because help was asked for (`--help`, `help <command>`), not because the arguments were wrong. */
export function isHelpRequest(error: CommanderError): boolean {
  return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0);
}

/** One environment variable a configuration schema reads, as the help and the README list it. */
export interface ConfigVariable {
  readonly name: string;
  readonly required: boolean;
  /** The default as text; undefined when the variable has none. */
  readonly defaultValue: string | undefined;
  /** What the schema accepts: type, range, pattern or values. */
  readonly accepts: string;
}

interface JsonSchemaField {
  readonly type?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/**
 * The variables of a zod configuration schema, read from the schema itself (as its input: the
 * text in the environment, before transforms), so the help and the README cannot drift from it.
 */
export function configVariables(schema: z.ZodType): ConfigVariable[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaField>; required?: readonly string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {})
    .map(([name, field]) => ({
      name,
      required: required.has(name) && field.default === undefined,
      defaultValue: field.default === undefined ? undefined : String(field.default),
      accepts: acceptedValues(field),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function acceptedValues(field: JsonSchemaField): string {
  if (field.enum) return field.enum.map(String).join(' | ');
  if (field.type === 'integer' || field.type === 'number') {
    const range = field.minimum !== undefined && field.maximum !== undefined ? ` ${field.minimum}..${field.maximum}` : field.minimum !== undefined ? ` >= ${field.minimum}` : field.maximum !== undefined ? ` <= ${field.maximum}` : '';
    return `${field.type}${range}`;
  }
  if (field.format === 'uri') return 'URL';
  if (field.pattern) return `text matching ${field.pattern}`;
  if (field.minLength !== undefined && field.minLength > 1) return `text, at least ${field.minLength} characters`;
  return field.type === 'boolean' ? 'true | false' : 'text';
}

/** The environment part of a command's help: one line per variable. */
export function configHelp(schema: z.ZodType): string {
  const variables = configVariables(schema);
  const width = Math.max(...variables.map((v) => v.name.length));
  const lines = variables.map((v) => `  ${v.name.padEnd(width)}  ${v.required ? 'required' : v.defaultValue === undefined ? 'optional' : `default ${v.defaultValue === '' ? "''" : v.defaultValue}`}; ${v.accepts}`);
  return `\nConfiguration, from the environment (a wrong or missing variable: exit 78 naming it):\n${lines.join('\n')}\n`;
}
