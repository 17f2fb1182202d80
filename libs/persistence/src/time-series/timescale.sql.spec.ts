import { CREATE_INTEGER_NOW_FUNCTION, timescaleStatements } from './timescale.sql.js';
import { resolvedSpecs, TIME_SERIES_TABLES } from './time-series.tables.js';

// TimescaleDB is not installed on the test machine: these pin the statements to the documented
// API (create_hypertable with migrate_data on an integer time column, integer_now function,
// compression segmented by instrument, compression and retention policies in epoch ms).
describe('timescaleStatements', () => {
  it('makes a plain bars table a compressed hypertable, with no retention (bars are kept forever)', () => {
    expect(timescaleStatements(TIME_SERIES_TABLES.bars, { hypertable: false, compressionEnabled: false })).toEqual([
      `SELECT create_hypertable('bars', 'ts_open', chunk_time_interval => 2592000000::BIGINT, if_not_exists => TRUE, migrate_data => TRUE)`,
      `SELECT set_integer_now_func('bars', 'tm_unix_now_ms', replace_if_exists => TRUE)`,
      `ALTER TABLE "bars" SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id', timescaledb.compress_orderby = 'ts_open DESC')`,
      `SELECT add_compression_policy('bars', compress_after => 2592000000::BIGINT, if_not_exists => TRUE)`,
      `SELECT remove_retention_policy('bars', if_exists => TRUE)`,
    ]);
  });

  it('adds a retention policy of 400 days in ms for decision records', () => {
    const statements = timescaleStatements(TIME_SERIES_TABLES.decision_records, { hypertable: false, compressionEnabled: false });
    expect(statements[0]).toBe(
      `SELECT create_hypertable('decision_records', 'ts', chunk_time_interval => 604800000::BIGINT, if_not_exists => TRUE, migrate_data => TRUE)`,
    );
    expect(statements).toContain(`SELECT add_retention_policy('decision_records', drop_after => 34560000000::BIGINT, if_not_exists => TRUE)`);
    expect(statements).toContain(`SELECT add_compression_policy('decision_records', compress_after => 1209600000::BIGINT, if_not_exists => TRUE)`);
    // Retention is replaced, not kept: add_retention_policy(if_not_exists) alone would keep an old window.
    expect(statements.indexOf(`SELECT remove_retention_policy('decision_records', if_exists => TRUE)`)).toBe(statements.length - 2);
  });

  it('on an existing compressed hypertable only re-applies the idempotent steps (settings cannot change once chunks are compressed)', () => {
    const statements = timescaleStatements(TIME_SERIES_TABLES.portfolio_snapshots, { hypertable: true, compressionEnabled: true });
    expect(statements.some((s) => s.includes('create_hypertable'))).toBe(false);
    expect(statements.some((s) => s.startsWith('ALTER TABLE'))).toBe(false);
    expect(statements).toEqual([
      `SELECT set_integer_now_func('portfolio_snapshots', 'tm_unix_now_ms', replace_if_exists => TRUE)`,
      `SELECT add_compression_policy('portfolio_snapshots', compress_after => 1209600000::BIGINT, if_not_exists => TRUE)`,
      `SELECT remove_retention_policy('portfolio_snapshots', if_exists => TRUE)`,
      `SELECT add_retention_policy('portfolio_snapshots', drop_after => 34560000000::BIGINT, if_not_exists => TRUE)`,
    ]);
  });

  it('follows per-table overrides: retention for bars, compression off', () => {
    const [bars] = resolvedSpecs({ retentionDays: { bars: 3650 }, compressAfterDays: { bars: null } });
    const statements = timescaleStatements(bars!, { hypertable: true, compressionEnabled: true });
    expect(statements).toEqual([
      `SELECT set_integer_now_func('bars', 'tm_unix_now_ms', replace_if_exists => TRUE)`,
      `SELECT remove_compression_policy('bars', if_exists => TRUE)`,
      `SELECT remove_retention_policy('bars', if_exists => TRUE)`,
      `SELECT add_retention_policy('bars', drop_after => 315360000000::BIGINT, if_not_exists => TRUE)`,
    ]);
  });

  it('defines "now" for integer time in epoch ms, as a STABLE function without arguments', () => {
    expect(CREATE_INTEGER_NOW_FUNCTION).toBe(
      `CREATE OR REPLACE FUNCTION tm_unix_now_ms() RETURNS BIGINT LANGUAGE SQL STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000)::BIGINT $$`,
    );
  });

  it('refuses a retention that is not a positive whole number of days', () => {
    expect(() => resolvedSpecs({ retentionDays: { decision_records: 0 } })).toThrow(/decision_records.retentionDays/);
    expect(() => resolvedSpecs({ retentionDays: { decision_records: 1.5 } })).toThrow(RangeError);
  });
});
