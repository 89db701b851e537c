#!/usr/bin/env node
import { runMigrateCommand } from '@cm/service-runtime';
import { escalationMigrations } from '../store/migrations';

/** Creates the escalation schema in the database if needed and runs every pending migration. */
runMigrateCommand('the escalation schema', escalationMigrations);
