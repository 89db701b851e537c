import type { Knex } from '@cm/service-runtime';

/**
 * Connections as data, their secrets sealed (issue 21.3; @cm/secrets): per connection its API's
 * base URL (null: the service's default), its credentials and its webhook secret sealed under the
 * key ring, and how often its listings' iCal feeds are polled; per listing its secret import URL,
 * sealed, and the SHA-256 of its export feed token (the token is shown once, like an API key).
 *
 * Upgrade path for the webhook secrets stored in clear: a migration does not hold the key ring, so
 * it cannot seal them. It adds the sealed column and lets the clear one be null, and a row keeps
 * one or the other (the check below). Running instances of the previous release keep reading the
 * clear column, so nothing stops during a rolling upgrade; the new code writes only the sealed
 * column and, for a row not sealed yet, reads the clear one. Once every instance runs the new code,
 * the operator runs `admin secrets reencrypt`, which seals every clear secret and empties its column
 * (the README of packages/directory says so). A later migration can then drop the clear column.
 *
 * Listings mapped before this migration have no export token: their feed answers 404 until the
 * operator issues one (`admin feeds rotate-token`) and gives the channel its new, unguessable URL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').alterTable('channel_connections', (t) => {
    t.text('webhook_secret_sealed').nullable().comment('The HMAC secret of its webhooks, sealed (@cm/secrets, context connection:<id>:webhook_secret).');
    t.text('base_url').nullable().comment("Where the channel's API is for this connection; null: the service's default.");
    t.text('credentials_sealed').nullable().comment('Its API key or token, sealed (context connection:<id>:credentials); null: none.');
    t.integer('poll_interval_seconds').notNullable().defaultTo(300).comment('How often the iCal import feeds of its listings are fetched.');
  });
  await knex.raw('ALTER TABLE ingest.channel_connections ALTER COLUMN webhook_secret DROP NOT NULL');
  await knex.raw(`COMMENT ON COLUMN ingest.channel_connections.webhook_secret IS 'Clear secret of a row from before 20261216_003, until admin secrets reencrypt seals it; null after.'`);
  await knex.raw('ALTER TABLE ingest.channel_connections ADD CONSTRAINT channel_connections_one_webhook_secret CHECK (webhook_secret IS NOT NULL OR webhook_secret_sealed IS NOT NULL)');
  await knex.raw('ALTER TABLE ingest.channel_connections ADD CONSTRAINT channel_connections_poll_interval CHECK (poll_interval_seconds BETWEEN 60 AND 86400)');

  await knex.schema.withSchema('ingest').alterTable('listings', (t) => {
    t.text('import_url_sealed').nullable().comment("The channel's iCal feed of this listing, sealed (context listing:<channel>:<listing>:import_url): it is a bearer secret.");
    t.specificType('export_token_hash', 'bytea').nullable().unique().comment('SHA-256 of its export feed token (/ical/<token>.ics); the token is shown once and never stored.');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
