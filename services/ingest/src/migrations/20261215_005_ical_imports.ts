import type { Knex } from '@cm/service-runtime';

/**
 * iCal imports (issue 21.1): each listing whose channel feed we read, when it is read next, the
 * validators of the last body taken (a conditional GET of an unchanged feed is a 304), and the
 * feed's events as last taken in, which hold nights in the ledger. An event that left the feed is
 * kept (not present) with its generation, so one that comes back under its UID is a new stay with
 * new event ids, not a replay of the first.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').createTable('ical_imports', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.bigInteger('next_poll_at_ms').notNullable().comment('Due then; a poller claims a due feed by moving this past its lease.');
    t.text('etag').nullable();
    t.text('last_modified').nullable();
    t.bigInteger('source_version').notNullable().defaultTo(0).comment('The source_version of the last changes sent; the next ones are greater.');
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.bigInteger('last_read_at_ms').nullable().comment('When the feed last answered with a whole calendar (or 304).');
    t.text('last_problem').nullable().comment('Why the last read was not taken: a failed fetch, an incomplete calendar, a suspicious shrink.');
    t.boolean('accept_shrink').notNullable().defaultTo(false).comment('An operator vouched for the feed as it is: its next read releases what it dropped, however much.');
    t.primary(['channel', 'listing_id']);
  });
  await knex.raw('CREATE INDEX ical_imports_due ON ingest.ical_imports (next_poll_at_ms)');

  await knex.schema.withSchema('ingest').createTable('ical_import_events', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('uid').notNullable();
    t.text('kind').notNullable().comment("'reservation' or 'blocked', as the feed's words say (classifyEvent).");
    t.date('check_in').notNullable();
    t.date('check_out').notNullable();
    t.boolean('present').notNullable().comment('In the feed as last taken in: it holds its nights.');
    t.integer('generation').notNullable().comment('How many times this UID appeared: its stay reference and event ids name it.');
    t.primary(['channel', 'listing_id', 'uid']);
    t.foreign(['channel', 'listing_id']).references(['channel', 'listing_id']).inTable('ingest.ical_imports').onDelete('CASCADE');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
