import { schemaMigrations } from '@cm/service-runtime';
import * as referenceRates001 from './migrations/20261208_001_reference_rates';

/**
 * Every migration of the `fx` schema, in order. Forward-only: a change is a new file added here.
 * The services that use the rates run them with their own (`migrate` of ingest, which loads
 * rates, and of the arbiter, which reads them): the chain keeps its own history in
 * `fx.knex_migrations`, so whichever runs first applies it and the other finds it done.
 */
export const exchangeRateMigrations = schemaMigrations('fx', {
  '20261208_001_reference_rates': referenceRates001,
});
