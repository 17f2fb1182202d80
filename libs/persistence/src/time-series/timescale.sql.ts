import { DAY_MS, type TimeSeriesTableSpec } from './time-series.tables.js';
import { quoteIdent } from './monthly-partitions.js';

/**
 * The function TimescaleDB asks for "now" on an integer time dimension: retention and compression
 * policies on BIGINT epoch-ms columns cannot run without one (`set_integer_now_func`).
 */
export const INTEGER_NOW_FUNCTION = 'tm_unix_now_ms';

export const CREATE_INTEGER_NOW_FUNCTION =
  `CREATE OR REPLACE FUNCTION ${INTEGER_NOW_FUNCTION}() RETURNS BIGINT LANGUAGE SQL STABLE ` +
  `AS $$ SELECT (extract(epoch FROM now()) * 1000)::BIGINT $$`;

/** What is already true of one table on a TimescaleDB database. */
export interface HypertableState {
  readonly hypertable: boolean;
  readonly compressionEnabled: boolean;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const daysMs = (days: number) => `${days * DAY_MS}::BIGINT`;

/**
 * Statements that turn one table into a hypertable with its policies, given its current state.
 * Every statement is idempotent (if_not_exists / if_exists / CREATE OR REPLACE) except the
 * compression switch, which is only emitted while compression is off: changing compression
 * settings once chunks are compressed is an error in TimescaleDB.
 * Retention is removed and added again so a changed setting takes effect (add_* with
 * if_not_exists keeps the old policy and only warns).
 */
export function timescaleStatements(spec: TimeSeriesTableSpec, state: HypertableState): string[] {
  const table = literal(spec.table);
  const out: string[] = [];
  if (!state.hypertable) {
    out.push(
      `SELECT create_hypertable(${table}, ${literal(spec.timeColumn)}, chunk_time_interval => ${daysMs(spec.chunkDays)}, ` +
        `if_not_exists => TRUE, migrate_data => TRUE)`,
    );
  }
  out.push(`SELECT set_integer_now_func(${table}, ${literal(INTEGER_NOW_FUNCTION)}, replace_if_exists => TRUE)`);
  if (spec.compressAfterDays !== null) {
    if (!state.compressionEnabled) {
      out.push(
        `ALTER TABLE ${quoteIdent(spec.table)} SET (timescaledb.compress, ` +
          `timescaledb.compress_segmentby = ${literal(spec.segmentBy)}, ` +
          `timescaledb.compress_orderby = ${literal(`${spec.timeColumn} DESC`)})`,
      );
    }
    out.push(`SELECT add_compression_policy(${table}, compress_after => ${daysMs(spec.compressAfterDays)}, if_not_exists => TRUE)`);
  } else if (state.compressionEnabled) {
    out.push(`SELECT remove_compression_policy(${table}, if_exists => TRUE)`);
  }
  out.push(`SELECT remove_retention_policy(${table}, if_exists => TRUE)`);
  if (spec.retentionDays !== null) {
    out.push(`SELECT add_retention_policy(${table}, drop_after => ${daysMs(spec.retentionDays)}, if_not_exists => TRUE)`);
  }
  return out;
}

/** The state of the tables of the current schema, read from TimescaleDB's information views. */
export const HYPERTABLE_STATE_SQL =
  `SELECT hypertable_name AS name, compression_enabled AS compression_enabled ` +
  `FROM timescaledb_information.hypertables WHERE hypertable_schema = current_schema()`;
