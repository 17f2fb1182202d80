import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAR_CSV_HEADER } from '../csv/market-data-csv.js';
import { InMemoryBarRepository } from '../testing/in-memory-bar-repository.js';
import { BTC, ETH, SOL } from '../testing/instruments.js';
import { REAL_DATA_DIR, realDataLines } from '../testing/real-data.js';
import { CatalogImporter } from './catalog-importer.js';

const ALL = [BTC, ETH, SOL];

describe('CatalogImporter', () => {
  it('imports the real Bybit 4h bars and funding, then finds only duplicates on a second run', async () => {
    const repo = new InMemoryBarRepository();
    const importer = new CatalogImporter(repo);
    const first = await importer.importFolder(REAL_DATA_DIR, { instruments: ALL, sources: ['bybit'], intervals: ['4h'] });
    expect(first.files.map((f) => `${f.kind}:${f.instrumentId}:${f.rows}:${f.inserted}:${f.rejected}`)).toEqual([
      `bars:${BTC.id}:3366:3366:0`,
      `funding:${BTC.id}:1682:1682:0`,
      `bars:${ETH.id}:3366:3366:0`,
      `funding:${ETH.id}:1682:1682:0`,
      `bars:${SOL.id}:3366:3366:0`,
      `funding:${SOL.id}:1682:1682:0`,
    ]);
    expect(first.totals).toEqual({ rows: 3 * (3366 + 1682), inserted: 3 * (3366 + 1682), duplicates: 0, conflicts: 0, rejected: 0 });
    expect(first.skipped.map((s) => s.file)).toEqual(expect.arrayContaining(['binance_BTCUSDT_4h.csv', 'bybit_BTCUSDT_1h.csv', 'deribit_DVOL_BTC_1d.csv']));

    // stored exactly as written: 1702857600000,41395.2,... of bybit_BTCUSDT_1h.csv opens the 4h file too
    const [firstBar] = await repo.readBars(BTC.id, '4h', 0, Number.MAX_SAFE_INTEGER);
    expect(firstBar).toMatchObject({ tsOpen: 1702857600000, open: '41395.2', source: 'bybit' });
    const funding = await repo.readFunding(BTC.id, 1751299200000, 1751299200001);
    expect(funding).toEqual([{ instrumentId: BTC.id, ts: 1751299200000, rate: '-0.00000929', source: 'bybit' }]);

    const second = await importer.importFolder(REAL_DATA_DIR, { instruments: ALL, sources: ['bybit'], intervals: ['4h'] });
    expect(second.totals).toEqual({ rows: 3 * (3366 + 1682), inserted: 0, duplicates: 3 * (3366 + 1682), conflicts: 0, rejected: 0 });
  });

  describe('on a folder with bad rows', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tm-catalog-'));
      const lines = realDataLines('binance_BTCUSDT_4h.csv').slice(0, 10);
      const alter = (i: number, col: number, value: string) => lines[i]!.split(',').map((v, c) => (c === col ? value : v)).join(',');
      const rows = [
        lines[0],
        alter(1, 2, '1'), // line 3: high 1 < low
        lines[1],
        lines[1], // line 5: duplicate
        alter(2, 5, '-1'), // line 6: negative volume
        lines[2],
        'garbage', // line 8: malformed
        lines[3],
        lines[5], // line 10: accepted after a gap (bar 4 missing)
      ];
      await writeFile(join(dir, 'binance_BTCUSDT_4h.csv'), [BAR_CSV_HEADER, ...rows, ''].join('\n'));
      await writeFile(join(dir, 'binance_DOGEUSDT_4h.csv'), [BAR_CSV_HEADER, lines[0], ''].join('\n'));
      await writeFile(join(dir, 'notes.csv'), 'a,b\n');
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('inserts only the valid rows and reports the rest by reason, with line numbers', async () => {
      const repo = new InMemoryBarRepository();
      const report = await new CatalogImporter(repo).importFolder(dir, { instruments: ALL });
      expect(report.files).toHaveLength(1);
      const file = report.files[0]!;
      expect(file).toMatchObject({ kind: 'bars', source: 'binance', instrumentId: BTC.id, interval: '4h', rows: 9, inserted: 5, duplicates: 0, conflicts: 0, rejected: 4 });
      expect(file.rejectedByReason).toEqual({ 'BAR.HIGH_BELOW_LOW': 1, 'BAR.DUPLICATE': 1, 'BAR.NEGATIVE_VOLUME': 1, 'BAR.MALFORMED': 1 });
      expect(file.rejections.map((r) => r.line)).toEqual([3, 5, 6, 8]);
      expect(file.gaps).toEqual([{ instrumentId: BTC.id, interval: '4h', fromTsOpen: 1640995200000 + 4 * 14_400_000, toTsOpen: 1640995200000 + 4 * 14_400_000, missingBars: 1 }]);
      expect(repo.bars.size).toBe(5);
      expect(report.skipped).toEqual([
        { file: 'notes.csv', reason: expect.stringMatching(/not a \{source\}_\{SYMBOL\}/) },
        { file: 'binance_DOGEUSDT_4h.csv', reason: "no configured instrument for symbol 'DOGEUSDT' (known: BTCUSDT, ETHUSDT, SOLUSDT)" },
      ]);
    });

    it('never overwrites a stored bar: different content is a conflict', async () => {
      const repo = new InMemoryBarRepository();
      const importer = new CatalogImporter(repo);
      await importer.importFolder(dir, { instruments: ALL });
      const lines = realDataLines('binance_BTCUSDT_4h.csv').slice(0, 2);
      const changed = lines[1]!.split(',').map((v, c) => (c === 5 ? '1.5' : v)).join(',');
      const other = join(dir, 'other');
      await rm(other, { recursive: true, force: true });
      await mkdir(other);
      await writeFile(join(other, 'binance_BTCUSDT_4h.csv'), [BAR_CSV_HEADER, lines[0], changed, ''].join('\n'));
      const report = await importer.importFolder(other, { instruments: ALL, batchSize: 1 });
      expect(report.totals).toEqual({ rows: 2, inserted: 0, duplicates: 1, conflicts: 1, rejected: 0 });
      const [, stored] = await repo.readBars(BTC.id, '4h', 0, Number.MAX_SAFE_INTEGER);
      expect(stored!.volume).toBe(lines[1]!.split(',')[5]);
    });
  });
});
