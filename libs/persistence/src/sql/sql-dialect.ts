import type { DataSource } from 'typeorm';

/** The SQL dialects this library writes; everything else is refused at start-up. */
export type SqlDialect = 'sqlite' | 'postgres';

export function sqlDialectOf(dataSource: DataSource): SqlDialect {
  const type = dataSource.options.type;
  switch (type) {
    case 'better-sqlite3':
      return 'sqlite';
    case 'postgres':
      return 'postgres';
    default:
      throw new Error(`persistence: unsupported TypeORM driver '${type}' (expected better-sqlite3 or postgres)`);
  }
}

/**
 * Column type of a 64-bit integer. SQLite STRICT tables only know INTEGER (which is 64-bit);
 * PostgreSQL needs BIGINT, which node-postgres returns as a string (see `int64` in sql-values).
 */
export function int64Type(dialect: SqlDialect): string {
  return dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
}

/** Column type of an IEEE double: REAL is SQLite's 8-byte float, DOUBLE PRECISION PostgreSQL's float8. */
export function float64Type(dialect: SqlDialect): string {
  return dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION';
}

/** SQLite tables are STRICT so a float or a string in an integer column fails instead of being stored. */
export function tableOptions(dialect: SqlDialect, { withoutRowId = false } = {}): string {
  if (dialect === 'postgres') return '';
  return withoutRowId ? ' STRICT, WITHOUT ROWID' : ' STRICT';
}
