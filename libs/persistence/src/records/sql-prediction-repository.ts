import type { DataSource } from 'typeorm';
import type { InsertResult } from '@lib/kernel';
import { columnsOf, insertIdempotent, type CatalogTable } from '../catalog/idempotent-insert.js';
import { sqlGatewayFor, type SqlGateway } from '../sql/sql-gateway.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { int64, type SqlValue } from '../sql/sql-values.js';
import { partitionManagerFor, type PartitionManager } from '../time-series/partition-manager.js';
import { assertFinite, assertTime, toNumber } from './record-values.js';
import type { ModelPrediction } from './time-series-records.types.js';

/**
 * The feature vector as bound and compared: a float8[] literal on PostgreSQL (`{1,0.5,NULL}`),
 * a JSON array on SQLite. NaN (a missing value) is NULL in both. `String(x)` is the shortest
 * text that parses back to the same double, and PostgreSQL (extra_float_digits = 1) answers
 * with the same, so a vector reads back bit-identical.
 */
function encodeFeatures(dialect: SqlDialect, values: readonly number[]): string {
  if (dialect === 'postgres') return `{${values.map((v) => (Number.isNaN(v) ? 'NULL' : String(v))).join(',')}}`;
  return JSON.stringify(values.map((v) => (Number.isNaN(v) ? null : v)));
}

function decodeFeatures(stored: unknown): number[] {
  const values = (typeof stored === 'string' ? JSON.parse(stored) : stored) as Array<number | string | null>;
  return values.map((v) => (v === null ? Number.NaN : toNumber(v)));
}

function predictionsTable(dialect: SqlDialect): CatalogTable<ModelPrediction> {
  return {
    table: 'model_predictions',
    keyColumns: ['instrument_id', 'model_name', 'model_version', 'ts'],
    contentColumns: ['features', 'prediction'],
    provenanceColumns: [],
    keyOf: (r) => [r.instrumentId, r.modelName, r.modelVersion, r.ts],
    contentOf: (r) => [encodeFeatures(dialect, r.features), r.prediction],
    provenanceOf: () => [],
    fromStored: (s) => ({
      instrumentId: s.instrument_id as string,
      modelName: s.model_name as string,
      modelVersion: Number(s.model_version),
      ts: int64(s.ts, 'model_predictions.ts'),
      features: decodeFeatures(s.features),
      prediction: toNumber(s.prediction),
    }),
  };
}

export interface PredictionQuery {
  readonly modelName?: string;
  readonly modelVersion?: number;
}

/**
 * Model predictions with the feature vectors they were computed from, on SQLite or PostgreSQL.
 * Idempotent like the bar catalog: the same model on the same bar must see the same features, so
 * a different vector under a stored key is a conflict (a reproducibility alarm), never an overwrite.
 */
export class SqlPredictionRepository {
  private readonly writes: SqlGateway;
  private readonly reads: SqlGateway;
  private readonly partitions: PartitionManager;
  private readonly spec: CatalogTable<ModelPrediction>;
  private readonly columns: string;

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.writes = gateway.named('predictions.insert');
    this.reads = gateway.named('predictions.read');
    this.partitions = partitionManagerFor(dataSource);
    this.spec = predictionsTable(gateway.dialect);
    this.columns = columnsOf(this.spec as CatalogTable<unknown>).join(', ');
  }

  async insert(predictions: readonly ModelPrediction[]): Promise<InsertResult> {
    if (predictions.length === 0) return { inserted: 0, duplicates: 0, conflicts: 0 };
    for (const p of predictions) {
      const what = `prediction ${p.instrumentId} ${p.modelName}@${p.ts}`;
      assertTime(p.ts, what);
      assertFinite(p.prediction, what);
      if (!Number.isSafeInteger(p.modelVersion) || p.modelVersion < 1) throw new RangeError(`${what}: model version must be a positive integer`);
      if (p.features.some((v) => !Number.isNaN(v) && !Number.isFinite(v))) throw new RangeError(`${what}: a feature is infinite`);
    }
    return this.partitions.writeWithPartitions('model_predictions', predictions.map((p) => p.ts), () =>
      this.writes.transaction(insertIdempotent(this.spec, predictions)),
    );
  }

  /** Predictions for one instrument with from <= ts < to, ascending by ts (then model, version). */
  async read(instrumentId: string, fromTs: number, toTs: number, filter: PredictionQuery = {}): Promise<ModelPrediction[]> {
    const where: string[] = ['instrument_id = ?', 'ts >= ?', 'ts < ?'];
    const params: SqlValue[] = [instrumentId, fromTs, toTs];
    if (filter.modelName !== undefined) {
      where.push('model_name = ?');
      params.push(filter.modelName);
    }
    if (filter.modelVersion !== undefined) {
      where.push('model_version = ?');
      params.push(filter.modelVersion);
    }
    const rows = await this.reads.select<Record<string, unknown>>(
      `SELECT ${this.columns} FROM model_predictions WHERE ${where.join(' AND ')} ORDER BY ts, model_name, model_version`,
      params,
    );
    return rows.map(this.spec.fromStored);
  }
}
