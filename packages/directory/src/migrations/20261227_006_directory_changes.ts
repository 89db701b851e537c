import type { Knex } from '@cm/service-runtime';

/** The tables the services cache (the directory's `DirectoryChanges` empties those caches on a change). */
const CACHED_TABLES = ['tenants', 'api_keys', 'properties', 'channel_connections', 'listings', 'listing_pricing'] as const;

/**
 * Every statement that writes a cached table notifies `cm_directory_changes` with the table's
 * name, delivered when its transaction commits (and once per table and transaction). Per
 * statement, not per row: a change empties a process's directory caches whatever its rows, and
 * these tables are written by an operator's commands, not by the booking path.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION ingest.notify_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('cm_directory_changes', TG_TABLE_NAME);
      RETURN NULL;
    END
    $$`);
  for (const table of CACHED_TABLES) {
    await knex.raw(`CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ingest.${table} FOR EACH STATEMENT EXECUTE FUNCTION ingest.notify_directory_change()`);
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
