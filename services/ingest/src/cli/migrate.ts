#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { ingestDatabaseMigrations } from '../directory/migrations';

/** Creates ingest's schema in the database if needed and runs every pending migration: ingest's, then the exchange rates'. */
runMigrateCommand("ingest's and the exchange-rate schemas", ingestDatabaseMigrations);
