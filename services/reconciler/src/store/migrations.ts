import { schemaMigrations } from '@cm/service-runtime';
import * as reconcile001 from '../migrations/20261125_001_reconcile';
import * as reconcile002 from '../migrations/20261204_002_one_running_pass_per_scope';
import * as reconcile003 from '../migrations/20261207_003_runtime_outbox';
import * as reconcile004 from '../migrations/20261215_004_rate_drift';
import * as reconcile005 from '../migrations/20261222_005_drift_ranges';
import * as reconcile006 from '../migrations/20261223_006_console_read_indexes';

/** Every migration of the reconcile schema, in order. Forward-only: a change is a new file added here. */
export const reconcileMigrations = schemaMigrations('reconcile', {
  '20261125_001_reconcile': reconcile001,
  '20261204_002_one_running_pass_per_scope': reconcile002,
  '20261207_003_runtime_outbox': reconcile003,
  '20261215_004_rate_drift': reconcile004,
  '20261222_005_drift_ranges': reconcile005,
  '20261223_006_console_read_indexes': reconcile006,
});
