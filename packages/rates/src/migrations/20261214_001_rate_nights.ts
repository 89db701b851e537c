import type { Knex } from '@cm/service-runtime';

/**
 * The PMS's rates and restrictions (issue 20): one row per property, rate plan and night, holding
 * each field the PMS set with the version that set it (the domain's KeptNight), so an older
 * update arriving after a newer one changes nothing. Nights the PMS never named have no row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SCHEMA IF NOT EXISTS rates');
  await knex.schema.withSchema('rates').createTable('rate_nights', (t) => {
    t.text('property_id').notNullable();
    t.text('rate_plan').notNullable().comment("The PMS's rate plan id.");
    t.date('night').notNullable();
    t.jsonb('kept').notNullable().comment('Each field set ({price, minStayArrival, …}) as {value, version}.');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['property_id', 'rate_plan', 'night']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
