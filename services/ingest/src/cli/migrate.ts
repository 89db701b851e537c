#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { ingestMigrations } from '../directory/migrations';

/** Creates ingest's schema in the database if needed and runs every pending migration. */
runMigrateCommand("ingest's schema", ingestMigrations);
