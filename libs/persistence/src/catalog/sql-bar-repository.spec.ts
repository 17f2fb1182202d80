import type { DataSource } from 'typeorm';
import type { StoredBarRow, StoredFundingRow } from '@lib/kernel';
import { openDataSource } from '../data-source/data-source.factory.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { SqlBarRepository } from './sql-bar-repository.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function bars(instrumentId: string, count: number, { interval = '1h', from = T0, source = 'bybit' } = {}): StoredBarRow[] {
  return Array.from({ length: count }, (_, i) => ({
    instrumentId,
    interval,
    tsOpen: from + i * HOUR,
    open: `4200${i}.10`,
    high: `4210${i}.00`,
    low: `4190${i}.5`,
    close: `4205${i}.25`,
    volume: `${i}.000`,
    source,
  }));
}

function funding(instrumentId: string, count: number, { from = T0, source = 'bybit' } = {}): StoredFundingRow[] {
  return Array.from({ length: count }, (_, i) => ({ instrumentId, ts: from + i * 8 * HOUR, rate: `0.000${i + 1}00`, source }));
}

describe.each(BACKENDS)('SqlBarRepository on %s', (backend) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repo: SqlBarRepository;

  beforeAll(async () => {
    db = createTestDatabase(backend);
    dataSource = await openDataSource(db.url);
    repo = new SqlBarRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  describe('bars', () => {
    it('inserts and reads back ascending within [from, to), decimal strings untouched', async () => {
      const rows = bars('BTCUSDT-PERP.BYBIT', 10);
      expect(await repo.insertBars([...rows].reverse())).toEqual({ inserted: 10, duplicates: 0, conflicts: 0 });
      expect(await repo.readBars('BTCUSDT-PERP.BYBIT', '1h', T0, T0 + 10 * HOUR)).toEqual(rows);
      expect(await repo.readBars('BTCUSDT-PERP.BYBIT', '1h', T0 + 2 * HOUR, T0 + 5 * HOUR)).toEqual(rows.slice(2, 5));
      expect(await repo.readBars('BTCUSDT-PERP.BYBIT', '4h', T0, T0 + 10 * HOUR)).toEqual([]);
      expect(await repo.readBars('ETHUSDT-PERP.BYBIT', '1h', T0, T0 + 10 * HOUR)).toEqual([]);
      expect(await repo.lastTsOpen('BTCUSDT-PERP.BYBIT', '1h')).toBe(T0 + 9 * HOUR);
      expect(await repo.lastTsOpen('BTCUSDT-PERP.BYBIT', '4h')).toBeNull();
    });

    it('is idempotent: the same rows again are duplicates', async () => {
      const rows = bars('ETHUSDT-PERP.BYBIT', 5);
      await repo.insertBars(rows);
      expect(await repo.insertBars(rows)).toEqual({ inserted: 0, duplicates: 5, conflicts: 0 });
      // Same market data from another source is not a disagreement.
      expect(await repo.insertBars(rows.map((r) => ({ ...r, source: 'csv' })))).toEqual({ inserted: 0, duplicates: 5, conflicts: 0 });
      expect(await repo.readBars('ETHUSDT-PERP.BYBIT', '1h', T0, T0 + 5 * HOUR)).toEqual(rows);
    });

    it('never overwrites: a different row under a stored key is a conflict and the stored one stays', async () => {
      const rows = bars('SOLUSDT-PERP.BYBIT', 4);
      await repo.insertBars(rows.slice(0, 2));
      const changed = { ...rows[1]!, close: '1.00' };
      // Also "100.0" vs "100.00": the strings are the data, not their numeric value.
      const respelled = { ...rows[0]!, open: `${rows[0]!.open}0` };
      expect(await repo.insertBars([respelled, changed, rows[2]!, rows[3]!])).toEqual({ inserted: 2, duplicates: 0, conflicts: 2 });
      expect(await repo.readBars('SOLUSDT-PERP.BYBIT', '1h', T0, T0 + 4 * HOUR)).toEqual(rows);
    });

    it('judges a key repeated inside one call against its first occurrence', async () => {
      const [a, b] = bars('XRPUSDT-PERP.BYBIT', 2);
      expect(await repo.insertBars([a!, a!, { ...a!, close: '0' }, b!])).toEqual({ inserted: 2, duplicates: 1, conflicts: 1 });
      expect(await repo.readBars('XRPUSDT-PERP.BYBIT', '1h', T0, T0 + 2 * HOUR)).toEqual([a, b]);
    });

    it('handles batches larger than one statement, across instruments and intervals', async () => {
      const rows = [...bars('BIG-A', 3_000), ...bars('BIG-B', 1_500, { interval: '4h' })];
      expect(await repo.insertBars(rows)).toEqual({ inserted: 4_500, duplicates: 0, conflicts: 0 });
      const again = rows.map((r, i) => (i % 3 === 0 ? { ...r, volume: '-1' } : r));
      expect(await repo.insertBars(again)).toEqual({ inserted: 0, duplicates: 3_000, conflicts: 1_500 });
      expect(await repo.readBars('BIG-A', '1h', 0, Number.MAX_SAFE_INTEGER)).toEqual(rows.slice(0, 3_000));
      expect(await repo.readBars('BIG-B', '4h', 0, Number.MAX_SAFE_INTEGER)).toEqual(rows.slice(3_000));
    });

    it('refuses a fractional timestamp before writing anything', async () => {
      const rows = bars('FRAC', 3);
      rows[2] = { ...rows[2]!, tsOpen: T0 + 0.5 };
      await expect(repo.insertBars(rows)).rejects.toThrow(RangeError);
      expect(await repo.lastTsOpen('FRAC', '1h')).toBeNull();
    });

    it('counts nothing for an empty call', async () => {
      expect(await repo.insertBars([])).toEqual({ inserted: 0, duplicates: 0, conflicts: 0 });
    });

    it('serializes concurrent inserts of overlapping rows: each row is inserted exactly once', async () => {
      const rows = bars('RACE', 200);
      const results = await Promise.all([repo.insertBars(rows), repo.insertBars(rows.slice(100)), repo.insertBars(rows.slice(50, 150))]);
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(200);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(200);
      expect(await repo.readBars('RACE', '1h', 0, Number.MAX_SAFE_INTEGER)).toEqual(rows);
    });
  });

  describe('funding', () => {
    it('inserts idempotently, keeps the stored rate on conflict, reads ascending within [from, to)', async () => {
      const rows = funding('BTCUSDT-PERP.BYBIT', 6);
      expect(await repo.insertFunding(rows.slice(0, 4))).toEqual({ inserted: 4, duplicates: 0, conflicts: 0 });
      expect(await repo.insertFunding([{ ...rows[0]!, rate: '0.5' }, rows[1]!, ...rows.slice(4)])).toEqual({ inserted: 2, duplicates: 1, conflicts: 1 });
      expect(await repo.readFunding('BTCUSDT-PERP.BYBIT', T0, T0 + 48 * HOUR)).toEqual(rows);
      expect(await repo.readFunding('BTCUSDT-PERP.BYBIT', T0 + 8 * HOUR, T0 + 24 * HOUR)).toEqual(rows.slice(1, 3));
      expect(await repo.readFunding('ETHUSDT-PERP.BYBIT', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    });
  });
});
