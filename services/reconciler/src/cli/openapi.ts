#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reconciliationApiDocument } from '../openapi/document';

/** Writes the reconciliation API's OpenAPI document that is checked in beside the service (a test keeps it in sync). */
const target = join(__dirname, '..', '..', 'openapi.json');
writeFileSync(target, `${JSON.stringify(reconciliationApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
