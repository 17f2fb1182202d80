import type { QueryRunner } from 'typeorm';
import { sqlDialectOf, type SqlDialect } from '../sql/sql-dialect.js';

export function migrationDialect(queryRunner: QueryRunner): SqlDialect {
  return sqlDialectOf(queryRunner.connection);
}
