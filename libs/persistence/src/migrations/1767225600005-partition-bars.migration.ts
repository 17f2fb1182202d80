import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionSql, monthIndexOf } from '../time-series/monthly-partitions.js';
import { postgresTimeSeriesMode } from '../time-series/partition-manager.js';
import { MIGRATION_MONTHS_AHEAD, rowsOf } from './1767225600004-create-decisions-predictions-snapshots.migration.js';
import { migrationDialect } from './migration-dialect.js';

const BAR_COLUMNS = `instrument_id, "interval", ts_open, open, high, low, close, volume, source`;

/**
 * PostgreSQL without TimescaleDB: `bars` becomes RANGE-partitioned by month on ts_open, keeping
 * every row. The old table is locked, renamed, copied into the partitioned one (a partition for
 * every month from its first to its last row, and the current month plus a few ahead), counted
 * against the copy and dropped, all in the migration transaction: a failure leaves the old table.
 * The primary key keeps its name and columns; it already includes ts_open, as a partitioned
 * table's unique constraint must.
 *
 * SQLite and TimescaleDB databases keep the plain table (TimeSeriesMaintenance makes it a hypertable).
 */
/** The bars table as 1767225600002 created it; partitioned or not, the same columns and key. */
const BARS_TABLE = `CREATE TABLE bars (
  instrument_id TEXT NOT NULL,
  "interval" TEXT NOT NULL,
  ts_open BIGINT NOT NULL,
  open TEXT NOT NULL,
  high TEXT NOT NULL,
  low TEXT NOT NULL,
  close TEXT NOT NULL,
  volume TEXT NOT NULL,
  source TEXT NOT NULL,
  CONSTRAINT pk_bars PRIMARY KEY (instrument_id, "interval", ts_open)
)`;

export class PartitionBars1767225600005 implements MigrationInterface {
  readonly name = 'PartitionBars1767225600005';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await appliesTo(queryRunner))) return;
    await queryRunner.query(`LOCK TABLE bars IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`ALTER TABLE bars RENAME TO bars_unpartitioned`);
    await queryRunner.query(`ALTER TABLE bars_unpartitioned RENAME CONSTRAINT pk_bars TO pk_bars_unpartitioned`);
    await queryRunner.query(`${BARS_TABLE} PARTITION BY RANGE (ts_open)`);

    const [range] = (await queryRunner.query(`SELECT MIN(ts_open) AS first, MAX(ts_open) AS last, COUNT(*) AS n FROM bars_unpartitioned`)) as Array<{
      first: string | null;
      last: string | null;
      n: string;
    }>;
    const current = monthIndexOf(Date.now());
    const months = new Set<number>();
    for (let m = current; m <= current + MIGRATION_MONTHS_AHEAD; m++) months.add(m);
    if (range?.first != null && range.last != null) {
      for (let m = monthIndexOf(Number(range.first)); m <= monthIndexOf(Number(range.last)); m++) months.add(m);
    }
    for (const m of [...months].sort((a, b) => a - b)) await queryRunner.query(createPartitionSql('bars', m));

    await queryRunner.query(`INSERT INTO bars (${BAR_COLUMNS}) SELECT ${BAR_COLUMNS} FROM bars_unpartitioned`);
    const [copied] = (await queryRunner.query(`SELECT COUNT(*) AS n FROM bars`)) as Array<{ n: string }>;
    if (copied?.n !== range?.n) {
      throw new Error(`PartitionBars: copied ${copied?.n} bars of ${range?.n}; the migration is rolled back and bars stays unpartitioned`);
    }
    await queryRunner.query(`DROP TABLE bars_unpartitioned`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!(await isPartitioned(queryRunner))) return;
    await queryRunner.query(`LOCK TABLE bars IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`ALTER TABLE bars RENAME TO bars_partitioned`);
    await queryRunner.query(`ALTER TABLE bars_partitioned RENAME CONSTRAINT pk_bars TO pk_bars_partitioned`);
    await queryRunner.query(BARS_TABLE);
    await queryRunner.query(`INSERT INTO bars (${BAR_COLUMNS}) SELECT ${BAR_COLUMNS} FROM bars_partitioned`);
    await queryRunner.query(`DROP TABLE bars_partitioned`);
  }
}

async function appliesTo(queryRunner: QueryRunner): Promise<boolean> {
  if (migrationDialect(queryRunner) !== 'postgres') return false;
  if ((await postgresTimeSeriesMode(rowsOf(queryRunner))) !== 'native') return false;
  return !(await isPartitioned(queryRunner));
}

async function isPartitioned(queryRunner: QueryRunner): Promise<boolean> {
  if (migrationDialect(queryRunner) !== 'postgres') return false;
  const rows = (await queryRunner.query(
    `SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid ` +
      `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'bars'`,
  )) as unknown[];
  return rows.length > 0;
}
