import type { MigrationInterface, QueryRunner } from 'typeorm';
import { float64Type, int64Type, tableOptions } from '../sql/sql-dialect.js';
import { createPartitionSql, monthIndexOf } from '../time-series/monthly-partitions.js';
import { postgresTimeSeriesMode, type QueryRows } from '../time-series/partition-manager.js';
import { migrationDialect } from './migration-dialect.js';

/** Partitions the migrations create beyond the current month; maintenance keeps the window moving. */
export const MIGRATION_MONTHS_AHEAD = 3;

/**
 * Decision records (`sizing.decided`), model predictions with their feature vectors, and portfolio
 * snapshots. Each key ends with its time column, which is also the partition key on PostgreSQL
 * (a unique constraint of a partitioned table must include it).
 *
 * PostgreSQL without TimescaleDB: RANGE-partitioned by month on the time column, with the current
 * month and a few ahead. With TimescaleDB installed: plain tables, turned into hypertables by
 * TimeSeriesMaintenance (`create_hypertable ... migrate_data`). SQLite: plain STRICT tables.
 * JSON documents (payload, positions) are TEXT holding the bytes given, as in `runs`; the feature
 * vector is float8[] on PostgreSQL (NULL for a missing value) and a JSON array on SQLite.
 */
export class CreateDecisionsPredictionsSnapshots1767225600004 implements MigrationInterface {
  readonly name = 'CreateDecisionsPredictionsSnapshots1767225600004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = migrationDialect(queryRunner);
    const int64 = int64Type(dialect);
    const float64 = float64Type(dialect);
    const partitioned =
      dialect === 'postgres' && (await postgresTimeSeriesMode(rowsOf(queryRunner))) === 'native';
    const after = (timeColumn: string) =>
      partitioned ? ` PARTITION BY RANGE (${timeColumn})` : tableOptions(dialect, { withoutRowId: true });

    await queryRunner.query(`CREATE TABLE decision_records (
      instrument_id TEXT NOT NULL,
      strategy_id TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      ts ${int64} NOT NULL,
      tier TEXT NOT NULL,
      tier_reason TEXT NOT NULL,
      regime TEXT NOT NULL,
      prediction ${float64} NULL,
      signal ${float64} NOT NULL,
      confidence ${float64} NOT NULL,
      kelly_fraction ${float64} NOT NULL,
      rl_fraction ${float64} NULL,
      raw_fraction ${float64} NOT NULL,
      allocation_limit ${float64} NULL,
      final_fraction ${float64} NOT NULL,
      reason_codes TEXT NOT NULL,
      payload TEXT NOT NULL,
      CONSTRAINT pk_decision_records PRIMARY KEY (instrument_id, strategy_id, stream_id, ts)
    )${after('ts')}`);
    await queryRunner.query(`CREATE INDEX ix_decision_records_instrument_ts ON decision_records (instrument_id, ts)`);

    const features = dialect === 'postgres' ? 'DOUBLE PRECISION[]' : 'TEXT';
    await queryRunner.query(`CREATE TABLE model_predictions (
      instrument_id TEXT NOT NULL,
      model_name TEXT NOT NULL,
      model_version INTEGER NOT NULL,
      ts ${int64} NOT NULL,
      features ${features} NOT NULL,
      prediction ${float64} NOT NULL,
      CONSTRAINT pk_model_predictions PRIMARY KEY (instrument_id, model_name, model_version, ts)
    )${after('ts')}`);
    await queryRunner.query(`CREATE INDEX ix_model_predictions_instrument_ts ON model_predictions (instrument_id, ts)`);

    await queryRunner.query(`CREATE TABLE portfolio_snapshots (
      stream_id TEXT NOT NULL,
      ts ${int64} NOT NULL,
      equity TEXT NOT NULL,
      drawdown ${float64} NOT NULL,
      gross_exposure TEXT NOT NULL,
      net_exposure TEXT NOT NULL,
      positions TEXT NOT NULL,
      CONSTRAINT pk_portfolio_snapshots PRIMARY KEY (stream_id, ts)
    )${after('ts')}`);

    if (partitioned) {
      const current = monthIndexOf(Date.now());
      for (const table of ['decision_records', 'model_predictions', 'portfolio_snapshots']) {
        for (let m = current; m <= current + MIGRATION_MONTHS_AHEAD; m++) await queryRunner.query(createPartitionSql(table, m));
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE portfolio_snapshots`);
    await queryRunner.query(`DROP TABLE model_predictions`);
    await queryRunner.query(`DROP TABLE decision_records`);
  }
}

export function rowsOf(queryRunner: QueryRunner): QueryRows {
  return (sql) => queryRunner.query(sql) as Promise<Array<Record<string, unknown>>>;
}
