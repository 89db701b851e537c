import { addDays, type CurrencyCode, type LocalDate } from '@cm/domain';
import type { Knex } from '@cm/service-runtime';
import { utcDateOf, type NewestRate, type RateSnapshot } from './cross-rate';
import { parseDecimalRate } from './decimal-rate';
import type { ParsedReferenceRates } from './ecb-xml';
import { RatesRefusedError } from './errors';

const TABLE = 'fx.reference_rates';
/** Rows per statement: one JSON document each, well under PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 5_000;

export interface LoadOutcome {
  readonly dates: number;
  readonly firstDate: LocalDate;
  readonly lastDate: LocalDate;
  /** Rows new to the table. */
  readonly inserted: number;
  /** Rows whose rate changed (a corrected publication). */
  readonly updated: number;
  /** Rows already there with the same rate: loading the same file again leaves every row so. */
  readonly unchanged: number;
  readonly skipped: ParsedReferenceRates['skipped'];
}

/** The rates in force on a date: those of the newest publication on or before it. */
export interface RatesInForce {
  readonly date: LocalDate;
  readonly rateDate: LocalDate;
  readonly rates: readonly { readonly currency: string; readonly rate: string; readonly source: string; readonly loadedAt: Date }[];
}

/** The `fx.reference_rates` table: the only module that names it. */
export class ReferenceRates {
  constructor(private readonly db: Knex) {}

  /**
   * Upserts every rate of a parsed file in one transaction, keyed by (currency, date): a row is
   * written only when new or when its rate differs, so loading a file again changes nothing, and
   * a file of older dates adds its own rows without touching newer ones. A date after tomorrow
   * (UTC) is refused: no one publishes rates for it yet.
   */
  async load(parsed: ParsedReferenceRates, source: string, nowMs: number): Promise<LoadOutcome> {
    const latestAllowed = addDays(utcDateOf(nowMs), 1);
    const future = parsed.days.find((day) => day.date > latestAllowed);
    if (future) throw new RatesRefusedError('bad_date', `time ${future.date} is in the future (today is ${utcDateOf(nowMs)} UTC)`);
    const rows = parsed.days.flatMap((day) => day.rates.map((r) => ({ currency: r.currency, rate_date: day.date, rate: r.rate.text })));
    let inserted = 0;
    let updated = 0;
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const written = await tx.raw<{ rows: { inserted: boolean }[] }>(
          `INSERT INTO ${TABLE} AS r (currency, rate_date, rate, source, loaded_at)
           SELECT t.currency, t.rate_date, t.rate, ?, ? FROM jsonb_to_recordset(?::jsonb) AS t(currency text, rate_date date, rate numeric)
           ON CONFLICT (currency, rate_date) DO UPDATE SET rate = excluded.rate, source = excluded.source, loaded_at = excluded.loaded_at
           WHERE r.rate IS DISTINCT FROM excluded.rate
           RETURNING (xmax = 0) AS inserted`,
          [source, new Date(nowMs), JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))],
        );
        const fresh = written.rows.filter((row) => row.inserted).length;
        inserted += fresh;
        updated += written.rows.length - fresh;
      }
    });
    return {
      dates: parsed.days.length,
      firstDate: parsed.days[0]!.date,
      lastDate: parsed.days[parsed.days.length - 1]!.date,
      inserted,
      updated,
      unchanged: rows.length - inserted - updated,
      skipped: parsed.skipped,
    };
  }

  /** The newest rate of every currency, whatever its age (the lookup applies the staleness rule). */
  async newest(): Promise<RateSnapshot> {
    const rows = await this.db.raw<{ rows: { currency: string; rate_date: string; rate: string }[] }>(
      `SELECT DISTINCT ON (currency) currency, rate_date, rate::text AS rate FROM ${TABLE} ORDER BY currency, rate_date DESC`,
    );
    const snapshot = new Map<CurrencyCode, NewestRate>();
    for (const row of rows.rows) {
      const rate = parseDecimalRate(row.rate);
      if (typeof rate === 'string') throw new Error(`${TABLE} holds ${row.currency} ${row.rate_date} at ${rate}`);
      snapshot.set(row.currency as CurrencyCode, { currency: row.currency as CurrencyCode, date: row.rate_date as LocalDate, rate });
    }
    return snapshot;
  }

  /** The publication in force on `date` (the newest on or before it), or null if none is that old. */
  async inForce(date: LocalDate): Promise<RatesInForce | null> {
    const rows = await this.db.raw<{ rows: { currency: string; rate: string; rate_date: string; source: string; loaded_at: Date }[] }>(
      `SELECT currency, rate::text AS rate, rate_date, source, loaded_at FROM ${TABLE}
       WHERE rate_date = (SELECT max(rate_date) FROM ${TABLE} WHERE rate_date <= ?::date) ORDER BY currency`,
      [date],
    );
    const first = rows.rows[0];
    if (!first) return null;
    return { date, rateDate: first.rate_date as LocalDate, rates: rows.rows.map((r) => ({ currency: r.currency, rate: r.rate, source: r.source, loadedAt: r.loaded_at })) };
  }
}
