import type { Knex } from '@cm/service-runtime';

/**
 * The ledger. The exclusion constraint is the last line against double booking: whatever the
 * application does, no two holding stays of one property share a night.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS btree_gist');

  await knex.schema.createTable('properties', (t) => {
    t.text('property_id').primary();
    t.bigInteger('version').notNullable().defaultTo(0).comment('Per-property ledger version: counts decisions that changed the ledger.');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('stays', (t) => {
    t.text('property_id').notNullable().references('property_id').inTable('properties');
    t.text('stay_key').notNullable().comment("'<source>:<ref>': the booking's or block's identity");
    t.text('kind').notNullable().checkIn(['booking', 'block']);
    t.text('source').notNullable();
    t.text('ref').notNullable();
    t.text('status').nullable().checkIn(['PENDING', 'CONFIRMED', 'CANCELLED', 'REJECTED']);
    t.boolean('active').nullable().comment('Blocks: false once unblocked or refused.');
    t.date('check_in').notNullable();
    t.date('check_out').notNullable();
    t.bigInteger('price_minor').nullable();
    t.specificType('currency', 'char(3)').nullable();
    t.text('rate_plan').nullable();
    t.bigInteger('confirmed_at_ms').nullable();
    t.text('block_reason').nullable();
    t.jsonb('versions').notNullable().defaultTo('{}').comment('Last applied version per source.');
    t.bigInteger('ledger_version').notNullable().comment('Property version of the last change to this row.');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['property_id', 'stay_key']);
  });
  await knex.raw(`ALTER TABLE stays ADD CONSTRAINT stays_check_out_after_check_in CHECK (check_out > check_in)`);
  await knex.raw(`ALTER TABLE stays ADD CONSTRAINT stays_kind_fields CHECK ((kind = 'booking' AND status IS NOT NULL) OR (kind = 'block' AND active IS NOT NULL))`);
  await knex.raw(`ALTER TABLE stays ADD CONSTRAINT stays_price_has_currency CHECK ((price_minor IS NULL) = (currency IS NULL))`);
  await knex.raw(`
    ALTER TABLE stays ADD CONSTRAINT stays_no_double_booking
    EXCLUDE USING gist (property_id WITH =, daterange(check_in, check_out, '[)') WITH &&)
    WHERE ((kind = 'booking' AND status IN ('PENDING', 'CONFIRMED')) OR (kind = 'block' AND active))
    DEFERRABLE INITIALLY DEFERRED`);
  // Deferred to commit: a transaction deciding "cancel X" then "move Y onto X's nights" writes its
  // rows in any order, and only the committed ledger must be free of overlaps.

  await knex.schema.createTable('guests', (t) => {
    t.text('property_id').notNullable();
    t.text('stay_key').notNullable();
    for (const field of ['name', 'email', 'phone']) {
      t.text(field).nullable();
      t.bigInteger(`${field}_updated_at_ms`).nullable();
      t.text(`${field}_source`).nullable();
    }
    t.primary(['property_id', 'stay_key']);
    t.foreign(['property_id', 'stay_key']).references(['property_id', 'stay_key']).inTable('stays');
  });

  await knex.schema.createTable('processed_commands', (t) => {
    t.text('command_id').primary().comment('The inbox: one row per command, ever.');
    t.specificType('decision_seq', 'bigint GENERATED ALWAYS AS IDENTITY').comment('Order in which decisions were written.');
    t.text('property_id').notNullable();
    t.text('outcome').notNullable().checkIn(['applied', 'rejected', 'ignored', 'dead_lettered']);
    t.text('reason').nullable();
    t.bigInteger('version').nullable();
    t.text('event_type').nullable();
    t.integer('partition').notNullable();
    t.bigInteger('record_offset').notNullable();
    t.text('decided_by').notNullable();
    t.bigInteger('fence_generation').notNullable();
    t.boolean('reply_requested').notNullable().defaultTo(false);
    t.jsonb('reply').nullable().comment('What a waiting caller is told.');
    t.bigInteger('issued_at_ms').notNullable().comment('When ingest issued the command: decided_at minus this is its time in the system.');
    t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.index(['property_id']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('event_id').notNullable().unique().comment('Stable: derived from the command id. A row is deleted once published.');
    t.text('topic').notNullable();
    t.text('record_key').notNullable();
    t.jsonb('payload').notNullable().comment('The Avro record, encoded when published.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.text('property_id').notNullable();
    t.text('entity_type').notNullable().comment('booking, block, guest, price');
    t.text('stay_key').notNullable();
    t.text('action').notNullable().comment('The ledger event, or conflict_resolved');
    t.text('rule').nullable();
    t.text('conflict_type').nullable();
    t.text('resolution').nullable();
    t.text('resolved_by').notNullable().defaultTo('system');
    t.text('source').notNullable();
    t.text('command_id').notNullable();
    t.bigInteger('version').notNullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.jsonb('details').nullable();
    t.text('correlation_id').notNullable();
    t.text('trace_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['property_id', 'created_at']);
  });

  await knex.schema.createTable('partition_fences', (t) => {
    t.text('topic').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('generation').notNullable().comment('Bumped by every instance that is assigned the partition.');
    t.text('owner').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['topic', 'partition']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
