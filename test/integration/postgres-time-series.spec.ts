import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { BAR_REPOSITORY, EVENT_STORE, RUN_REPOSITORY, type BarRepository, type EventStore, type OperationObserver, type RunRecord, type RunRepository, type StoredBarRow } from '@lib/kernel';
import {
  createDataSource,
  DATA_SOURCE,
  MissingPartitionError,
  openDataSource,
  partitionManagerFor,
  PERSISTENCE_MIGRATIONS,
  PersistenceModule,
  runMigrations,
  SqlBarRepository,
  SqlDecisionRecordRepository,
  TimeSeriesMaintenance,
  type DecisionRecord,
} from '@lib/persistence';
import { sqlGatewayFor } from '../../libs/persistence/src/sql/sql-gateway.js';
import { createTestDatabase, type TestDatabase } from '../../libs/persistence/src/testing/test-databases.js';
import { monthIndexOf, partitionName } from '../../libs/persistence/src/time-series/monthly-partitions.js';

const HOUR = 3_600_000;

/** The month partitions of `table` in the DataSource's schema, by name, ascending. */
async function partitionNames(dataSource: DataSource, table: string): Promise<string[]> {
  const rows: Array<{ name: string }> = await dataSource.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = current_schema() AND p.relname = $1 ORDER BY c.relname`,
    [table],
  );
  return rows.map((r) => r.name);
}

async function isPartitioned(dataSource: DataSource, table: string): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relname = $1`,
    [table],
  );
  return rows.length > 0;
}

/** Count and an md5 over every column of every row in key order: equal before and after means no row lost or changed. */
async function barsChecksum(dataSource: DataSource): Promise<{ n: string; md5: string }> {
  const [row] = await dataSource.query(
    `SELECT COUNT(*)::text AS n, md5(string_agg(concat_ws('|', instrument_id, "interval", ts_open, open, high, low, close, volume, source), ','
       ORDER BY instrument_id, "interval", ts_open)) AS md5 FROM bars`,
  );
  return row as { n: string; md5: string };
}

const monthsAheadOf = (now: number, table: string, ahead: number) =>
  Array.from({ length: ahead + 1 }, (_, i) => partitionName(table, monthIndexOf(now) + i));

function bar(instrumentId: string, tsOpen: number): StoredBarRow {
  return { instrumentId, interval: '1h', tsOpen, open: '100.5', high: '101', low: '99.25', close: '100', volume: '12.000', source: 'test' };
}

function decision(ts: number, streamId = 'run-retention'): DecisionRecord {
  return {
    instrumentId: 'BTCUSDT-PERP.BYBIT',
    strategyId: 'ml-signal',
    streamId,
    ts,
    tier: 'FULL_RL',
    tierReason: 'OK',
    regime: 'Bull',
    prediction: 0.01,
    signal: 1,
    confidence: 0.8,
    kellyFraction: 0.25,
    rlFraction: 0.3,
    rawFraction: 0.28,
    allocationLimit: null,
    finalFraction: 0.28,
    reasonCodes: [],
    payload: { note: 'retention' },
  };
}

describe('PostgreSQL time-series storage (native monthly partitions; timescaledb is not installed here)', () => {
  const dbs: TestDatabase[] = [];
  const fresh = () => {
    const db = createTestDatabase('postgres');
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('migrates from empty into partitioned tables with the current month and 3 ahead; running again applies nothing', async () => {
    const db = fresh();
    const dataSource = createDataSource(db.url);
    try {
      expect(await runMigrations(dataSource)).toEqual(PERSISTENCE_MIGRATIONS.map((m) => new m().name));
      expect(await runMigrations(dataSource)).toEqual([]);
      for (const table of ['bars', 'decision_records', 'model_predictions', 'portfolio_snapshots']) {
        expect(await isPartitioned(dataSource, table)).toBe(true);
        expect(await partitionNames(dataSource, table)).toEqual(monthsAheadOf(Date.now(), table, 3));
      }
      // The event store keeps one table: its global seq must stay unique across all rows.
      expect(await isPartitioned(dataSource, 'events')).toBe(false);
      const detection = await partitionManagerFor(dataSource).detect();
      expect(detection.timescale).toEqual({ state: 'absent' });
      expect(detection.summary).toBe('native monthly partitions (timescaledb not available)');
    } finally {
      await dataSource.destroy();
    }
    const again = await openDataSource(db.url);
    try {
      expect(await runMigrations(again)).toEqual([]);
    } finally {
      await again.destroy();
    }
  });

  it('creates the partitions of the months a write needs; a raw write into a month without one fails with PERSISTENCE.NO_PARTITION', async () => {
    const dataSource = await openDataSource(fresh().url);
    try {
      const repo = new SqlBarRepository(dataSource);
      const old = [Date.UTC(2019, 4, 31, 23), Date.UTC(2019, 5, 1), Date.UTC(2019, 7, 15)];
      expect(await repo.insertBars(old.map((ts) => bar('BTC', ts)))).toEqual({ inserted: 3, duplicates: 0, conflicts: 0 });
      const names = await partitionNames(dataSource, 'bars');
      expect(names).toEqual(expect.arrayContaining(['bars_p201905', 'bars_p201906', 'bars_p201908']));
      expect(names).not.toContain('bars_p201907'); // only the months written, not the gap
      // Each row sits in the partition of its month.
      const [may] = await dataSource.query(`SELECT COUNT(*)::int AS n FROM bars_p201905`);
      expect(may.n).toBe(1);

      const raw = sqlGatewayFor(dataSource);
      const error = await raw
        .execute(`INSERT INTO bars (instrument_id, "interval", ts_open, open, high, low, close, volume, source) VALUES ('BTC', '1h', ?, '1', '1', '1', '1', '1', 'raw')`, [
          Date.UTC(2001, 0, 1),
        ])
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(MissingPartitionError);
      expect((error as MissingPartitionError).code).toBe('PERSISTENCE.NO_PARTITION');
      expect(await repo.readBars('BTC', '1h', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(3);
    } finally {
      await dataSource.destroy();
    }
  });

  it('two processes writing into the same new month concurrently create its partition once, and both writes land', async () => {
    const db = fresh();
    const a = await openDataSource(db.url);
    const b = await openDataSource(db.url);
    try {
      const ts = Date.UTC(2018, 2, 10);
      const [ra, rb] = await Promise.all([
        new SqlBarRepository(a).insertBars([bar('A', ts), bar('SHARED', ts)]),
        new SqlBarRepository(b).insertBars([bar('B', ts), bar('SHARED', ts)]),
      ]);
      expect(ra.inserted + rb.inserted).toBe(3);
      expect(ra.duplicates + rb.duplicates).toBe(1);
      expect((await partitionNames(a, 'bars')).filter((n) => n === 'bars_p201803')).toHaveLength(1);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('retention drops exactly the partitions wholly older than the window and keeps every row of the kept months', async () => {
    const dataSource = await openDataSource(fresh().url);
    try {
      const repo = new SqlDecisionRecordRepository(dataSource);
      const now = Date.UTC(2025, 5, 15, 12); // cutoff with 30 days: 2025-05-16 12:00
      const times = [Date.UTC(2025, 0, 10), Date.UTC(2025, 2, 31, 23), Date.UTC(2025, 3, 30, 23, 59), Date.UTC(2025, 4, 1), Date.UTC(2025, 4, 20), Date.UTC(2025, 5, 14)];
      expect((await repo.insert(times.map((ts) => decision(ts)))).inserted).toBe(6);
      const maintenance = new TimeSeriesMaintenance(dataSource, { retentionDays: { decision_records: 30, model_predictions: null, portfolio_snapshots: null } }, () => now);
      const report = await maintenance.runOnce();
      expect(report?.dropped).toEqual(['decision_records_p202501', 'decision_records_p202503', 'decision_records_p202504']);
      // Partitions ahead of the (simulated) current month were created as well.
      expect(report?.created).toEqual(expect.arrayContaining(['decision_records_p202507', 'decision_records_p202509']));
      const left = await repo.read('BTCUSDT-PERP.BYBIT', 0, Number.MAX_SAFE_INTEGER);
      expect(left.map((r) => r.ts)).toEqual(times.slice(3)); // May 1 is older than the cutoff but its month is kept whole
      // Bars are kept forever by default: no bar partition is touched.
      expect(report?.dropped.some((n) => n.startsWith('bars_'))).toBe(false);
      // A second pass finds nothing more to do.
      expect(await maintenance.runOnce()).toEqual({ created: [], dropped: [], timescale: [] });
      // Writing into a dropped month again works: the repository notices and recreates it.
      expect((await repo.insert([decision(Date.UTC(2025, 0, 11))])).inserted).toBe(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it('converts an existing plain bars table into monthly partitions without losing or changing a row', async () => {
    const db = fresh();
    const beforePartitioning = PERSISTENCE_MIGRATIONS.filter((m) => new m().name !== 'PartitionBars1767225600005');
    const old = createDataSource(db.url, { migrations: beforePartitioning });
    let before: { n: string; md5: string };
    try {
      await runMigrations(old);
      expect(await isPartitioned(old, 'bars')).toBe(false);
      // 3 instruments x 1h bars over ~14 months (30k+ rows), plus a 4h series.
      await old.query(`INSERT INTO bars (instrument_id, "interval", ts_open, open, high, low, close, volume, source)
        SELECT 'I' || i, '1h', ${Date.UTC(2023, 10, 3)}::bigint + h::bigint * ${HOUR}, (100 + h % 97)::text || '.5', '101', '99', (100 + h % 89)::text, (h % 13)::text || '.000', 'seed'
        FROM generate_series(1, 3) AS i, generate_series(0, 10200) AS h`);
      await old.query(`INSERT INTO bars (instrument_id, "interval", ts_open, open, high, low, close, volume, source)
        SELECT 'I1', '4h', ${Date.UTC(2023, 10, 3)}::bigint + h::bigint * ${4 * HOUR}, '1', '2', '0.5', '1.5', '7', 'seed' FROM generate_series(0, 2000) AS h`);
      before = await barsChecksum(old);
      expect(Number(before.n)).toBe(3 * 10201 + 2001);
    } finally {
      await old.destroy();
    }

    const migrated = createDataSource(db.url);
    try {
      expect(await runMigrations(migrated)).toEqual(['PartitionBars1767225600005']);
      expect(await isPartitioned(migrated, 'bars')).toBe(true);
      expect(await barsChecksum(migrated)).toEqual(before);
      const names = await partitionNames(migrated, 'bars');
      for (const month of ['bars_p202311', 'bars_p202406', 'bars_p202412', 'bars_p202501', ...monthsAheadOf(Date.now(), 'bars', 3)]) {
        expect(names).toContain(month);
      }
      const [pk] = await migrated.query(
        `SELECT pg_get_constraintdef(co.oid) AS def FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relname = 'bars' AND co.conname = 'pk_bars'`,
      );
      expect(pk.def).toBe('PRIMARY KEY (instrument_id, "interval", ts_open)');
      const leftovers: unknown[] = await migrated.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'bars_unpartitioned'`);
      expect(leftovers).toEqual([]);
      // The key still refuses a repeat (ON CONFLICT works on the partitioned table).
      const repo = new SqlBarRepository(migrated);
      const first = (await repo.readBars('I2', '1h', 0, Number.MAX_SAFE_INTEGER)).slice(0, 2);
      expect(await repo.insertBars(first)).toEqual({ inserted: 0, duplicates: 2, conflicts: 0 });

      // And back: reverting the migration keeps every row too.
      await migrated.undoLastMigration();
      expect(await isPartitioned(migrated, 'bars')).toBe(false);
      expect(await barsChecksum(migrated)).toEqual(before);
    } finally {
      await migrated.destroy();
    }
  });

  it('PersistenceModule.forRoot({ url, observer }): logs the storage path at bootstrap and reports every operation by name', async () => {
    const db = fresh();
    const seen: Array<{ operation: string; failed: boolean }> = [];
    const observer: OperationObserver = { observe: (operation, _seconds, error) => void seen.push({ operation, failed: error !== undefined }) };
    const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [PersistenceModule.forRoot({ url: db.url, observer, timeSeries: { monthsAhead: 5, intervalMs: 60_000 } })],
    }).compile();
    const app = await moduleRef.init();
    try {
      expect(logged.mock.calls.map((c) => String(c[0]))).toContain('time-series storage: native monthly partitions (timescaledb not available)');
      const dataSource = app.get<DataSource>(DATA_SOURCE);
      expect(await partitionNames(dataSource, 'portfolio_snapshots')).toEqual(monthsAheadOf(Date.now(), 'portfolio_snapshots', 5));
      expect(seen.some((s) => s.operation === 'partitions.maintain')).toBe(true);

      seen.length = 0;
      await app.get<EventStore>(EVENT_STORE).append([
        { seq: 1, eventId: 'e1', streamId: 's', streamSeq: 1, type: 't', version: 1, tsEvent: 1, correlationId: 'c', causationId: null, payload: '{}' },
      ]);
      await app.get<BarRepository>(BAR_REPOSITORY).insertBars([bar('BTC', Date.UTC(2017, 0, 5))]);
      const runs = app.get<RunRepository>(RUN_REPOSITORY);
      const run: RunRecord = { runId: 'r1', mode: 'backtest', strategy: 's', status: 'RUNNING', startedAt: 1, finishedAt: null, config: {}, summary: null, finalState: null, stateHash: null, eventStreamHash: null, error: null };
      await runs.create(run);
      await expect(runs.create(run)).rejects.toThrow(/already exists/);
      await runs.update('r1', { status: 'COMPLETED' });
      await app.get(SqlDecisionRecordRepository).insert([decision(Date.UTC(2017, 0, 5))]);
      expect(seen).toEqual([
        { operation: 'events.append', failed: false },
        // The bootstrap pass already cached which months exist: one transaction creates 2017-01.
        { operation: 'partitions.ensure', failed: false },
        { operation: 'bars.insert', failed: false },
        { operation: 'runs.create', failed: false },
        { operation: 'runs.create', failed: true },
        { operation: 'runs.update', failed: false },
        { operation: 'partitions.ensure', failed: false },
        { operation: 'decisions.insert', failed: false },
      ]);
      expect(app.get(TimeSeriesMaintenance)).toBeInstanceOf(TimeSeriesMaintenance);
    } finally {
      await app.close();
      logged.mockRestore();
    }
  });
});
