import type { Knex } from '@cm/service-runtime';

/**
 * What ingest owns, in its own schema beside the ledger: who may send what (tenants, hashed API
 * keys, channel connections and their webhook secrets), which listing is which property, and
 * what it has already taken in (channel event ids, idempotency keys, PMS commands issued).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').createTable('tenants', (t) => {
    t.text('tenant_id').primary();
    t.text('name').notNullable();
    t.integer('rate_per_second').nullable().comment('Requests per second this tenant may make; null: the service default.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.withSchema('ingest').createTable('api_keys', (t) => {
    t.specificType('key_hash', 'bytea').primary().comment('SHA-256 of the key: the key itself is shown once and never stored.');
    t.text('tenant_id').notNullable().references('tenant_id').inTable('ingest.tenants');
    t.text('label').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });

  await knex.schema.withSchema('ingest').createTable('properties', (t) => {
    t.text('property_id').primary();
    t.text('tenant_id').notNullable().references('tenant_id').inTable('ingest.tenants');
    t.text('time_zone').notNullable().comment('IANA zone: channel instants become local dates in it.');
    t.specificType('currency', 'char(3)').notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.withSchema('ingest').createTable('channel_connections', (t) => {
    t.text('connection_id').primary();
    t.text('tenant_id').notNullable().references('tenant_id').inTable('ingest.tenants');
    t.text('channel').notNullable();
    t.text('webhook_secret').notNullable().comment('HMAC needs the secret itself; protect the database accordingly.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.withSchema('ingest').createTable('listings', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('property_id').notNullable().references('property_id').inTable('ingest.properties');
    t.text('connection_id').notNullable().references('connection_id').inTable('ingest.channel_connections');
    t.primary(['channel', 'listing_id']);
    t.unique(['property_id', 'channel']);
  });

  await knex.schema.withSchema('ingest').createTable('seen_events', (t) => {
    t.text('channel').notNullable();
    t.text('external_event_id').notNullable();
    t.text('command_id').nullable().comment('Null when the event became a dead letter or a calendar report.');
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['channel', 'external_event_id']);
  });

  await knex.schema.withSchema('ingest').createTable('idempotency_keys', (t) => {
    t.text('tenant_id').notNullable();
    t.text('idempotency_key').notNullable();
    t.text('fingerprint').notNullable().comment('Method, path and body hash of the first request with this key.');
    t.integer('status_code').nullable().comment('Null while the first request is being answered.');
    t.jsonb('response').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['tenant_id', 'idempotency_key']);
  });

  await knex.schema.withSchema('ingest').createTable('pms_commands', (t) => {
    t.text('command_id').primary();
    t.text('tenant_id').notNullable();
    t.text('property_id').notNullable();
    t.text('command_type').notNullable();
    t.text('booking_ref').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
