#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, parseCommandLine } from '@cm/service-runtime';
import { openApiDocument } from '../http/openapi';

/** Writes the OpenAPI document that is checked in beside the service (a test keeps it in sync). */
const checkedIn = join(__dirname, '..', '..', 'openapi.json');
const program = parseCommandLine(
  commandLine('openapi', "Writes ingest's OpenAPI document (the one served at /openapi.json) to a file, the checked-in one by default.")
    .option('-o, --out <file>', 'where to write it', checkedIn)
    .option('--stdout', 'print it instead of writing a file'),
);
const { out, stdout } = program.opts<{ out: string; stdout?: boolean }>();
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
if (stdout) {
  process.stdout.write(text);
} else {
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out}\n`);
}
