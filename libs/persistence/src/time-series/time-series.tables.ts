/** The tables kept as time series: partitioned by month (native) or hypertables (TimescaleDB) on PostgreSQL. */
export const TIME_SERIES_TABLE_NAMES = ['bars', 'decision_records', 'model_predictions', 'portfolio_snapshots'] as const;
export type TimeSeriesTable = (typeof TIME_SERIES_TABLE_NAMES)[number];

export interface TimeSeriesTableSpec {
  readonly table: TimeSeriesTable;
  /** BIGINT epoch milliseconds; the partition key and the hypertable's time dimension. */
  readonly timeColumn: string;
  /** TimescaleDB compression: the column(s) rows are grouped by inside a compressed chunk. */
  readonly segmentBy: string;
  /** TimescaleDB chunk width (native partitions are always one calendar month). */
  readonly chunkDays: number;
  /** Rows whose time is older than this are dropped (whole partitions / chunks); null keeps them forever. */
  readonly retentionDays: number | null;
  /** TimescaleDB only: chunks older than this are compressed; null never compresses. */
  readonly compressAfterDays: number | null;
}

export const DAY_MS = 86_400_000;

/**
 * Defaults. Bars are the research record and are kept forever; decisions, predictions and
 * snapshots are operational records, kept a little over a year (year-on-year comparisons).
 * Retention works on the row's own time (bar time), so a backtest over old data writes records
 * that the next maintenance drops unless their table's retention is null.
 */
export const TIME_SERIES_TABLES: { readonly [T in TimeSeriesTable]: TimeSeriesTableSpec } = {
  bars: { table: 'bars', timeColumn: 'ts_open', segmentBy: 'instrument_id', chunkDays: 30, retentionDays: null, compressAfterDays: 30 },
  decision_records: { table: 'decision_records', timeColumn: 'ts', segmentBy: 'instrument_id', chunkDays: 7, retentionDays: 400, compressAfterDays: 14 },
  model_predictions: { table: 'model_predictions', timeColumn: 'ts', segmentBy: 'instrument_id', chunkDays: 7, retentionDays: 400, compressAfterDays: 14 },
  portfolio_snapshots: { table: 'portfolio_snapshots', timeColumn: 'ts', segmentBy: 'stream_id', chunkDays: 7, retentionDays: 400, compressAfterDays: 14 },
};

/** Per-table overrides of retention and compression (null = keep forever / never compress). */
export interface TimeSeriesPolicy {
  readonly retentionDays?: Partial<Record<TimeSeriesTable, number | null>>;
  readonly compressAfterDays?: Partial<Record<TimeSeriesTable, number | null>>;
}

export function resolvedSpecs(policy: TimeSeriesPolicy = {}): TimeSeriesTableSpec[] {
  return TIME_SERIES_TABLE_NAMES.map((table) => {
    const spec = TIME_SERIES_TABLES[table];
    const retentionDays = policy.retentionDays && table in policy.retentionDays ? policy.retentionDays[table]! : spec.retentionDays;
    const compressAfterDays = policy.compressAfterDays && table in policy.compressAfterDays ? policy.compressAfterDays[table]! : spec.compressAfterDays;
    for (const [name, days] of [['retentionDays', retentionDays], ['compressAfterDays', compressAfterDays]] as const) {
      if (days !== null && !(Number.isSafeInteger(days) && days > 0)) {
        throw new RangeError(`time-series ${table}.${name} must be a positive whole number of days or null, got ${String(days)}`);
      }
    }
    return { ...spec, retentionDays, compressAfterDays };
  });
}
