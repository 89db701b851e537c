import type { Knex, Registry } from '@cm/service-runtime';

/** Counters a service exposes on its ops port, summed over their labels; `fetches` undefined when the service does not count them. */
export interface ServiceCounts {
  readonly statements: number;
  readonly fetches: number | undefined;
}

const STATEMENTS = 'cm_db_statements_total';
const FETCHES = 'cm_kafka_fetch_requests_total';

/** Sums every sample of the named counters in a Prometheus text exposition. */
export function countsOfExposition(text: string): ServiceCounts {
  let statements = 0;
  let fetches: number | undefined;
  for (const line of text.split('\n')) {
    const name = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!name) continue;
    const value = Number(name[2]);
    if (name[1] === STATEMENTS) statements += value;
    else if (name[1] === FETCHES) fetches = (fetches ?? 0) + value;
  }
  return { statements, fetches };
}

/** Records a service's consumers took so far (cm_records_consumed_total, every topic and outcome). */
export function recordsOfExposition(text: string): number {
  let records = 0;
  for (const line of text.split('\n')) {
    const sample = /^cm_records_consumed_total(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (sample) records += Number(sample[1]);
  }
  return records;
}

/** Records the service on this ops port took so far. */
export async function recordsConsumed(opsPort: number): Promise<number> {
  const answer = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  if (!answer.ok) throw new Error(`GET :${opsPort}/metrics answered ${answer.status}`);
  return recordsOfExposition(await answer.text());
}

/** The counters of a service, from its ops port's /metrics. */
export async function serviceCounts(opsPort: number): Promise<ServiceCounts> {
  const answer = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  if (!answer.ok) throw new Error(`GET :${opsPort}/metrics answered ${answer.status}`);
  return countsOfExposition(await answer.text());
}

/** The counters of this process's own registry (the floor's pool), as a service would expose them. */
export async function registryCounts(registry: Registry): Promise<ServiceCounts> {
  return countsOfExposition(await registry.metrics());
}

/**
 * Transactions committed or rolled back in the scratch database so far, with the benchmark's own
 * statements so far (`ownStatements`: its polling, a transaction each, taken off by the caller).
 * PostgreSQL publishes an idle backend's counts up to a second after its transaction ends: the
 * count waits that long first, so a phase's last transactions are not left to the next.
 */
export async function databaseTransactions(db: Knex, ownStatements: () => number): Promise<{ transactions: number; own: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const row: { n: number } = (await db.raw('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()')).rows[0];
  return { transactions: Number(row.n), own: ownStatements() };
}
