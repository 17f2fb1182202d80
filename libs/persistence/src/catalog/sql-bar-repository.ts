import type { DataSource } from 'typeorm';
import type { BarRepository, InsertResult, StoredBarRow, StoredFundingRow } from '@lib/kernel';
import { sqlGatewayFor, type SqlGateway } from '../sql/sql-gateway.js';
import { int64, nullableInt64 } from '../sql/sql-values.js';
import { partitionManagerFor, type PartitionManager } from '../time-series/partition-manager.js';
import { columnsOf, insertIdempotent, type CatalogTable } from './idempotent-insert.js';

const BARS: CatalogTable<StoredBarRow> = {
  table: 'bars',
  keyColumns: ['instrument_id', '"interval"', 'ts_open'],
  contentColumns: ['open', 'high', 'low', 'close', 'volume'],
  provenanceColumns: ['source'],
  keyOf: (r) => [r.instrumentId, r.interval, r.tsOpen],
  contentOf: (r) => [r.open, r.high, r.low, r.close, r.volume],
  provenanceOf: (r) => [r.source],
  fromStored: (s) => ({
    instrumentId: s.instrument_id as string,
    interval: s.interval as string,
    tsOpen: int64(s.ts_open, 'bars.ts_open'),
    open: s.open as string,
    high: s.high as string,
    low: s.low as string,
    close: s.close as string,
    volume: s.volume as string,
    source: s.source as string,
  }),
};

const FUNDING: CatalogTable<StoredFundingRow> = {
  table: 'funding_rates',
  keyColumns: ['instrument_id', 'ts'],
  contentColumns: ['rate'],
  provenanceColumns: ['source'],
  keyOf: (r) => [r.instrumentId, r.ts],
  contentOf: (r) => [r.rate],
  provenanceOf: (r) => [r.source],
  fromStored: (s) => ({
    instrumentId: s.instrument_id as string,
    ts: int64(s.ts, 'funding_rates.ts'),
    rate: s.rate as string,
    source: s.source as string,
  }),
};

const BAR_COLUMNS = columnsOf(BARS as CatalogTable<unknown>).join(', ');
const FUNDING_COLUMNS = columnsOf(FUNDING as CatalogTable<unknown>).join(', ');

/**
 * The bar and funding catalog on SQLite or PostgreSQL. Each insert call is one transaction;
 * a stored row is never overwritten (a different row under the same key is counted as a conflict).
 * On PostgreSQL with monthly partitions, the partitions of the months written are created first.
 */
export class SqlBarRepository implements BarRepository {
  private readonly gateway: SqlGateway;
  private readonly writes: { bars: SqlGateway; funding: SqlGateway };
  private readonly partitions: PartitionManager;

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.gateway = gateway.named('bars.read');
    this.writes = { bars: gateway.named('bars.insert'), funding: gateway.named('funding.insert') };
    this.partitions = partitionManagerFor(dataSource);
  }

  async insertBars(rows: readonly StoredBarRow[]): Promise<InsertResult> {
    rows.forEach((row) => assertTime(row.tsOpen, 'tsOpen', row.instrumentId));
    if (rows.length === 0) return { inserted: 0, duplicates: 0, conflicts: 0 };
    return this.partitions.writeWithPartitions('bars', rows.map((row) => row.tsOpen), () => this.insert(this.writes.bars, BARS, rows));
  }

  async readBars(instrumentId: string, interval: string, fromTsOpen: number, toTsOpen: number): Promise<StoredBarRow[]> {
    const rows = await this.gateway.select<Record<string, unknown>>(
      `SELECT ${BAR_COLUMNS} FROM bars WHERE instrument_id = ? AND "interval" = ? AND ts_open >= ? AND ts_open < ? ORDER BY ts_open`,
      [instrumentId, interval, fromTsOpen, toTsOpen],
    );
    return rows.map(BARS.fromStored);
  }

  async lastTsOpen(instrumentId: string, interval: string): Promise<number | null> {
    const [row] = await this.gateway.select<{ last: unknown }>('SELECT MAX(ts_open) AS last FROM bars WHERE instrument_id = ? AND "interval" = ?', [
      instrumentId,
      interval,
    ]);
    return nullableInt64(row?.last, 'bars.ts_open');
  }

  async insertFunding(rows: readonly StoredFundingRow[]): Promise<InsertResult> {
    rows.forEach((row) => assertTime(row.ts, 'ts', row.instrumentId));
    return this.insert(this.writes.funding, FUNDING, rows);
  }

  async readFunding(instrumentId: string, fromTs: number, toTs: number): Promise<StoredFundingRow[]> {
    const rows = await this.gateway.select<Record<string, unknown>>(
      `SELECT ${FUNDING_COLUMNS} FROM funding_rates WHERE instrument_id = ? AND ts >= ? AND ts < ? ORDER BY ts`,
      [instrumentId, fromTs, toTs],
    );
    return rows.map(FUNDING.fromStored);
  }

  private async insert<Row>(gateway: SqlGateway, spec: CatalogTable<Row>, rows: readonly Row[]): Promise<InsertResult> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0, conflicts: 0 };
    return gateway.transaction(insertIdempotent(spec, rows));
  }
}

/** A fractional or unsafe timestamp is corrupt input: refuse it before anything is written. */
function assertTime(ts: number, field: string, instrumentId: string): void {
  if (!Number.isSafeInteger(ts)) throw new RangeError(`${instrumentId}: ${field} must be an integer number of ms, got ${ts}`);
}
