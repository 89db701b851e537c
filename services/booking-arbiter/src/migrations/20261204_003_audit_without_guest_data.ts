import type { Knex } from '@cm/service-runtime';

/**
 * The audit trail keeps no guest data (issue 16.6, docs/data-retention.md): rows written before
 * held the booking's whole guest record in `before` and `after`. Each guest field there keeps
 * the time and source of its value and loses the value (a preference likewise, key by key), as
 * rows are written now; anything else under `guest` becomes null. The values stay in `guests`.
 * Conflict rows' details and summaries never held guest values (GUEST_DATA names fields only).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE audit_log SET
      before = ${withoutGuestValues('before')},
      after = ${withoutGuestValues('after')}
    WHERE jsonb_typeof(before -> 'guest') = 'object' OR jsonb_typeof(after -> 'guest') = 'object'`);
}

/** The column's stay snapshot with its guest reduced to each field's time and source. */
function withoutGuestValues(column: 'before' | 'after'): string {
  const field = (value: string) => `CASE WHEN jsonb_typeof(${value}) = 'object' THEN (${value}) - 'value' ELSE 'null'::jsonb END`;
  return `CASE WHEN jsonb_typeof(${column} -> 'guest') = 'object' THEN jsonb_set(${column}, '{guest}', (
    SELECT coalesce(jsonb_object_agg(g.key, CASE
      WHEN g.key = 'preferences' AND jsonb_typeof(g.value) = 'object'
        THEN (SELECT coalesce(jsonb_object_agg(p.key, ${field('p.value')}), '{}'::jsonb) FROM jsonb_each(g.value) AS p)
      ELSE ${field('g.value')}
    END), '{}'::jsonb)
    FROM jsonb_each(${column} -> 'guest') AS g)) ELSE ${column} END`;
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
