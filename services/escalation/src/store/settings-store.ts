import { tenantOfProperty } from '@cm/directory';
import type { Knex } from '@cm/service-runtime';

/** A tenant's review settings, as the review API shows and takes them. */
export interface TenantSettings {
  /** Cancel the losing confirmed (instant-book) channel booking of an overbooking without review. */
  readonly auto_cancel_instant_book_losers: boolean;
}

/** What a tenant has before it changes anything: platforms penalise host cancellations, so nothing is cancelled unreviewed. */
export const DEFAULT_SETTINGS: TenantSettings = { auto_cancel_instant_book_losers: false };

export interface StoredSettings extends TenantSettings {
  readonly updated_by: string | null;
  readonly updated_at_ms: number | null;
}

const S = 'escalation.tenant_settings';

/** escalation.tenant_settings: one row per tenant that changed a setting; no row reads as the defaults. */
export class SettingsStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  async get(tenantId: string): Promise<StoredSettings> {
    const row = await this.db(S).where({ tenant_id: tenantId }).first('auto_cancel_instant_book_losers', 'updated_by', 'updated_at_ms');
    return row ? { ...row, updated_at_ms: Number(row.updated_at_ms) } : { ...DEFAULT_SETTINGS, updated_by: null, updated_at_ms: null };
  }

  /** Replaces the tenant's settings (every field is given: the body of PUT). */
  async put(tenantId: string, settings: TenantSettings, operator: string | null): Promise<StoredSettings> {
    await this.db(S)
      .insert({ tenant_id: tenantId, ...settings, updated_by: operator, updated_at_ms: this.now() })
      .onConflict('tenant_id')
      .merge();
    return this.get(tenantId);
  }

  /** The settings of the tenant a property belongs to (in the caller's transaction), or null for a property the directory does not know. */
  static async ofProperty(trx: Knex, propertyId: string): Promise<{ tenantId: string; settings: TenantSettings } | null> {
    const tenantId = await tenantOfProperty(trx, propertyId);
    if (tenantId === undefined) return null;
    const row = await trx(S).where({ tenant_id: tenantId }).first('auto_cancel_instant_book_losers');
    return { tenantId, settings: { auto_cancel_instant_book_losers: row?.auto_cancel_instant_book_losers ?? DEFAULT_SETTINGS.auto_cancel_instant_book_losers } };
  }
}
