#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { arbiterMigrations } from '../ledger/migrations';

/** Creates the ledger database if needed and runs every pending migration: the ledger's, then the exchange rates'. */
runMigrateCommand('the ledger and exchange-rate schemas', arbiterMigrations);
