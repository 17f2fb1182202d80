import type { DataSource } from 'typeorm';
import type { OperationObserver } from '@lib/kernel';
import { openDataSource } from '../data-source/data-source.factory.js';
import { SqlEventStore } from '../events/sql-event-store.js';
import { observeDataSource } from '../sql/sql-gateway.js';
import { streamEvents } from '../testing/event-fixtures.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { decisionRecordOf, SqlDecisionRecordRepository } from './sql-decision-record-repository.js';
import { SqlPortfolioSnapshotRepository } from './sql-portfolio-snapshot-repository.js';
import { SqlPredictionRepository } from './sql-prediction-repository.js';
import type { DecisionRecord, ModelPrediction, PortfolioSnapshot, SizingDecidedPayload } from './time-series-records.types.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 31, 22); // two bars in January, the rest in February
const BTC = 'BTCUSDT-PERP.BYBIT';

function sizingPayload(i: number): SizingDecidedPayload {
  return {
    instrumentId: BTC,
    strategyId: 'ml-signal',
    prediction: i % 2 === 0 ? `0.00${i + 1}2345678901` : null,
    signal: '0.5',
    confidence: '0.731234567891',
    regime: 'Bull',
    regimeProbabilities: '0.1,0.2,0.6,0.1',
    volatility: '0.0123',
    recentIc: null,
    tier: 'BLENDED',
    tierReason: 'IC_ABOVE_FLOOR',
    kellyFraction: '0.25',
    rlFraction: i % 3 === 0 ? '0.125' : null,
    rawFraction: '0.2',
    allocationLimit: i % 2 === 0 ? '0.15' : null,
    finalFraction: `0.1${i}`,
    cuts: i % 2 === 0 ? 'ALLOCATION_LIMIT,BREAKER_HALF_OPEN' : '',
  };
}

function decisions(streamId: string, count: number): DecisionRecord[] {
  return Array.from({ length: count }, (_, i) => decisionRecordOf(streamId, T0 + i * HOUR, sizingPayload(i)));
}

function predictions(count: number): ModelPrediction[] {
  return Array.from({ length: count }, (_, i) => ({
    instrumentId: BTC,
    modelName: 'lgbm-direction',
    modelVersion: 3,
    ts: T0 + i * HOUR,
    features: [0.1 + i, -1e-300, 1 / 3, Number.NaN, 123456789.123456789, 0],
    prediction: 0.1 * i - 0.05,
  }));
}

function snapshots(streamId: string, count: number): PortfolioSnapshot[] {
  return Array.from({ length: count }, (_, i) => ({
    streamId,
    ts: T0 + i * HOUR,
    equity: `10000.${i}0000000`,
    drawdown: i * 0.01,
    grossExposure: '5000.00000000',
    netExposure: '-1250.50000000',
    positions: [{ instrumentId: BTC, netQty: `0.${i}00`, avgPx: '42000.5' }],
  }));
}

describe.each(BACKENDS)('decision, prediction and snapshot repositories on %s', (backend) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const seen: Array<{ operation: string; failed: boolean }> = [];
  const observer: OperationObserver = { observe: (operation, seconds, error) => {
    expect(seconds).toBeGreaterThanOrEqual(0);
    seen.push({ operation, failed: error !== undefined });
  } };

  beforeAll(async () => {
    db = createTestDatabase(backend);
    dataSource = await openDataSource(db.url);
    observeDataSource(dataSource, observer);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('decision records: round-trip with fractions as numbers and the payload whole; idempotent; range by instrument', async () => {
    const repo = new SqlDecisionRecordRepository(dataSource);
    const rows = decisions('run-a', 6);
    expect(rows[0]!.reasonCodes).toEqual(['ALLOCATION_LIMIT', 'BREAKER_HALF_OPEN']);
    expect(rows[0]!.confidence).toBe(0.731234567891);
    expect(await repo.insert([...rows].reverse())).toEqual({ inserted: 6, duplicates: 0, conflicts: 0 });
    expect(await repo.insert(rows)).toEqual({ inserted: 0, duplicates: 6, conflicts: 0 });
    const changed = { ...rows[2]!, finalFraction: 0.99 };
    expect(await repo.insert([changed, ...decisions('run-b', 2)])).toEqual({ inserted: 2, duplicates: 0, conflicts: 1 });

    expect(await repo.read(BTC, T0, T0 + 6 * HOUR, { streamId: 'run-a' })).toEqual(rows);
    expect(await repo.read(BTC, T0 + 2 * HOUR, T0 + 4 * HOUR, { streamId: 'run-a' })).toEqual(rows.slice(2, 4));
    const both = await repo.read(BTC, T0, T0 + HOUR);
    expect(both.map((r) => r.streamId)).toEqual(['run-a', 'run-b']);
    expect(await repo.read('ETHUSDT-PERP.BYBIT', T0, T0 + 6 * HOUR)).toEqual([]);
    expect(await repo.read(BTC, T0, T0 + 6 * HOUR, { strategyId: 'other' })).toEqual([]);
    expect(seen.map((s) => s.operation)).toEqual(expect.arrayContaining(['decisions.insert', 'decisions.read']));
    expect(seen.some((s) => s.operation === 'query')).toBe(false);
  });

  it('decision records: refuses a non-finite fraction or a comma inside a reason code before writing', async () => {
    const repo = new SqlDecisionRecordRepository(dataSource);
    const [row] = decisions('run-bad', 1);
    await expect(repo.insert([{ ...row!, kellyFraction: Number.NaN }])).rejects.toThrow(RangeError);
    await expect(repo.insert([{ ...row!, reasonCodes: ['A,B'] }])).rejects.toThrow(/comma/);
    expect(() => decisionRecordOf('x', T0, { ...sizingPayload(0), signal: 'abc' })).toThrow(/signal/);
    expect(await repo.read(BTC, 0, Number.MAX_SAFE_INTEGER, { streamId: 'run-bad' })).toEqual([]);
  });

  it('predictions: feature vectors read back bit-identical (NaN kept as missing); a different vector is a conflict', async () => {
    const repo = new SqlPredictionRepository(dataSource);
    const rows = predictions(5);
    expect(await repo.insert(rows)).toEqual({ inserted: 5, duplicates: 0, conflicts: 0 });
    const back = await repo.read(BTC, T0, T0 + 5 * HOUR);
    expect(back).toEqual(rows);
    expect(Object.is(back[0]!.features[3], Number.NaN)).toBe(true);
    expect(back[0]!.features[1]).toBe(-1e-300);
    expect(await repo.insert(rows)).toEqual({ inserted: 0, duplicates: 5, conflicts: 0 });
    const drifted = { ...rows[1]!, features: rows[1]!.features.map((v, i) => (i === 2 ? v + Number.EPSILON : v)) };
    expect(await repo.insert([drifted, { ...rows[0]!, modelVersion: 4 }])).toEqual({ inserted: 1, duplicates: 0, conflicts: 1 });
    expect(await repo.read(BTC, T0, T0 + 5 * HOUR, { modelVersion: 3 })).toEqual(rows);
    expect(await repo.read(BTC, T0, T0 + 5 * HOUR, { modelName: 'lgbm-direction', modelVersion: 4 })).toEqual([{ ...rows[0]!, modelVersion: 4 }]);
    await expect(repo.insert([{ ...rows[0]!, features: [Number.POSITIVE_INFINITY] }])).rejects.toThrow(/infinite/);
    expect(seen.map((s) => s.operation)).toEqual(expect.arrayContaining(['predictions.insert', 'predictions.read']));
  });

  it('portfolio snapshots: round-trip, idempotent, range and latest per stream', async () => {
    const repo = new SqlPortfolioSnapshotRepository(dataSource);
    const rows = snapshots('run-a', 4);
    expect(await repo.insert(rows)).toEqual({ inserted: 4, duplicates: 0, conflicts: 0 });
    expect(await repo.insert([rows[0]!, { ...rows[1]!, equity: '1.0' }])).toEqual({ inserted: 0, duplicates: 1, conflicts: 1 });
    expect(await repo.read('run-a', T0, T0 + 4 * HOUR)).toEqual(rows);
    expect(await repo.read('run-a', T0 + HOUR, T0 + 2 * HOUR)).toEqual([rows[1]]);
    expect(await repo.latest('run-a')).toEqual(rows[3]);
    expect(await repo.latest('nobody')).toBeNull();
    expect(seen.map((s) => s.operation)).toEqual(expect.arrayContaining(['snapshots.insert', 'snapshots.read']));
  });

  it('reports an append as events.append (once per append) and a failed one with its error', async () => {
    const store = new SqlEventStore(dataSource);
    await store.append(streamEvents('obs', 1, 3, 1));
    expect(seen).toEqual([{ operation: 'events.append', failed: false }]);
    await expect(store.append(streamEvents('obs', 1, 1, 1))).rejects.toThrow(/already stored/);
    expect(seen.at(-1)).toEqual({ operation: 'events.append', failed: true });
    await store.readStream('obs', 0, 10);
    expect(seen.at(-1)).toEqual({ operation: 'events.read', failed: false });
  });
});
