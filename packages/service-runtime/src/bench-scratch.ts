import { createServer as createNetServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KafkaAdmin, KafkaClient } from './kafka/types';
import type { Logger } from './logger';
import { createDatabase, dropDatabase, ensureDatabaseExists, type Knex } from './postgres';
import { provisionTopics } from './provision';
import { topicNames, type TopicNames } from './topic-names';

const run = promisify(execFile);

/** A benchmark's own topics and database on the local stack, so runs never meet; `remove` drops both. */
export interface BenchScratch {
  readonly namespace: string;
  readonly names: TopicNames;
  /** The benchmark's own topics (its floor's), namespaced: `<namespace>.<name>`. */
  readonly extraTopics: readonly string[];
  readonly admin: KafkaAdmin;
  /** The scratch database's URL, for the processes the benchmark starts. */
  readonly databaseUrl: string;
  readonly db: Knex;
  remove(): Promise<void>;
}

/**
 * Every topic of the topic list under a fresh namespace (plus `extraTopics`, named in it), and a database
 * migrated by each service's own migrate command (`migrators`: paths of their
 * `dist/cli/migrate.js`), as `scripts/stack up` does.
 */
export async function benchScratch(options: {
  prefix: string;
  kafka: KafkaClient;
  log: Logger;
  serverDatabaseUrl: string;
  migrators: readonly string[];
  extraTopics?: readonly string[];
}): Promise<BenchScratch> {
  const namespace = `${options.prefix}${Date.now().toString(36)}`;
  const names = topicNames(namespace);
  const admin = await options.kafka.admin();
  await provisionTopics(admin, options.log, 60_000, namespace);
  const extraTopics = (options.extraTopics ?? []).map((name) => `${namespace}.${name}`);
  if (extraTopics.length > 0) await admin.ensureTopics(extraTopics.map((name) => ({ name, partitions: 12, config: {} })));
  const url = new URL(options.serverDatabaseUrl);
  url.pathname = `/cm_${namespace}`;
  const databaseUrl = url.toString();
  await ensureDatabaseExists(databaseUrl);
  for (const migrator of options.migrators) await run(process.execPath, [migrator], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  const db = createDatabase(databaseUrl, { pool: { min: 0, max: 4 } });
  return {
    namespace,
    names,
    extraTopics,
    admin,
    databaseUrl,
    db,
    async remove() {
      await db.destroy();
      await dropDatabase(databaseUrl);
      await admin.deleteTopics([...Object.values(names), ...extraTopics]);
      await admin.disconnect();
    },
  };
}

/**
 * Refuses to start a benchmark whose ports another process holds (most often the same benchmark
 * run from another checkout): its services would fail to listen while the other run's answered
 * their readiness checks, and the figures would be the other run's.
 */
export async function assertPortsFree(ports: readonly number[]): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) taken.push(port);
  }
  if (taken.length > 0) throw new Error(`ports ${taken.join(', ')} are in use: is this benchmark already running (another checkout)? Stop it first`);
}
