import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The real PostgreSQL the contract suite runs against (trust auth on the test machine). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Backend = 'sqlite' | 'postgres';

/** A private, empty database for one test file: a temp SQLite file or a fresh PostgreSQL schema. */
export interface TestDatabase {
  readonly backend: Backend;
  readonly url: string;
  /** PostgreSQL only: the schema, also the application_name of this file's connections. */
  readonly schema: string | null;
  /** Deletes everything the tests wrote. */
  drop(): Promise<void>;
}

export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

export function createTestDatabase(backend: Backend): TestDatabase {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tm-persistence-'));
    return {
      backend,
      url: `sqlite:${join(dir, 'test.sqlite')}`,
      schema: null,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `tm_${randomBytes(6).toString('hex')}`;
  const separator = TEST_POSTGRES_URL.includes('?') ? '&' : '?';
  return {
    backend,
    url: `${TEST_POSTGRES_URL}${separator}schema=${schema}&application_name=${schema}`,
    schema,
    drop: async () => {
      await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
}

/** Closes every server connection opened for `schema` (simulates a restart or a network cut). */
export function terminatePostgresConnections(schema: string): Promise<number> {
  return withPostgres(async (client) => {
    const result = await client.query<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [schema],
    );
    return result.rowCount ?? 0;
  });
}

/** A connection of its own into `schema` (for holding locks against the code under test). */
export async function connectPostgres(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

/** Resolves once a connection of `schema` waits for a lock (polls pg_stat_activity). */
export async function waitForLockWait(schema: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const waiting = await withPostgres((client) =>
      client.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [schema]),
    );
    if ((waiting.rowCount ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no connection of ${schema} started waiting for a lock within ${timeoutMs} ms`);
}

async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
