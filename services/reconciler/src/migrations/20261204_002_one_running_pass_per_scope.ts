import type { Knex } from '@cm/service-runtime';

/**
 * On-demand passes belong to whoever started them and run one at a time per scope.
 *
 * - `tenant_id`: the tenant whose API key started the pass (null: the schedule, a calendar report,
 *   or the operator's local command); only that tenant reads it through the API.
 * - `scope_key`: the scope of an on-demand pass (tenant, and property or all). A partial unique
 *   index allows one running pass per scope across every instance; a second request is answered
 *   with the running one. Scheduled and calendar-report passes leave it null (no limit, as before),
 *   and so do the passes recorded before this migration.
 * - `alive_at_ms`: renewed by the instance running the pass; a running pass that stopped being
 *   renewed (its instance died) no longer holds its scope.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('reconcile').alterTable('passes', (t) => {
    t.text('tenant_id').nullable().comment('The tenant whose API key started it; null: schedule, calendar report or the local operator.');
    t.text('scope_key').nullable().comment('On-demand passes only: tenant and property (or all); one running pass per key.');
    t.bigInteger('alive_at_ms').nullable().comment('Renewed while the pass runs; a running pass not renewed for long is abandoned.');
  });
  await knex.raw(`CREATE UNIQUE INDEX passes_one_running_per_scope ON reconcile.passes (scope_key) WHERE status = 'running' AND scope_key IS NOT NULL`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
