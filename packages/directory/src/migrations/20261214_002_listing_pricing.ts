import type { Knex } from '@cm/service-runtime';

/**
 * How a channel listing takes the PMS's rates (issue 20): its currency (null: the property's),
 * the markup the channel adds, and the channel's own id for each PMS rate plan. A listing with no
 * row takes the property's currency, no markup, and each plan under the PMS's own id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').createTable('listing_pricing', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.specificType('currency', 'char(3)').nullable().comment("The channel's currency for this listing; null: the property's.");
    t.text('markup_kind').notNullable().defaultTo('percent').comment("'percent' (markup_value in basis points) or 'fixed' (minor units of the listing's currency per night).");
    t.bigInteger('markup_value').notNullable().defaultTo(0);
    t.jsonb('rate_plans').notNullable().defaultTo('{}').comment("PMS rate plan id -> the channel's rate plan id; empty: the PMS's ids.");
    t.primary(['channel', 'listing_id']);
    t.foreign(['channel', 'listing_id']).references(['channel', 'listing_id']).inTable('ingest.listings').onDelete('CASCADE');
  });
  await knex.raw("ALTER TABLE ingest.listing_pricing ADD CONSTRAINT listing_pricing_markup_kind CHECK (markup_kind IN ('percent', 'fixed'))");
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
