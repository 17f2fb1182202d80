import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, type MigrationInterface } from 'typeorm';
import { PERSISTENCE_ENTITIES } from '../entities/persistence.entities.js';
import { PERSISTENCE_MIGRATIONS } from '../migrations/persistence.migrations.js';
import { parseDatabaseUrl, SQLITE_MEMORY, type DatabaseTarget } from './database-url.js';

const MIGRATIONS_TABLE = 'migrations';
const SQLITE_CACHE_KIB = 64 * 1024;
const SQLITE_CHECKPOINT_PAGES = 16_384; // 64 MiB of 4 KiB pages
const SQLITE_WAL_LIMIT_BYTES = 128 * 1024 * 1024;
/** Any constant shared by every process that migrates the same PostgreSQL database. */
const MIGRATION_LOCK_KEY = 0x746d_6d69; // 'tmmi'

/**
 * A TypeORM DataSource for `sqlite:<path>`, `sqlite::memory:` or `postgres(ql)://...?schema=name`,
 * not yet initialized. The schema is never synchronized from the entities: call `runMigrations`.
 */
export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  const target = parseDatabaseUrl(url);
  const migrations = [...(options.migrations ?? PERSISTENCE_MIGRATIONS)];
  return target.kind === 'sqlite' ? sqliteDataSource(target.path, migrations) : postgresDataSource(target, migrations);
}

export interface DataSourceOptions {
  /** The migrations known to this DataSource; default all. Tests pass a prefix to build an older schema. */
  readonly migrations?: ReadonlyArray<new () => MigrationInterface>;
}

/** Creates, connects and migrates: what an application needs before its first query. */
export async function openDataSource(url: string): Promise<DataSource> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}

/**
 * Applies pending migrations (initializing the DataSource first if needed) and returns the names
 * of those applied; running it again applies nothing. On PostgreSQL the configured schema is created
 * first and an advisory lock keeps two processes from migrating at once.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  if (dataSource.options.type !== 'postgres') return applyPending(dataSource);
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      const schema = dataSource.options.schema;
      if (schema) await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      return await applyPending(dataSource);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await lock.release();
  }
}

async function applyPending(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'all' });
  return applied.map((m) => m.name);
}

function sqliteDataSource(path: string, migrations: Array<new () => MigrationInterface>): DataSource {
  // TypeORM would create the folder too, but only when connecting; failing here names the path.
  if (path !== SQLITE_MEMORY) mkdirSync(dirname(path), { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: path,
    enableWAL: true,
    prepareDatabase: (db: BetterSqlite3.Database) => {
      // WAL + NORMAL: a commit survives a process crash; an OS crash may lose the last
      // transactions but never corrupts the file.
      db.pragma('synchronous = NORMAL');
      // Event ids are hashes, so every batch touches pages all over the event_id index: a large
      // cache keeps them in memory, and a larger checkpoint interval lets repeated writes of the
      // same page coalesce in the WAL before it is copied back (measured ~1.5x on appends).
      db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      db.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${SQLITE_WAL_LIMIT_BYTES}`);
    },
    entities: PERSISTENCE_ENTITIES,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  });
}

function postgresDataSource(target: Extract<DatabaseTarget, { kind: 'postgres' }>, migrations: Array<new () => MigrationInterface>): DataSource {
  return new DataSource({
    type: 'postgres',
    url: target.url,
    applicationName: 'trade-matrix',
    ...(target.schema ? { schema: target.schema } : {}),
    // Unqualified statements (the stores' raw SQL) must resolve to the configured schema only:
    // falling through to `public` would silently read another deployment's tables.
    extra: target.schema ? { options: `-c search_path=${target.schema}` } : {},
    entities: PERSISTENCE_ENTITIES,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  });
}
