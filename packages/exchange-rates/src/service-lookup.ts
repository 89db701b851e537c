import type { RateLookup } from '@cm/domain';
import type { BaseConfig, Knex, ServiceContext } from '@cm/service-runtime';
import { z } from 'zod';
import { DEFAULT_MAX_RATE_AGE_DAYS } from './cross-rate';
import { ReferenceRateLookup } from './rate-snapshot';
import { ReferenceRates } from './store';

/** The settings of a service that converts prices with the reference rates: its config schema extends this shape. */
export const exchangeRateConfig = z.object({
  /** How often the newest reference rates are read from fx.reference_rates into memory (also once at start). */
  EXCHANGE_RATE_REFRESH_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /**
   * A currency whose newest reference rate is more calendar days older than today (UTC) has no
   * rate (the ECB publishes on business days; 4 covers a weekend after a Friday holiday): the
   * arbiter sends the price to review as a currency mismatch, the dispatcher pushes the night
   * without a price, the reconciler does not compare it, ingest makes no converted quote.
   */
  EXCHANGE_RATE_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(366).default(DEFAULT_MAX_RATE_AGE_DAYS),
});
export type ExchangeRateConfig = z.infer<typeof exchangeRateConfig>;

/**
 * A service's exchange rates: the newest per currency, read into memory now and on its interval
 * until the service stops. Every service that converts prices starts them this one way.
 */
export async function startReferenceRateLookup(context: Pick<ServiceContext<BaseConfig>, 'log' | 'onStop'>, db: Knex, config: ExchangeRateConfig): Promise<RateLookup> {
  const rates = new ReferenceRateLookup(new ReferenceRates(db), { maxAgeDays: config.EXCHANGE_RATE_MAX_AGE_DAYS, now: Date.now, log: context.log.child({ component: 'exchange-rates' }) });
  await rates.refresh();
  context.log.info({ ...rates.describe(), maxAgeDays: config.EXCHANGE_RATE_MAX_AGE_DAYS }, 'exchange rates read');
  rates.startRefreshing(config.EXCHANGE_RATE_REFRESH_MS);
  context.onStop('exchange-rate refresh', async () => rates.stop());
  return rates.lookup;
}
