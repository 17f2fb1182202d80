import type { MigrationInterface, QueryRunner } from 'typeorm';
import { int64Type, tableOptions } from '../sql/sql-dialect.js';
import { migrationDialect } from './migration-dialect.js';

/**
 * The bar and funding catalog. Prices, volumes and rates are decimal strings exactly as received.
 * On SQLite the tables are clustered on their key (WITHOUT ROWID), which is how they are read.
 */
export class CreateMarketData1767225600002 implements MigrationInterface {
  readonly name = 'CreateMarketData1767225600002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = migrationDialect(queryRunner);
    const int64 = int64Type(dialect);
    await queryRunner.query(`CREATE TABLE bars (
      instrument_id TEXT NOT NULL,
      "interval" TEXT NOT NULL,
      ts_open ${int64} NOT NULL,
      open TEXT NOT NULL,
      high TEXT NOT NULL,
      low TEXT NOT NULL,
      close TEXT NOT NULL,
      volume TEXT NOT NULL,
      source TEXT NOT NULL,
      CONSTRAINT pk_bars PRIMARY KEY (instrument_id, "interval", ts_open)
    )${tableOptions(dialect, { withoutRowId: true })}`);
    await queryRunner.query(`CREATE TABLE funding_rates (
      instrument_id TEXT NOT NULL,
      ts ${int64} NOT NULL,
      rate TEXT NOT NULL,
      source TEXT NOT NULL,
      CONSTRAINT pk_funding_rates PRIMARY KEY (instrument_id, ts)
    )${tableOptions(dialect, { withoutRowId: true })}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE funding_rates`);
    await queryRunner.query(`DROP TABLE bars`);
  }
}
