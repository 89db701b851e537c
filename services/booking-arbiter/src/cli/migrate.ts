#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { ledgerMigrations } from '../ledger/migrations';

/** Creates the ledger database if needed and runs every pending migration. */
runMigrateCommand('the ledger schema', ledgerMigrations);
