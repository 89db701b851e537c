#!/usr/bin/env node
import { join } from 'node:path';
import { runOpenApiCommand } from '@cm/service-runtime';
import { openApiDocument } from '../http/openapi';

runOpenApiCommand("ingest's API (the one served at /openapi.json)", openApiDocument, join(__dirname, '..', '..', 'openapi.json'));
