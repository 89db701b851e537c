import { stack } from '@cm/test-harness';
import { createMetricsRegistry, Registry } from '../src/metrics';
import { createDatabase } from '../src/postgres';

/** The sync benchmark divides cm_db_statements_total by the bookings of a run: every round trip must be in it. */
describe('cm_db_statements_total', () => {
  const registry: Registry = createMetricsRegistry('statement-count-test');
  const db = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 }, statements: { registry, pool: 'main' } });
  const other = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 }, statements: { registry, pool: 'other' } });

  afterAll(async () => {
    await db.destroy();
    await other.destroy();
  });

  const counted = async (pool: string): Promise<number> => (await registry.getSingleMetric('cm_db_statements_total')!.get()).values.find((v) => v.labels.pool === pool)?.value ?? 0;

  it('counts a lone statement once, and a transaction as its statements with BEGIN and COMMIT, per pool', async () => {
    const before = await counted('main');
    await db.raw('select 1');
    expect(await counted('main')).toBe(before + 1);
    await db.transaction(async (tx) => {
      await tx.raw('select 1');
      await tx.raw('select 2');
    });
    expect(await counted('main')).toBe(before + 5);
    await other.raw('select 1');
    expect(await counted('other')).toBe(1);
    expect(await counted('main')).toBe(before + 5);
  });
});

describe('application_name', () => {
  it("names a pool's sessions as given, so pg_stat_activity and the server's log say whose a session is", async () => {
    const named = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 }, applicationName: 'sync-dispatcher postgres' });
    const unnamed = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
    try {
      expect((await named.raw('show application_name')).rows[0].application_name).toBe('sync-dispatcher postgres');
      expect((await unnamed.raw('show application_name')).rows[0].application_name).not.toBe('sync-dispatcher postgres');
    } finally {
      await named.destroy();
      await unnamed.destroy();
    }
  });
});

describe("an idle pool's timer", () => {
  it('looks for idle connections to close every 10 s, not every second: an idle service is not woken once a second per pool', async () => {
    const db = createDatabase(stack.DATABASE_URL, { pool: { min: 1, max: 2 } });
    try {
      await db.raw('select 1');
      // tarn runs its reaping timer while the pool holds a connection; `check` is what it calls.
      const pool = (db.client as { pool: { check(): void } }).pool;
      const check = jest.spyOn(pool, 'check');
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(check).not.toHaveBeenCalled();
    } finally {
      await db.destroy();
    }
  });
});
