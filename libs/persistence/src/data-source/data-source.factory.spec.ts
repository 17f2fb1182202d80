import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { PERSISTENCE_MIGRATIONS } from '../migrations/persistence.migrations.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { createDataSource, openDataSource, runMigrations } from './data-source.factory.js';

const TABLES = ['bars', 'decision_records', 'events', 'funding_rates', 'model_predictions', 'model_stage_history', 'model_versions', 'portfolio_snapshots', 'registered_models', 'runs'];

async function tablesOf(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)
      : await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  return rows.map((r) => r.name).filter((name) => TABLES.includes(name)).sort();
}

describe.each(BACKENDS)('migrations on %s', (backend) => {
  let db: TestDatabase;

  beforeAll(() => {
    db = createTestDatabase(backend);
  });
  afterAll(() => db.drop());

  it('create every table once; running them again applies nothing', async () => {
    const dataSource = createDataSource(db.url);
    try {
      expect(dataSource.isInitialized).toBe(false);
      expect(await runMigrations(dataSource)).toEqual(PERSISTENCE_MIGRATIONS.map((m) => new m().name));
      expect(await runMigrations(dataSource)).toEqual([]);
      expect(await tablesOf(dataSource)).toEqual(TABLES);
    } finally {
      await dataSource.destroy();
    }
    // A second process (a restart) finds nothing to do either.
    const again = await openDataSource(db.url);
    try {
      expect(await runMigrations(again)).toEqual([]);
      expect(await tablesOf(again)).toEqual(TABLES);
    } finally {
      await again.destroy();
    }
  });

  it('can be reverted down to nothing and applied again', async () => {
    const dataSource = await openDataSource(db.url);
    try {
      for (let i = 0; i < PERSISTENCE_MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      expect(await tablesOf(dataSource)).toEqual([]);
      expect((await runMigrations(dataSource)).length).toBe(PERSISTENCE_MIGRATIONS.length);
      expect(await tablesOf(dataSource)).toEqual(TABLES);
    } finally {
      await dataSource.destroy();
    }
  });

  it('never synchronizes the schema from the entities', () => {
    const dataSource = createDataSource(db.url);
    expect(dataSource.options.synchronize).toBe(false);
    expect(dataSource.options.migrationsRun).toBe(false);
  });
});

describe('SQLite data source', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-ds-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder of the database file and runs in WAL mode with synchronous=NORMAL', async () => {
    const path = join(dir, 'nested', 'deeper', 'tm.sqlite');
    const dataSource = await openDataSource(`sqlite:${path}`);
    try {
      expect(existsSync(path)).toBe(true);
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('opens an in-memory database', async () => {
    const dataSource = await openDataSource('sqlite::memory:');
    try {
      expect(await tablesOf(dataSource)).toEqual(TABLES);
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses a float in an integer column (STRICT tables)', async () => {
    const dataSource = await openDataSource('sqlite::memory:');
    try {
      await expect(dataSource.query(`INSERT INTO funding_rates (instrument_id, ts, rate, source) VALUES ('X', 1.5, '0.1', 's')`)).rejects.toThrow(/cannot store REAL/);
    } finally {
      await dataSource.destroy();
    }
  });
});

describe('PostgreSQL data source', () => {
  let db: TestDatabase;
  beforeAll(() => {
    db = createTestDatabase('postgres');
  });
  afterAll(() => db.drop());

  it('creates the schema named in the URL and keeps every table in it', async () => {
    const dataSource = await openDataSource(db.url);
    try {
      const [{ schema }] = await dataSource.query(`SELECT current_schema() AS schema`);
      expect(schema).toBe(db.schema);
      const rows: Array<{ table_name: string }> = await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [db.schema]);
      // Monthly partitions (bars_p202401...) are tables too; the partitioned parents are what is asserted here.
      expect(rows.map((r) => r.table_name).filter((name) => !/_p\d{6}$/.test(name))).toEqual(['migrations', ...TABLES].sort());
    } finally {
      await dataSource.destroy();
    }
  });

  it('has entities that match the migrations exactly (nothing for TypeORM to synchronize)', async () => {
    const dataSource = await openDataSource(db.url);
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('migrates safely when two processes start at once', async () => {
    const other = createTestDatabase('postgres');
    try {
      const [a, b] = await Promise.all([openDataSource(other.url), openDataSource(other.url)]);
      try {
        expect(await tablesOf(a)).toEqual(TABLES);
        const [{ n }] = await a.query(`SELECT COUNT(*)::int AS n FROM migrations`);
        expect(n).toBe(PERSISTENCE_MIGRATIONS.length);
      } finally {
        await Promise.all([a.destroy(), b.destroy()]);
      }
    } finally {
      await other.drop();
    }
  });
});
