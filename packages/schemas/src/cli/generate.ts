#!/usr/bin/env node
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AVRO_DIR } from '../avro-files';
import { generateTypes } from '../codegen';

/** Writes src/generated/records.ts from the .avsc files. */
export const GENERATED_FILE = join(__dirname, '..', '..', 'src', 'generated', 'records.ts');

export function avscFiles(): { file: string; schema: string }[] {
  return readdirSync(AVRO_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, schema: readFileSync(join(AVRO_DIR, file), 'utf8') }));
}

const USAGE = `Usage: generate [options]

Writes src/generated/records.ts (the TypeScript types of every topic's value) from avro/*.avsc.

Options:
  -h, --help  print this usage and exit
`;

if (require.main === module) {
  // node:util's parser: this package sits below service-runtime, whose command line the others use.
  let help: boolean | undefined;
  try {
    help = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values.help;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(64);
  }
  if (help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  writeFileSync(GENERATED_FILE, generateTypes(avscFiles()));
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}
