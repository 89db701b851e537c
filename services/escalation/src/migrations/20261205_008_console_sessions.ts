import type { Knex } from '@cm/service-runtime';

/**
 * The operator console's sessions (src/console): an operator signed in with a tenant's API key and
 * their name. Only the SHA-256 of the session token is kept, so a read of this table cannot be
 * replayed as a cookie; the API key itself is never stored.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('console_sessions', (t) => {
    t.text('token_hash').primary().comment('SHA-256 (hex) of the cookie token.');
    t.text('tenant_id').notNullable();
    t.text('operator').notNullable().comment('Who the acknowledgements and resolutions made in this session are recorded as.');
    t.bigInteger('created_at_ms').notNullable();
    t.bigInteger('expires_at_ms').notNullable();
    t.index(['expires_at_ms']);
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
