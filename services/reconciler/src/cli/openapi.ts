#!/usr/bin/env node
import { join } from 'node:path';
import { runOpenApiCommand } from '@cm/service-runtime';
import { reconciliationApiDocument } from '../openapi/document';

runOpenApiCommand("the reconciliation API", reconciliationApiDocument, join(__dirname, '..', '..', 'openapi.json'));
