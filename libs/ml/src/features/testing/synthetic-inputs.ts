import { BAR_INTERVALS } from '@lib/model';
import { DAY_MS, type DvolCandle, type FeatureBar, type FundingPoint } from '../feature-inputs.js';

const H4 = BAR_INTERVALS['4h'];

/** A deterministic, valid 4h bar series (a wavy random-looking walk), for unit tests that need no file. */
export function syntheticBars(count: number, startTsOpen = Date.UTC(2024, 0, 1), seed = 1, level = 100): FeatureBar[] {
  const out: FeatureBar[] = [];
  let close = level;
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const open = close;
    close = open * Math.exp((next() - 0.5) * 0.04 + 0.003 * Math.sin(i / 7));
    const high = Math.max(open, close) * (1 + next() * 0.01);
    const low = Math.min(open, close) * (1 - next() * 0.01);
    const tsOpen = startTsOpen + i * H4;
    out.push({ tsOpen, tsClose: tsOpen + H4, open, high, low, close, volume: 1000 * (0.5 + next()) });
  }
  return out;
}

/** Daily DVOL candles for every day from `firstDay` (a day open) for `days` days. */
export function syntheticDvol(firstDay: number, days: number): DvolCandle[] {
  return Array.from({ length: days }, (_, i) => {
    const close = 50 + 10 * Math.sin(i / 3) + i * 0.01;
    return { dayOpen: firstDay + i * DAY_MS, open: close, high: close + 1, low: close - 1, close };
  });
}

/** Funding settling every 8h from `firstTs`. */
export function syntheticFunding(firstTs: number, count: number): FundingPoint[] {
  return Array.from({ length: count }, (_, i) => ({ ts: firstTs + i * 8 * 3_600_000, rate: 0.0001 * (1 + Math.sin(i / 5)) }));
}
