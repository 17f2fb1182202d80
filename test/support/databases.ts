import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env.TM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DATA_DIR = process.env.TM_DATA_DIR ?? new URL('../../../shared/data', import.meta.url).pathname;

/** A fresh SQLite file in a temp folder; `dispose` removes it. */
export function tempSqlite(): { url: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tm-test-'));
  return { url: `sqlite:${join(dir, 'store.sqlite')}`, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh schema in the real PostgreSQL; `dispose` drops it. */
export function tempPostgresSchema(prefix = 'tm_test'): { url: string; dispose: () => Promise<void> } {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  return {
    url: `${POSTGRES_URL}?schema=${schema}`,
    dispose: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
