import type { Knex } from '@cm/service-runtime';

/**
 * Seed 3.3's other guest fields, each with its own update time and source like the phone: the
 * address (kept whole, as JSON), the language (BCP 47), preferences by key; and how many guests a
 * booking is for.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('guests', (t) => {
    t.jsonb('address').nullable().comment('{line1, line2, city, postal_code, region, country}: one value, never mixed from two sources.');
    t.bigInteger('address_updated_at_ms').nullable();
    t.text('address_source').nullable();
    t.text('language').nullable().comment('BCP 47 tag.');
    t.bigInteger('language_updated_at_ms').nullable();
    t.text('language_source').nullable();
    t.jsonb('preferences').notNullable().defaultTo('{}').comment('{key: {value, updated_at_ms, source}}: each preference merged on its own.');
  });
  await knex.schema.alterTable('stays', (t) => {
    t.integer('guest_count').nullable().comment('How many guests a booking is for, when its source said.');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
