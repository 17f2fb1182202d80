import type { MigrationInterface, QueryRunner } from 'typeorm';
import { int64Type, tableOptions } from '../sql/sql-dialect.js';
import { migrationDialect } from './migration-dialect.js';

/** One row per run (backtest, paper or live session); JSON documents are stored as TEXT. */
export class CreateRuns1767225600001 implements MigrationInterface {
  readonly name = 'CreateRuns1767225600001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = migrationDialect(queryRunner);
    const int64 = int64Type(dialect);
    await queryRunner.query(`CREATE TABLE runs (
      run_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      strategy TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at ${int64} NOT NULL,
      finished_at ${int64} NULL,
      config TEXT NOT NULL,
      summary TEXT NULL,
      final_state TEXT NULL,
      state_hash TEXT NULL,
      event_stream_hash TEXT NULL,
      error TEXT NULL,
      CONSTRAINT pk_runs PRIMARY KEY (run_id)
    )${tableOptions(dialect)}`);
    // RunRepository.list reads most recent first.
    await queryRunner.query(`CREATE INDEX ix_runs_started_at ON runs (started_at, run_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE runs`);
  }
}
