/**
 * Real Binance BTCUSDT 4h bars and Bybit funding for specs, read straight from the shared data
 * folder ($TM_DATA_DIR or ../shared/data) — never copied into the repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarArrays } from '../market-inputs.js';
import type { FundingEvent } from '../sizing-env.js';

const BAR_MS = 4 * 3_600_000;

export const sharedDataDir = (): string => process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));

function rows(file: string): string[][] {
  return readFileSync(join(sharedDataDir(), file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

/** Bars with close times (open + 4h). */
export function loadRealBars(symbol = 'BTCUSDT'): BarArrays {
  const r = rows(`binance_${symbol}_4h.csv`);
  return {
    ts: Float64Array.from(r, (c) => Number(c[0]) + BAR_MS),
    high: Float64Array.from(r, (c) => Number(c[2])),
    low: Float64Array.from(r, (c) => Number(c[3])),
    close: Float64Array.from(r, (c) => Number(c[4])),
  };
}

export function loadRealFunding(symbol = 'BTCUSDT'): FundingEvent[] {
  return rows(`bybit_${symbol}_funding_8h.csv`).map((c) => ({ ts: Number(c[0]), rate: Number(c[1]) }));
}
