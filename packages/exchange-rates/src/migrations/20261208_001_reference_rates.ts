import type { Knex } from '@cm/service-runtime';

/**
 * The ECB's euro reference rates by date, in the `fx` schema: one row per currency and date,
 * `rate` units of the currency for one euro (EUR is the base and has no row). The rate is kept
 * as the exact decimal it was published as (numeric without a scale, never a float). A load is
 * an upsert on (currency, rate_date): the same file again changes nothing, and a file of older
 * dates adds older rows beside the newer ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('fx').createTable('reference_rates', (t) => {
    t.specificType('currency', 'char(3)').notNullable().comment('ISO 4217 code; never EUR, the base.');
    t.date('rate_date').notNullable().comment('The date the ECB published the rate for.');
    t.specificType('rate', 'numeric').notNullable().comment('Units of the currency for one euro, exactly as published.');
    t.text('source').notNullable().comment("Where it was loaded from: 'file:<name>', 'url:<url>' or 'api'.");
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When this value was last written.');
    t.primary(['currency', 'rate_date']);
    t.index(['rate_date'], 'reference_rates_by_date');
  });
  await knex.raw(`ALTER TABLE fx.reference_rates ADD CONSTRAINT reference_rates_rate_positive CHECK (rate > 0), ADD CONSTRAINT reference_rates_not_the_base CHECK (currency <> 'EUR')`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
