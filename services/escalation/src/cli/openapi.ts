#!/usr/bin/env node
import { join } from 'node:path';
import { runOpenApiCommand } from '@cm/service-runtime';
import { reviewApiDocument } from '../http/openapi';

runOpenApiCommand("the review API", reviewApiDocument, join(__dirname, '..', '..', 'openapi.json'));
