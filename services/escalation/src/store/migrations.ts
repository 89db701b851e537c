import { schemaMigrations } from '@cm/service-runtime';
import * as escalation001 from '../migrations/20261125_001_escalation';
import * as escalation002 from '../migrations/20261204_002_tenant_settings';
import * as escalation003 from '../migrations/20261204_003_host_cancellations';
import * as escalation004 from '../migrations/20261204_004_relocations';
import * as escalation005 from '../migrations/20261204_005_channel_cancellations';
import * as escalation006 from '../migrations/20261204_006_relocation_withdrawals';
import * as escalation007 from '../migrations/20261204_007_runtime_outbox';
import * as escalation008 from '../migrations/20261205_008_console_sessions';
import * as escalation009 from '../migrations/20261205_009_console_session_keys';

/** Every migration of the escalation schema, in order. Forward-only: a change is a new file added here. */
export const escalationMigrations = schemaMigrations('escalation', {
  '20261125_001_escalation': escalation001,
  '20261204_002_tenant_settings': escalation002,
  '20261204_003_host_cancellations': escalation003,
  '20261204_004_relocations': escalation004,
  '20261204_005_channel_cancellations': escalation005,
  '20261204_006_relocation_withdrawals': escalation006,
  '20261204_007_runtime_outbox': escalation007,
  '20261205_008_console_sessions': escalation008,
  '20261205_009_console_session_keys': escalation009,
});
