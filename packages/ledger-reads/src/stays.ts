import type { WebhookAddress } from '@cm/channel-webhooks';
import type { LocalDate, StayDates } from '@cm/domain';
import type { Knex } from '@cm/service-runtime';

/** A stay as the ledger holds it, with its guest's details when it has any (`guest_key` null: none). */
export interface StayRecord {
  property_id: string;
  stay_key: string;
  kind: 'booking' | 'block';
  source: string;
  ref: string;
  status: string | null;
  active: boolean | null;
  check_in: string;
  check_out: string;
  price_minor: number | null;
  currency: string | null;
  rate_plan: string | null;
  ledger_version: number;
  guest_key: string | null;
  guest_name: string | null;
  guest_email: string | null;
  guest_phone: string | null;
  guest_address: WebhookAddress | null;
  guest_language: string | null;
  guest_preferences: Record<string, { value: string }> | null;
  guest_count: number | null;
}

/** One stay of a property by its key (`'<source>:<reference>'`), with its guest. */
export async function stayByKey(db: Knex, propertyId: string, stayKey: string): Promise<StayRecord | undefined> {
  return db('stays as s')
    .leftJoin('guests as g', function joinGuest() {
      this.on('g.property_id', 's.property_id').andOn('g.stay_key', 's.stay_key');
    })
    .where({ 's.property_id': propertyId, 's.stay_key': stayKey })
    .first('s.*', 'g.name as guest_name', 'g.email as guest_email', 'g.phone as guest_phone', 'g.address as guest_address', 'g.language as guest_language', 'g.preferences as guest_preferences', 'g.stay_key as guest_key');
}

/** The same predicate as the ledger's exclusion constraint: stays that hold their nights. */
const HOLDING = `((kind = 'booking' AND status IN ('PENDING', 'CONFIRMED')) OR (kind = 'block' AND active))`;

/** The stays of a property that hold nights in [from, to): their keys and dates. */
export function holdingStays(db: Knex, propertyId: string, from: LocalDate, to: LocalDate): Promise<{ stay_key: string; check_in: string; check_out: string }[]> {
  return db('stays')
    .where({ property_id: propertyId })
    .where('check_in', '<', to)
    .where('check_out', '>', from)
    .whereRaw(HOLDING)
    .select('stay_key', 'check_in', 'check_out');
}

/** The dates of a property's stays overlapping [from, to) that changed in the ledger after `since` (held or released). */
export function staysChangedSince(db: Knex, propertyId: string, from: LocalDate, to: LocalDate, since: Date): Promise<{ check_in: string; check_out: string }[]> {
  return db('stays').where({ property_id: propertyId }).where('check_out', '>', from).where('check_in', '<', to).where('updated_at', '>', since).select('check_in', 'check_out');
}

export interface LedgerView {
  /** Each property's ledger version (0 for a property the ledger has not seen). */
  readonly versions: ReadonlyMap<string, number>;
  /** The dates of the stays holding nights in the window, per property. */
  readonly holding: ReadonlyMap<string, readonly StayDates[]>;
}

/**
 * Versions and holding stays of the properties overlapping [from, to), in one repeatable-read
 * snapshot so each version is the one the stays were read at: a correction carries it, and the
 * dispatcher never lets it overwrite a newer state.
 */
export async function readLedger(db: Knex, propertyIds: readonly string[], from: LocalDate, to: LocalDate): Promise<LedgerView> {
  return db.transaction(
    async (tx) => {
      const versions = new Map<string, number>(propertyIds.map((id) => [id, 0]));
      const holding = new Map<string, StayDates[]>(propertyIds.map((id) => [id, []]));
      const versionRows: { property_id: string; version: string | number }[] = await tx('properties').whereIn('property_id', propertyIds).select('property_id', 'version');
      for (const r of versionRows) versions.set(r.property_id, Number(r.version));
      const stays: { property_id: string; check_in: string; check_out: string }[] = await tx('stays')
        .whereIn('property_id', propertyIds)
        .whereRaw(HOLDING)
        .where('check_out', '>', from)
        .where('check_in', '<', to)
        .select('property_id', 'check_in', 'check_out');
      for (const s of stays) holding.get(s.property_id)!.push({ checkIn: s.check_in as LocalDate, checkOut: s.check_out as LocalDate });
      return { versions, holding };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** A stay holding nights, as a calendar shows it: who it is and, for a booking, its guest's name. */
export interface HolderRecord {
  stay_key: string;
  kind: 'booking' | 'block';
  source: string;
  ref: string;
  status: string | null;
  check_in: string;
  check_out: string;
  guest_name: string | null;
  guest_count: number | null;
  ledger_version: number;
}

/** The stays of a property holding nights in [from, to), with their guests' names. */
export function holdersOfNights(db: Knex, propertyId: string, from: LocalDate, to: LocalDate): Promise<HolderRecord[]> {
  return db('stays as s')
    .leftJoin('guests as g', function joinGuest() {
      this.on('g.property_id', 's.property_id').andOn('g.stay_key', 's.stay_key');
    })
    .where('s.property_id', propertyId)
    .where('s.check_in', '<', to)
    .where('s.check_out', '>', from)
    .whereRaw(`((s.kind = 'booking' AND s.status IN ('PENDING', 'CONFIRMED')) OR (s.kind = 'block' AND s.active))`)
    .orderBy('s.check_in')
    .select('s.stay_key', 's.kind', 's.source', 's.ref', 's.status', 's.check_in', 's.check_out', 's.guest_count', 's.ledger_version', 'g.name as guest_name');
}
