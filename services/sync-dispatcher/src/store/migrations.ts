import { schemaMigrations } from '@cm/service-runtime';
import * as sync001 from '../migrations/20261125_001_sync';
import * as sync002 from '../migrations/20261125_002_night_trace';
import * as sync003 from '../migrations/20261210_003_reservation_actions';
import * as sync004 from '../migrations/20261204_004_outbox';
import * as sync005 from '../migrations/20261214_005_rate_pushes';
import * as sync006 from '../migrations/20261220_006_feed_fetches';
import * as sync007 from '../migrations/20261222_007_console_reads';
import * as sync008 from '../migrations/20261223_008_one_push_calls_index';
import * as sync009 from '../migrations/20261226_009_members';

/** Every migration of the sync schema, in order. Forward-only: a change is a new file added here. */
export const syncMigrations = schemaMigrations('sync', {
  '20261125_001_sync': sync001,
  '20261125_002_night_trace': sync002,
  '20261210_003_reservation_actions': sync003,
  '20261204_004_outbox': sync004,
  '20261214_005_rate_pushes': sync005,
  '20261220_006_feed_fetches': sync006,
  '20261222_007_console_reads': sync007,
  '20261223_008_one_push_calls_index': sync008,
  '20261226_009_members': sync009,
});
