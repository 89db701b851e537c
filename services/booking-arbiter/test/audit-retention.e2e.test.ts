import { NO_GUEST_DETAILS, type GuestDetails } from '@cm/schemas';
import { createDatabase, dropDatabase, ensureDatabaseExists, schemaMigrations, waitFor } from '@cm/service-runtime';
import { stack, uniqueName } from '@cm/test-harness';
import { ledgerMigrations } from '../src/ledger/migrations';
import * as ledger001 from '../src/migrations/20261125_001_ledger';
import * as ledger002 from '../src/migrations/20261125_002_outbox_trace';
import * as guestProfile004 from '../src/migrations/20261204_004_guest_profile';
import * as auditScope005 from '../src/migrations/20261204_005_audit_scope';
import { arbiterWorld, command, type ArbiterProcess, type ArbiterWorld } from './environment';

/** Issue 16.6: the audit trail refers to the guest; it never copies the guest's personal data. */
describe('booking-arbiter: the audit log keeps no guest data', () => {
  let world: ArbiterWorld;
  let arbiter: ArbiterProcess;

  beforeAll(async () => {
    world = await arbiterWorld();
    arbiter = await world.startArbiter('arbiter-audit');
  });
  afterAll(async () => {
    arbiter?.child.kill('SIGTERM');
    await arbiter?.exited();
    await world?.close();
  });

  const personal = {
    name: 'Zoë Quintanilha-Retention',
    email: 'zoe.retention@example.org',
    phone: '+351 912 000 111',
    pmsName: 'Zoë Q. Retention (PMS)',
    pmsEmail: 'z.quintanilha@host.example',
    pmsPhone: '+351 913 222 333',
    channelName: 'Zoe Retention via Airbnb',
    line1: 'Rua das Flores 12',
    postalCode: '4050-262',
    preference: 'twin beds please, near the lift',
  };

  it('a booking with a guest name, email, phone and address, then guest updates and a guest-data conflict: no audit row holds any of those values', async () => {
    const property = 'audit-privacy-1';
    const t0 = Date.now() - 60_000;
    const guest: GuestDetails = {
      ...NO_GUEST_DETAILS,
      name: personal.name,
      name_updated_at: t0,
      email: personal.email,
      email_updated_at: t0,
      phone: personal.phone,
      phone_updated_at: t0,
      address: { line1: personal.line1, line2: null, city: 'Porto', postal_code: personal.postalCode, region: null, country: 'PT' },
      address_updated_at: t0,
      language: 'pt-PT',
      language_updated_at: t0,
      preferences: { bed: personal.preference },
      preferences_updated_at: t0,
    };
    const created = command({ property_id: property, source: 'AIRBNB', booking_ref: 'HM-PII', guest });
    const pmsUpdate = command({
      property_id: property,
      source: 'PMS',
      booking_source: 'AIRBNB',
      booking_ref: 'HM-PII',
      command_type: 'UPDATE_GUEST',
      guest: { ...NO_GUEST_DETAILS, name: personal.pmsName, name_updated_at: t0 + 1_000, email: personal.pmsEmail, email_updated_at: t0 + 1_000, phone: personal.pmsPhone, phone_updated_at: t0 + 1_000 },
    });
    const channelUpdate = command({
      property_id: property,
      source: 'AIRBNB',
      source_version: 2,
      booking_ref: 'HM-PII',
      command_type: 'UPDATE_GUEST',
      guest: { ...NO_GUEST_DETAILS, name: personal.channelName, name_updated_at: t0 + 2_000 },
    });
    const ids = [created.command_id, pmsUpdate.command_id, channelUpdate.command_id];
    await world.send([created, pmsUpdate, channelUpdate]);
    await waitFor('the three decisions', async () => ((await world.db('processed_commands').whereIn('command_id', ids)).length === 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });

    // The ledger holds the guest (the audit rows refer to it by stay key)...
    const held = await world.db('guests').where({ property_id: property, stay_key: 'AIRBNB:HM-PII' }).first();
    expect(held).toMatchObject({ name: personal.pmsName, email: personal.pmsEmail, phone: personal.pmsPhone });

    // ...and the audit log none of it, in any column.
    const rows = await world.db('audit_log').where({ property_id: property }).orderBy('id');
    expect(rows.map((r) => [r.action, r.conflict_type])).toEqual([
      ['booking_accepted', null],
      ['guest_updated', null],
      ['command_rejected', null],
      ['conflict_resolved', 'GUEST_DATA'],
    ]);
    const text = JSON.stringify(rows);
    for (const value of Object.values(personal)) expect(text).not.toContain(value);

    // What it keeps instead: which fields, set when and by whom.
    const [accepted, updated, , conflict] = rows;
    expect(accepted.after.guest).toEqual({
      name: { updatedAt: t0, source: 'AIRBNB' },
      email: { updatedAt: t0, source: 'AIRBNB' },
      phone: { updatedAt: t0, source: 'AIRBNB' },
      address: { updatedAt: t0, source: 'AIRBNB' },
      language: { updatedAt: t0, source: 'AIRBNB' },
      preferences: { bed: { updatedAt: t0, source: 'AIRBNB' } },
    });
    expect(accepted.after).toMatchObject({ key: 'AIRBNB:HM-PII', kind: 'booking', status: 'CONFIRMED' });
    expect(updated.before.guest.phone).toEqual({ updatedAt: t0, source: 'AIRBNB' });
    expect(updated.after.guest.phone).toEqual({ updatedAt: t0 + 1_000, source: 'PMS' });
    expect(updated.details.guest_fields_changed).toEqual([
      { field: 'name', updated_at_ms: t0 + 1_000, source: 'PMS' },
      { field: 'email', updated_at_ms: t0 + 1_000, source: 'PMS' },
      { field: 'phone', updated_at_ms: t0 + 1_000, source: 'PMS' },
    ]);
    expect(conflict.details).toMatchObject({ keptFields: '["name"]' });
  });

  it("migration 003 takes the guest's values out of rows written before, keeping each field's time and source", async () => {
    const url = new URL(stack.DATABASE_URL);
    url.pathname = `/cm_${uniqueName('audit_scrub').toLowerCase()}`;
    await ensureDatabaseExists(url.toString());
    const db = createDatabase(url.toString(), { pool: { min: 0, max: 2 } });
    try {
      // A ledger as deployed before this change: every migration but 003.
      await schemaMigrations(null, {
        '20261125_001_ledger': ledger001,
        '20261125_002_outbox_trace': ledger002,
        '20261204_004_guest_profile': guestProfile004,
        '20261204_005_audit_scope': auditScope005,
      }).migrate(db);
      const field = (value: unknown, updatedAt: number) => ({ value, updatedAt, source: 'AIRBNB' });
      const stay = (guest: Record<string, unknown>) => ({ key: 'AIRBNB:OLD', ref: 'OLD', source: 'AIRBNB', kind: 'booking', status: 'CONFIRMED', dates: { checkIn: '2027-01-01', checkOut: '2027-01-03' }, versions: { AIRBNB: 1 }, confirmedAt: 1, price: null, ratePlan: null, guestCount: 2, guest });
      const before = stay({ name: field(personal.name, 1), email: field(personal.email, 1), phone: null, address: field({ line1: personal.line1, line2: null, city: 'Porto', postalCode: personal.postalCode, region: null, country: 'PT' }, 1), language: null, preferences: { bed: field(personal.preference, 1) } });
      const after = stay({ name: field(personal.name, 1), email: field(personal.email, 1), phone: field(personal.phone, 2) });
      const common = { property_id: 'old-1', entity_type: 'guest', stay_key: 'AIRBNB:OLD', entity_id: 'AIRBNB:OLD', source: 'AIRBNB', command_id: 'old-cmd', version: 2, correlation_id: 'old-corr', details: JSON.stringify({ outcome: 'applied', reason: null }) };
      await db('audit_log').insert([
        { ...common, action: 'guest_updated', before: JSON.stringify(before), after: JSON.stringify(after) },
        { ...common, action: 'nights_blocked', entity_type: 'availability', before: null, after: JSON.stringify({ key: 'PMS:B', kind: 'block', reason: 'painting', active: true }) },
      ]);

      expect(await ledgerMigrations.migrate(db)).toContain('20261204_003_audit_without_guest_data');

      const [scrubbed, block] = await db('audit_log').orderBy('id');
      const text = JSON.stringify([scrubbed, block]);
      for (const value of Object.values(personal)) expect(text).not.toContain(value);
      expect(scrubbed.before.guest).toEqual({
        name: { updatedAt: 1, source: 'AIRBNB' },
        email: { updatedAt: 1, source: 'AIRBNB' },
        phone: null,
        address: { updatedAt: 1, source: 'AIRBNB' },
        language: null,
        preferences: { bed: { updatedAt: 1, source: 'AIRBNB' } },
      });
      expect(scrubbed.after.guest).toEqual({ name: { updatedAt: 1, source: 'AIRBNB' }, email: { updatedAt: 1, source: 'AIRBNB' }, phone: { updatedAt: 2, source: 'AIRBNB' } });
      expect(scrubbed.after).toMatchObject({ key: 'AIRBNB:OLD', guestCount: 2, dates: { checkIn: '2027-01-01' } });
      expect(block.after).toEqual({ key: 'PMS:B', kind: 'block', reason: 'painting', active: true });
    } finally {
      await db.destroy();
      await dropDatabase(url.toString());
    }
  });
});
