import { NestFactory } from '@nestjs/core';
import { DATA_SOURCE, PersistenceModule, SqlPortfolioSnapshotRepository } from '@lib/persistence';
import type { DataSource } from 'typeorm';
import { runBacktest } from '../support/run-backtest.js';
import { readRunEvents } from '../support/read-events.js';
import { tempPostgresSchema, tempSqlite } from '../support/databases.js';

/**
 * Every run projects its portfolio at each bar timestamp into portfolio_snapshots (a monthly
 * partitioned table on PostgreSQL). The projection must agree with the stored events: one row per
 * bar timestamp, the last one equal to the run's final equity, and positions that match.
 */
describe('run records: portfolio snapshots of a real backtest', () => {
  const REQUEST = { instruments: ['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT'], from: Date.parse('2023-01-01T00:00:00Z'), to: Date.parse('2023-07-01T00:00:00Z') };

  async function check(url: string, snapshotIntervalMs = 4 * 3600_000): Promise<void> {
    const run = await runBacktest(url, REQUEST, { records: { snapshotIntervalMs } });
    const runId = run.outcome.summary.runId;
    const events = await readRunEvents(url, runId);
    const barTimes = [...new Set(events.filter((e) => e.type === 'bar.closed').map((e) => e.tsEvent))].sort((a, b) => a - b);
    expect(barTimes.length).toBeGreaterThan(1000);

    const app = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url, timeSeries: false }), { logger: false });
    try {
      const snapshots = await app.get(SqlPortfolioSnapshotRepository).read(runId, 0, Number.MAX_SAFE_INTEGER);
      if (snapshotIntervalMs <= 4 * 3600_000) {
        expect(snapshots.map((s) => s.ts)).toEqual(barTimes); // 4h bars: every bar time
      } else {
        // Every interval of market time, always on a bar time, and the run's last bar time.
        const stamps = snapshots.map((s) => s.ts);
        const bars = new Set(barTimes);
        expect(stamps.every((ts) => bars.has(ts))).toBe(true);
        expect(stamps.at(-1)).toBe(barTimes.at(-1));
        for (let i = 1; i < stamps.length - 1; i++) expect(stamps[i]! - stamps[i - 1]!).toBe(snapshotIntervalMs);
        expect(stamps.length).toBeGreaterThanOrEqual(Math.floor((barTimes.at(-1)! - barTimes[0]!) / snapshotIntervalMs));
      }
      const last = snapshots.at(-1)!;
      expect(Number(last.equity)).toBeCloseTo(Number.parseFloat(run.outcome.summary.finalEquity), 2);
      // Drawdown per snapshot equals the equity curve's at that time.
      const curve = new Map(run.outcome.equityCurve.map((p) => [p.ts, p.drawdown]));
      for (const s of snapshots) expect(s.drawdown).toBeCloseTo(curve.get(s.ts)!, 12);
      const maxDrawdown = Math.max(...snapshots.map((s) => s.drawdown));
      expect(maxDrawdown).toBeGreaterThan(0);
      // Some snapshots hold positions, and exposure is consistent with them.
      const invested = snapshots.filter((s) => Array.isArray(s.positions) && s.positions.length > 0);
      expect(invested.length).toBeGreaterThan(snapshots.length / 10);
      for (const s of invested) expect(Number(s.grossExposure)).toBeGreaterThanOrEqual(Math.abs(Number(s.netExposure)) - 1e-6);

      if (url.startsWith('postgres')) {
        // Stored in monthly partitions created for the months of the data.
        const dataSource = app.get<DataSource>(DATA_SOURCE);
        const rows = (await dataSource.query(
          `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace ns ON ns.oid = p.relnamespace
            WHERE p.relname = 'portfolio_snapshots' AND ns.nspname = current_schema()`,
        )) as { n: number }[];
        expect(rows[0]!.n).toBeGreaterThanOrEqual(6);
      }
    } finally {
      await app.close();
    }
  }

  it('on PostgreSQL (partitioned tables)', async () => {
    const db = tempPostgresSchema('tm_records');
    try {
      await check(db.url);
    } finally {
      await db.dispose();
    }
  }, 180_000);

  it('on the embedded SQLite store, one snapshot a day', async () => {
    const db = tempSqlite();
    try {
      await check(db.url, 86_400_000);
    } finally {
      db.dispose();
    }
  }, 180_000);
});
