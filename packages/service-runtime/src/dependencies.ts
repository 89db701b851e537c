import type { BaseConfig } from './config';
import { createDatabase, databaseAnswers, type DatabaseOptions, type Knex } from './postgres';
import { createRedis, redisAnswers, type Redis } from './redis';
import type { ServiceContext } from './service';

/** A PostgreSQL pool that readiness checks and shutdown closes; `name` tells several pools apart. */
export async function useDatabase(context: ServiceContext<BaseConfig>, url: string, options: DatabaseOptions = {}, name = 'postgres'): Promise<Knex> {
  const db = createDatabase(url, { applicationName: `${context.name} ${name}`, ...options, statements: { registry: context.metrics, pool: name } });
  await databaseAnswers(db);
  context.addReadiness({ name, check: () => databaseAnswers(db) });
  context.onStop(name, () => db.destroy());
  return db;
}

/**
 * A Redis connection that readiness checks and shutdown closes; `name` tells several apart. A
 * subscriber connection cannot PING between subscriptions, so its readiness is its state.
 */
export async function useRedis(context: ServiceContext<BaseConfig>, url: string, name = 'redis', role: 'commands' | 'subscriber' = 'commands'): Promise<Redis> {
  const redis = createRedis(url, { autoPipelining: role === 'commands' });
  await redis.connect();
  context.addReadiness({ name, check: () => (role === 'subscriber' ? redis.status === 'ready' : redisAnswers(redis)) });
  context.onStop(name, async () => {
    await redis.quit();
  });
  return redis;
}
