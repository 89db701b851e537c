import { addDays, type LocalDate } from '@cm/domain';
import type { Knex } from '@cm/service-runtime';
import type { StayView } from './http/pms-schemas';

/**
 * Reads of the booking-arbiter's ledger for the PMS API. Read-only, and only of what the
 * arbiter has committed: the arbiter stays the single writer.
 */
export class LedgerReads {
  constructor(private readonly db: Knex) {}

  async stay(propertyId: string, stayKey: string): Promise<StayView | undefined> {
    const row = await this.db('stays as s')
      .leftJoin('guests as g', function joinGuest() {
        this.on('g.property_id', 's.property_id').andOn('g.stay_key', 's.stay_key');
      })
      .where({ 's.property_id': propertyId, 's.stay_key': stayKey })
      .first('s.*', 'g.name as guest_name', 'g.email as guest_email', 'g.phone as guest_phone', 'g.address as guest_address', 'g.language as guest_language', 'g.preferences as guest_preferences', 'g.stay_key as guest_key');
    return row ? toStayView(row) : undefined;
  }

  /** Each night of [from, to) with the stay holding it, if any. */
  async calendar(propertyId: string, from: LocalDate, to: LocalDate): Promise<{ date: LocalDate; available: boolean; held_by: string | null }[]> {
    const holders: { stay_key: string; check_in: string; check_out: string }[] = await this.db('stays')
      .where({ property_id: propertyId })
      .where('check_in', '<', to)
      .where('check_out', '>', from)
      .where((q) => q.where((b) => b.where('kind', 'booking').whereIn('status', ['PENDING', 'CONFIRMED'])).orWhere((b) => b.where('kind', 'block').where('active', true)))
      .select('stay_key', 'check_in', 'check_out');
    const nights: { date: LocalDate; available: boolean; held_by: string | null }[] = [];
    for (let date = from; date < to; date = addDays(date, 1)) {
      const holder = holders.find((h) => h.check_in <= date && date < h.check_out);
      nights.push({ date, available: !holder, held_by: holder?.stay_key ?? null });
    }
    return nights;
  }

  /** The arbiter's decision of a command, once made. */
  async decision(commandId: string): Promise<{ property_id: string; outcome: string; reason: string | null; version: number | null; reply: Record<string, unknown> | null } | undefined> {
    return this.db('processed_commands').where({ command_id: commandId }).first('property_id', 'outcome', 'reason', 'version', 'reply');
  }
}

interface StayRow {
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
  guest_address: NonNullable<StayView['guest']>['address'];
  guest_language: string | null;
  guest_preferences: Record<string, { value: string }> | null;
  guest_count: number | null;
}

function toStayView(row: StayRow): StayView {
  return {
    property_id: row.property_id,
    stay_key: row.stay_key,
    kind: row.kind,
    source: row.source,
    reference: row.ref,
    status: row.status,
    active: row.kind === 'booking' ? row.status === 'PENDING' || row.status === 'CONFIRMED' : row.active === true,
    check_in: row.check_in,
    check_out: row.check_out,
    total: row.price_minor === null || row.currency === null ? null : { amount_minor: row.price_minor, currency: row.currency.trim() },
    rate_plan: row.rate_plan,
    guest:
      row.guest_key === null
        ? null
        : {
            name: row.guest_name,
            email: row.guest_email,
            phone: row.guest_phone,
            address: row.guest_address,
            language: row.guest_language,
            preferences: Object.fromEntries(Object.entries(row.guest_preferences ?? {}).map(([key, p]) => [key, p.value])),
          },
    guest_count: row.guest_count,
    version: row.ledger_version,
  };
}
