import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { RawBar } from '../validation/bar-candidate.js';

/** The shared real data folder (../shared/data from the project root); never copied into the repo. */
export const REAL_DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));

/** Data lines (no header) of a real file, for building fixtures by altering one field. */
export function realDataLines(file: string): string[] {
  return readFileSync(join(REAL_DATA_DIR, file), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
}

export type RawBarChange = Partial<Record<'ts' | 'open' | 'high' | 'low' | 'close' | 'volume', string>>;

let btcLines: string[] | null = null;

/** Row `index` of binance_BTCUSDT_4h.csv as a raw candidate (line = index + 2), optionally with fields altered. */
export function realBtcRawBar(index: number, change: RawBarChange = {}, instrumentId = 'BTCUSDT-PERP.BYBIT'): RawBar {
  btcLines ??= realDataLines('binance_BTCUSDT_4h.csv');
  const [ts, open, high, low, close, volume] = btcLines[index]!.split(',') as [string, string, string, string, string, string];
  return { instrumentId, interval: '4h', source: 'binance', line: index + 2, ts, open, high, low, close, volume, columns: 6, ...change };
}
