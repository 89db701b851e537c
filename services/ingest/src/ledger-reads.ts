import { addDays, type LocalDate } from '@cm/domain';
import { decisionOf, holdingStays, stayByKey, type DecisionRecord, type StayRecord } from '@cm/ledger-reads';
import type { Knex } from '@cm/service-runtime';
import type { StayView } from './http/pms-schemas';

/**
 * Reads of the booking-arbiter's ledger for the PMS API, through @cm/ledger-reads: read-only,
 * and only of what the arbiter has committed.
 */
export class LedgerReads {
  constructor(private readonly db: Knex) {}

  async stay(propertyId: string, stayKey: string): Promise<StayView | undefined> {
    const row = await stayByKey(this.db, propertyId, stayKey);
    return row ? toStayView(row) : undefined;
  }

  /** Each night of [from, to) with the stay holding it, if any. */
  async calendar(propertyId: string, from: LocalDate, to: LocalDate): Promise<{ date: LocalDate; available: boolean; held_by: string | null }[]> {
    const holders = await holdingStays(this.db, propertyId, from, to);
    const nights: { date: LocalDate; available: boolean; held_by: string | null }[] = [];
    for (let date = from; date < to; date = addDays(date, 1)) {
      const holder = holders.find((h) => h.check_in <= date && date < h.check_out);
      nights.push({ date, available: !holder, held_by: holder?.stay_key ?? null });
    }
    return nights;
  }

  /** The arbiter's decision of a command, once made. */
  decision(commandId: string): Promise<DecisionRecord | undefined> {
    return decisionOf(this.db, commandId);
  }
}

function toStayView(row: StayRecord): StayView {
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
