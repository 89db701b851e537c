import { stack, uniqueName } from '@cm/test-harness';
import { createDatabase, createLogger, PgListener, waitFor, type Knex } from '../src';

/**
 * A LISTEN on a connection of its own, on the real PostgreSQL: it hears what commits, comes back
 * after its connection is killed (saying so, so its callers forget what they may have missed),
 * and leaves nothing connected once stopped.
 */
describe('PgListener', () => {
  let db: Knex;
  let admin: Knex;
  const log = createLogger('pg-listener-test', 'fatal');

  beforeAll(() => {
    db = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 2 } });
    admin = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
  });
  afterAll(async () => Promise.all([db?.destroy(), admin?.destroy()]));

  /** The backends listening on `channel`, by their last statement. */
  const listeners = async (channel: string) =>
    (await admin.raw(`SELECT pid FROM pg_stat_activity WHERE query LIKE ?`, [`%LISTEN "${channel}"%`])).rows.map((r: { pid: number }) => r.pid) as number[];

  it('hears notifications on each of its channels once they commit, not before; a pooled connection is not taken', async () => {
    const [first, second] = [uniqueName('cm_first').toLowerCase(), uniqueName('cm_second').toLowerCase()];
    const heard: string[] = [];
    let listening = 0;
    const listener = new PgListener(db, [first, second], { notified: (payload, channel) => heard.push(`${channel === first ? 'first' : 'second'}:${payload}`), listening: () => listening++ }, log, 'a test');
    listener.start();
    try {
      await waitFor('the listener to listen', async () => listener.listening, { timeoutMs: 5_000, intervalMs: 10 });
      expect(listening).toBe(1);
      expect((db.client as { pool: { numUsed(): number } }).pool.numUsed()).toBe(0);
      await db.transaction(async (trx) => {
        await trx.raw('SELECT pg_notify(?, ?)', [first, 'a']);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(heard).toEqual([]);
      });
      await admin.raw('SELECT pg_notify(?, ?)', [second, 'b']);
      await waitFor('both notifications', async () => heard.length === 2, { timeoutMs: 5_000, intervalMs: 10 });
      expect(heard).toEqual(['first:a', 'second:b']);
    } finally {
      await listener.stop();
    }
  });

  it('a killed connection is told as lost, then listened on anew within about a second, and what is sent after is heard', async () => {
    const channel = uniqueName('cm_killed').toLowerCase();
    const events: string[] = [];
    const listener = new PgListener(db, [channel], { notified: (payload) => events.push(`heard ${payload}`), listening: () => events.push('listening'), lost: () => events.push('lost') }, log, 'a test');
    listener.start();
    try {
      await waitFor('the listener to listen', async () => (await listeners(channel)).length === 1, { timeoutMs: 5_000, intervalMs: 10 });
      const [pid] = (await listeners(channel)) as [number];
      await admin.raw('SELECT pg_terminate_backend(?)', [pid]);
      await waitFor('the listener to be lost', async () => events.includes('lost'), { timeoutMs: 5_000, intervalMs: 10 });
      expect(listener.listening).toBe(false);
      const lostAt = Date.now();
      await waitFor('the listener to listen again', async () => listener.listening, { timeoutMs: 5_000, intervalMs: 10 });
      expect(Date.now() - lostAt).toBeLessThan(3_000);
      expect((await listeners(channel)).filter((p) => p !== pid)).toHaveLength(1);
      await admin.raw('SELECT pg_notify(?, ?)', [channel, 'after']);
      await waitFor('the notification after', async () => events.includes('heard after'), { timeoutMs: 5_000, intervalMs: 10 });
      expect(events).toEqual(['listening', 'lost', 'listening', 'heard after']);
    } finally {
      await listener.stop();
    }
  });

  it('stop ends its connection: while it listens, while it connects, and while it waits to connect again', async () => {
    const channel = uniqueName('cm_stopped').toLowerCase();
    const listener = new PgListener(db, [channel], { notified: () => undefined, listening: () => undefined }, log, 'a test');
    listener.start();
    await waitFor('the listener to listen', async () => (await listeners(channel)).length === 1, { timeoutMs: 5_000, intervalMs: 10 });
    await listener.stop();
    await waitFor('its connection to close', async () => (await listeners(channel)).length === 0, { timeoutMs: 5_000, intervalMs: 10 });

    // Stopped while it connects: never told it listens, and no connection stays.
    let toldListening = false;
    const connecting = new PgListener(db, [channel], { notified: () => undefined, listening: () => (toldListening = true) }, log, 'a test');
    connecting.start();
    await connecting.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(toldListening).toBe(false);
    expect(await listeners(channel)).toEqual([]);

    const waiting = new PgListener(db, [channel], { notified: () => undefined, listening: () => undefined }, log, 'a test');
    waiting.start();
    await waitFor('the listener to listen', async () => (await listeners(channel)).length === 1, { timeoutMs: 5_000, intervalMs: 10 });
    await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE ?', [`%LISTEN "${channel}"%`]);
    await waitFor('the listener to be lost', async () => !waiting.listening, { timeoutMs: 5_000, intervalMs: 10 });
    // Well into its second's wait before it connects again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = Date.now();
    await waiting.stop();
    expect(Date.now() - stopping).toBeLessThan(500);
    expect(await listeners(channel)).toEqual([]);
  });
});
