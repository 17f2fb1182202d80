import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogConflictError, CatalogWriter, canonicalDecimal } from './catalog-writer.js';

const H4 = 14_400_000;
const T0 = 1704067200000;
const bar = (i: number, close = `${100 + i}`) => ({ ts: T0 + i * H4, open: '100', high: '200', low: '50', close, volume: '1.5' });

describe('CatalogWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-catalog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a new bar file in the backtest format, with no temp file left', async () => {
    const result = await new CatalogWriter(dir).writeBars('BTCUSDT', '4h', [bar(1), bar(0)]);
    expect(readFileSync(join(dir, 'bybit_BTCUSDT_4h.csv'), 'utf8')).toBe(`timestamp,open,high,low,close,volume\n${T0},100,200,50,100,1.5\n${T0 + H4},100,200,50,101,1.5\n`);
    expect(result).toMatchObject({ fetched: 2, appended: 2, total: 2, created: true, first: T0, last: T0 + H4 });
    expect(readdirSync(dir)).toEqual(['bybit_BTCUSDT_4h.csv']);
  });

  it('writes nothing when nothing was fetched and no file exists', async () => {
    const result = await new CatalogWriter(dir).writeFunding('BTCUSDT', []);
    expect(result).toMatchObject({ total: 0, created: false });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('appends only newer rows and keeps the existing bytes', async () => {
    const file = join(dir, 'bybit_BTCUSDT_4h.csv');
    const existing = `timestamp,open,high,low,close,volume\n${T0},100,200,50,100.0,1.50\n${T0 + H4},100,200,50,101,1.5`; // no final newline, other formatting
    writeFileSync(file, existing);
    const result = await new CatalogWriter(dir).writeBars('BTCUSDT', '4h', [bar(0), bar(1), bar(2)]);
    expect(result).toMatchObject({ fetched: 3, appended: 1, unchanged: 2, total: 3, created: false, last: T0 + 2 * H4 });
    expect(readFileSync(file, 'utf8')).toBe(`${existing}\n${T0 + 2 * H4},100,200,50,102,1.5\n`);
  });

  it('does not rewrite a file that gains nothing', async () => {
    const file = join(dir, 'bybit_BTCUSDT_funding_8h.csv');
    writeFileSync(file, `timestamp,funding_rate\n${T0},0.0001\n`);
    const result = await new CatalogWriter(dir).writeFunding('BTCUSDT', [{ ts: T0, rate: '0.00010' }]);
    expect(result).toMatchObject({ appended: 0, unchanged: 1, total: 1 });
  });

  it('refuses a conflicting row and leaves the file untouched', async () => {
    const writer = new CatalogWriter(dir);
    await writer.writeBars('BTCUSDT', '4h', [bar(0), bar(1)]);
    const before = readFileSync(join(dir, 'bybit_BTCUSDT_4h.csv'), 'utf8');
    await expect(writer.writeBars('BTCUSDT', '4h', [bar(1, '999'), bar(2)])).rejects.toThrow(CatalogConflictError);
    await expect(writer.writeBars('BTCUSDT', '4h', [bar(1, '999'), bar(2)])).rejects.toThrow(
      `bybit_BTCUSDT_4h.csv: the row at ${T0 + H4} (2024-01-01T04:00:00.000Z) is '${T0 + H4},100,200,50,101,1.5' in the file but '${T0 + H4},100,200,50,999,1.5' from the exchange; refusing to overwrite it`,
    );
    expect(readFileSync(join(dir, 'bybit_BTCUSDT_4h.csv'), 'utf8')).toBe(before);
  });

  it('refuses a gap after the last stored bar, a foreign file and duplicate fetched rows', async () => {
    const writer = new CatalogWriter(dir);
    await writer.writeBars('BTCUSDT', '4h', [bar(0)]);
    await expect(writer.writeBars('BTCUSDT', '4h', [bar(3)])).rejects.toThrow('would leave 2 missing bar(s)');
    writeFileSync(join(dir, 'bybit_ETHUSDT_4h.csv'), 'ts,o,h,l,c,v\n');
    await expect(writer.writeBars('ETHUSDT', '4h', [bar(0)])).rejects.toThrow("does not start with 'timestamp,open,high,low,close,volume'");
    await expect(writer.writeBars('SOLUSDT', '4h', [bar(0), bar(0)])).rejects.toThrow('two fetched rows');
  });

  it('counts fetched rows older than the file that are not in it, without inserting them', async () => {
    const writer = new CatalogWriter(dir);
    await writer.writeBars('BTCUSDT', '4h', [bar(5), bar(6)]);
    const result = await writer.writeBars('BTCUSDT', '4h', [bar(4), bar(5), bar(6), bar(7)]);
    expect(result).toMatchObject({ appended: 1, unchanged: 2, skippedOlder: 1, total: 3, first: T0 + 5 * H4 });
  });

  it('canonicalDecimal compares decimal strings exactly, without floats', () => {
    expect(canonicalDecimal('041482.00')).toBe('41482');
    expect(canonicalDecimal('0.000100')).toBe('0.0001');
    expect(canonicalDecimal('-0.0')).toBe('0');
    expect(canonicalDecimal('-0.00012')).toBe('-0.00012');
    expect(canonicalDecimal('0.30000000000000004')).toBe('0.30000000000000004');
  });
});
