import type { DataSource } from 'typeorm';
import type { InsertResult } from '@lib/kernel';
import type { JsonObject } from '@lib/model';
import { columnsOf, insertIdempotent, type CatalogTable } from '../catalog/idempotent-insert.js';
import { sqlGatewayFor, type SqlGateway } from '../sql/sql-gateway.js';
import { int64, type SqlValue } from '../sql/sql-values.js';
import { partitionManagerFor, type PartitionManager } from '../time-series/partition-manager.js';
import { assertFinite, assertTime, nullableNumber, toNumber } from './record-values.js';
import type { DecisionRecord, SizingDecidedPayload } from './time-series-records.types.js';

const DECISIONS: CatalogTable<DecisionRecord> = {
  table: 'decision_records',
  keyColumns: ['instrument_id', 'strategy_id', 'stream_id', 'ts'],
  contentColumns: [
    'tier',
    'tier_reason',
    'regime',
    'prediction',
    'signal',
    'confidence',
    'kelly_fraction',
    'rl_fraction',
    'raw_fraction',
    'allocation_limit',
    'final_fraction',
    'reason_codes',
    'payload',
  ],
  provenanceColumns: [],
  keyOf: (r) => [r.instrumentId, r.strategyId, r.streamId, r.ts],
  contentOf: (r) => [
    r.tier,
    r.tierReason,
    r.regime,
    r.prediction,
    r.signal,
    r.confidence,
    r.kellyFraction,
    r.rlFraction,
    r.rawFraction,
    r.allocationLimit,
    r.finalFraction,
    r.reasonCodes.join(','),
    JSON.stringify(r.payload),
  ],
  provenanceOf: () => [],
  fromStored: (s) => ({
    instrumentId: s.instrument_id as string,
    strategyId: s.strategy_id as string,
    streamId: s.stream_id as string,
    ts: int64(s.ts, 'decision_records.ts'),
    tier: s.tier as string,
    tierReason: s.tier_reason as string,
    regime: s.regime as string,
    prediction: nullableNumber(s.prediction),
    signal: toNumber(s.signal),
    confidence: toNumber(s.confidence),
    kellyFraction: toNumber(s.kelly_fraction),
    rlFraction: nullableNumber(s.rl_fraction),
    rawFraction: toNumber(s.raw_fraction),
    allocationLimit: nullableNumber(s.allocation_limit),
    finalFraction: toNumber(s.final_fraction),
    reasonCodes: (s.reason_codes as string) === '' ? [] : (s.reason_codes as string).split(','),
    payload: JSON.parse(s.payload as string) as JsonObject,
  }),
};
const COLUMNS = columnsOf(DECISIONS as CatalogTable<unknown>).join(', ');

export interface DecisionQuery {
  readonly strategyId?: string;
  readonly streamId?: string;
}

/**
 * Decision records on SQLite or PostgreSQL. Inserts are idempotent (the same record again is a
 * duplicate, a different one under the same key a conflict, and the stored one stays); on
 * PostgreSQL the month partitions the rows need are created first.
 */
export class SqlDecisionRecordRepository {
  private readonly writes: SqlGateway;
  private readonly reads: SqlGateway;
  private readonly partitions: PartitionManager;

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.writes = gateway.named('decisions.insert');
    this.reads = gateway.named('decisions.read');
    this.partitions = partitionManagerFor(dataSource);
  }

  async insert(records: readonly DecisionRecord[]): Promise<InsertResult> {
    if (records.length === 0) return { inserted: 0, duplicates: 0, conflicts: 0 };
    for (const r of records) {
      assertTime(r.ts, `decision ${r.instrumentId}`);
      const fractions = [r.signal, r.confidence, r.kellyFraction, r.rawFraction, r.finalFraction, r.prediction, r.rlFraction, r.allocationLimit];
      fractions.forEach((v) => v !== null && assertFinite(v, `decision ${r.instrumentId}@${r.ts}`));
      if (r.reasonCodes.some((code) => code.includes(',') || code === '')) {
        throw new RangeError(`decision ${r.instrumentId}@${r.ts}: reason codes must be non-empty and contain no comma`);
      }
    }
    return this.partitions.writeWithPartitions('decision_records', records.map((r) => r.ts), () =>
      this.writes.transaction(insertIdempotent(DECISIONS, records)),
    );
  }

  /** Records of one instrument with from <= ts < to, ascending by ts (then strategy, stream). */
  async read(instrumentId: string, fromTs: number, toTs: number, filter: DecisionQuery = {}): Promise<DecisionRecord[]> {
    const where: string[] = ['instrument_id = ?', 'ts >= ?', 'ts < ?'];
    const params: SqlValue[] = [instrumentId, fromTs, toTs];
    if (filter.strategyId !== undefined) {
      where.push('strategy_id = ?');
      params.push(filter.strategyId);
    }
    if (filter.streamId !== undefined) {
      where.push('stream_id = ?');
      params.push(filter.streamId);
    }
    const rows = await this.reads.select<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM decision_records WHERE ${where.join(' AND ')} ORDER BY ts, strategy_id, stream_id`,
      params,
    );
    return rows.map(DECISIONS.fromStored);
  }
}

/** The stored form of a `sizing.decided` event: floats parsed from its decimal strings, the payload kept whole. */
export function decisionRecordOf(streamId: string, ts: number, payload: SizingDecidedPayload): DecisionRecord {
  const num = (text: string, field: string) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new RangeError(`sizing.decided ${field} '${text}' is not a finite number`);
    return value;
  };
  const optional = (text: string | null | undefined, field: string) => (text === null || text === undefined ? null : num(text, field));
  return {
    instrumentId: payload.instrumentId,
    strategyId: payload.strategyId,
    streamId,
    ts,
    tier: payload.tier,
    tierReason: payload.tierReason,
    regime: payload.regime,
    prediction: optional(payload.prediction, 'prediction'),
    signal: num(payload.signal, 'signal'),
    confidence: num(payload.confidence, 'confidence'),
    kellyFraction: num(payload.kellyFraction, 'kellyFraction'),
    rlFraction: optional(payload.rlFraction, 'rlFraction'),
    rawFraction: num(payload.rawFraction, 'rawFraction'),
    allocationLimit: optional(payload.allocationLimit, 'allocationLimit'),
    finalFraction: num(payload.finalFraction, 'finalFraction'),
    reasonCodes: payload.cuts === '' ? [] : payload.cuts.split(','),
    payload: { ...payload } as JsonObject,
  };
}
