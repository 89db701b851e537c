import type { Knex } from '@cm/service-runtime';

/**
 * Seed section 6's audit trail, readable per tenant: every row names its tenant (as the command
 * said when it was decided), its entity (booking, guest, availability, price) and that entity's
 * id. Rows from before keep a null tenant (their property's tenant answers for them) and take
 * their stay key as the entity id; a manual block is an availability entity.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.text('tenant_id').nullable().comment('The tenant whose property it is, when the command said; null for rows from before.');
    t.text('entity_id').nullable().comment('The entity the row is about: the stay key of the booking, block, guest or price.');
  });
  await knex('audit_log').whereNull('entity_id').update({ entity_id: knex.ref('stay_key') });
  await knex('audit_log').where({ entity_type: 'block' }).update({ entity_type: 'availability' });
  await knex.schema.alterTable('audit_log', (t) => {
    t.index(['tenant_id', 'id'], 'audit_log_tenant');
    t.index(['property_id', 'entity_id', 'id'], 'audit_log_entity');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
