import { DvolCsvError, dvolFileName, parseDvolCsv, readDvolCsv } from './dvol-csv.js';
import { DAY_MS, dvolKnownAt } from './feature-inputs.js';
import { REAL_DATA_DIR } from './testing/real-feature-data.js';
import { join } from 'node:path';

const codeOf = (text: string): string => {
  try {
    parseDvolCsv(text);
  } catch (err) {
    if (err instanceof DvolCsvError) return err.code;
    throw err;
  }
  return 'no error';
};

describe('parseDvolCsv', () => {
  it('reads daily candles keyed by day open (CRLF and a BOM tolerated); the close is known one day after the open', () => {
    const candles = parseDvolCsv('\uFEFFtimestamp,open,high,low,close\r\n1640995200000,75.51,75.51,69.68,70.91\r\n\r\n1641081600000,70.91,72.67,69.07,72.06\r\n');
    expect(candles).toEqual([
      { dayOpen: 1640995200000, open: 75.51, high: 75.51, low: 69.68, close: 70.91 },
      { dayOpen: 1641081600000, open: 70.91, high: 72.67, low: 69.07, close: 72.06 },
    ]);
    expect(dvolKnownAt(candles[0]!)).toBe(Date.UTC(2022, 0, 2));
  });

  it('refuses a wrong header, a short line, a bad number, a timestamp off the day grid, and days out of order', () => {
    const h = 'timestamp,open,high,low,close\n';
    expect(codeOf('timestamp,open,high,low,close,volume\n1,2,3,4,5,6')).toBe('DVOL.BAD_HEADER');
    expect(codeOf('')).toBe('DVOL.BAD_HEADER');
    expect(codeOf(`${h}1640995200000,1,2,3`)).toBe('DVOL.MALFORMED');
    expect(codeOf(`${h}1640995200000,1,2,abc,4`)).toBe('DVOL.NOT_A_NUMBER');
    expect(codeOf(`${h}1640995200000,1,2,1,0`)).toBe('DVOL.NOT_A_NUMBER');
    expect(codeOf(`${h}16409952e5,1,2,1,1`)).toBe('DVOL.NOT_A_NUMBER');
    expect(codeOf(`${h}1640995200001,1,2,1,1`)).toBe('DVOL.MISALIGNED');
    expect(codeOf(`${h}1641081600000,1,2,1,1\n1640995200000,1,2,1,1`)).toBe('DVOL.OUT_OF_ORDER');
    expect(codeOf(`${h}1640995200000,1,2,1,1\n1640995200000,1,2,1,1`)).toBe('DVOL.OUT_OF_ORDER');
  });

  it.each(['BTC', 'ETH'] as const)('reads the real %s DVOL file: 1,277 consecutive days from 2022-01-01', async (index) => {
    const candles = await readDvolCsv(join(REAL_DATA_DIR, dvolFileName(index)));
    expect(candles).toHaveLength(1277);
    expect(candles[0]!.dayOpen).toBe(Date.UTC(2022, 0, 1));
    expect(candles[candles.length - 1]!.dayOpen).toBe(Date.UTC(2025, 5, 30));
    for (let i = 1; i < candles.length; i++) expect(candles[i]!.dayOpen - candles[i - 1]!.dayOpen).toBe(DAY_MS);
  });
});
