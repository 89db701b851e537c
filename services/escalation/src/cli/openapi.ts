#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewApiDocument } from '../http/openapi';

/** Writes the review API's OpenAPI document that is checked in beside the service (a test keeps it in sync). */
const target = join(__dirname, '..', '..', 'openapi.json');
writeFileSync(target, `${JSON.stringify(reviewApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
