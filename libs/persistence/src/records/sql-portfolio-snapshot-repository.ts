import type { DataSource } from 'typeorm';
import type { InsertResult } from '@lib/kernel';
import type { JsonValue } from '@lib/model';
import { columnsOf, insertIdempotent, type CatalogTable } from '../catalog/idempotent-insert.js';
import { sqlGatewayFor, type SqlGateway } from '../sql/sql-gateway.js';
import { int64 } from '../sql/sql-values.js';
import { partitionManagerFor, type PartitionManager } from '../time-series/partition-manager.js';
import { assertFinite, assertTime, toNumber } from './record-values.js';
import type { PortfolioSnapshot } from './time-series-records.types.js';

const SNAPSHOTS: CatalogTable<PortfolioSnapshot> = {
  table: 'portfolio_snapshots',
  keyColumns: ['stream_id', 'ts'],
  contentColumns: ['equity', 'drawdown', 'gross_exposure', 'net_exposure', 'positions'],
  provenanceColumns: [],
  keyOf: (s) => [s.streamId, s.ts],
  contentOf: (s) => [s.equity, s.drawdown, s.grossExposure, s.netExposure, JSON.stringify(s.positions)],
  provenanceOf: () => [],
  fromStored: (s) => ({
    streamId: s.stream_id as string,
    ts: int64(s.ts, 'portfolio_snapshots.ts'),
    equity: s.equity as string,
    drawdown: toNumber(s.drawdown),
    grossExposure: s.gross_exposure as string,
    netExposure: s.net_exposure as string,
    positions: JSON.parse(s.positions as string) as JsonValue,
  }),
};
const COLUMNS = columnsOf(SNAPSHOTS as CatalogTable<unknown>).join(', ');

/** Portfolio snapshots per run or live stream; idempotent inserts, month partitions ensured first on PostgreSQL. */
export class SqlPortfolioSnapshotRepository {
  private readonly writes: SqlGateway;
  private readonly reads: SqlGateway;
  private readonly partitions: PartitionManager;

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.writes = gateway.named('snapshots.insert');
    this.reads = gateway.named('snapshots.read');
    this.partitions = partitionManagerFor(dataSource);
  }

  async insert(snapshots: readonly PortfolioSnapshot[]): Promise<InsertResult> {
    if (snapshots.length === 0) return { inserted: 0, duplicates: 0, conflicts: 0 };
    for (const s of snapshots) {
      assertTime(s.ts, `snapshot ${s.streamId}`);
      assertFinite(s.drawdown, `snapshot ${s.streamId}@${s.ts} drawdown`);
    }
    return this.partitions.writeWithPartitions('portfolio_snapshots', snapshots.map((s) => s.ts), () =>
      this.writes.transaction(insertIdempotent(SNAPSHOTS, snapshots)),
    );
  }

  /** Snapshots of one stream with from <= ts < to, ascending. */
  async read(streamId: string, fromTs: number, toTs: number): Promise<PortfolioSnapshot[]> {
    const rows = await this.reads.select<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM portfolio_snapshots WHERE stream_id = ? AND ts >= ? AND ts < ? ORDER BY ts`,
      [streamId, fromTs, toTs],
    );
    return rows.map(SNAPSHOTS.fromStored);
  }

  /** The most recent snapshot of a stream (for a restart), or null. */
  async latest(streamId: string): Promise<PortfolioSnapshot | null> {
    const [row] = await this.reads.select<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM portfolio_snapshots WHERE stream_id = ? ORDER BY ts DESC LIMIT 1`,
      [streamId],
    );
    return row ? SNAPSHOTS.fromStored(row) : null;
  }
}
