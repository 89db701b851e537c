import knex, { type Knex } from 'knex';

export type { Knex };

/** A small pool: each service is one process on a 2-core machine. */
export function createDatabase(url: string, pool = { min: 0, max: 5 }): Knex {
  return knex({ client: 'pg', connection: url, pool });
}

export async function databaseAnswers(db: Knex): Promise<boolean> {
  await db.raw('select 1');
  return true;
}

/** Creates the database named in the URL if it does not exist (connecting to `postgres`). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing to create database with unusual name '${name}'`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const db = createDatabase(admin.toString(), { min: 0, max: 1 });
  try {
    const found = await db.raw('select 1 from pg_database where datname = ?', [name]);
    if (found.rows.length === 0) await db.raw(`create database "${name}"`);
  } catch (error) {
    // Another process may have created it between our check and create.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await db.destroy();
  }
}
