#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { syncMigrations } from '../store/migrations';

/** Creates the sync schema in the database if needed and runs every pending migration. */
runMigrateCommand('the sync schema', syncMigrations);
