#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { reconcileMigrations } from '../store/migrations';

/** Creates the reconcile schema in the database if needed and runs every pending migration. */
runMigrateCommand('the reconcile schema', reconcileMigrations);
