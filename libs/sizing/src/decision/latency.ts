import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnlineRegimeTracker, type OnlineRegimeTrackerOptions } from '@lib/regime';
import { RollingIc } from './rolling-ic.js';
import { SizingDecisionEngine } from './sizing-decision.js';

/**
 * Latency of the per-bar sizing path (benchmark `sizing.decisionMicros`): regime tracker update, rolling IC
 * and the decision, driven bar by bar over real 4h closes. Bars where the regime model (re)fits are left
 * out of the decision timing; their fit time is reported on its own, since a refit is a rare, scheduled
 * cost rather than per-bar latency.
 */

export interface DecisionLatencyOptions {
  /** Folder holding `file`; default $TM_DATA_DIR, else ../shared/data (relative to the working directory). */
  dataDir?: string;
  /** Default binance_BTCUSDT_4h.csv (columns timestamp,open,high,low,close,…; timestamp = bar open, ms). */
  file?: string;
  /** Closes to use instead of reading the file. */
  bars?: { tsClose: readonly number[]; close: readonly number[] };
  /** Regime tracker options; default the tracker's defaults. */
  tracker?: OnlineRegimeTrackerOptions;
}

export interface DecisionLatency {
  p50Micros: number;
  p99Micros: number;
  /** Timed decisions (fitted, non-refit bars). */
  decisions: number;
  bars: number;
  /** Seconds per regime fit (first fit and refits) during the run. */
  fitSeconds: number[];
}

const BAR_MS = 4 * 3600_000;

/** Closes of a 4h OHLCV CSV; tsClose = open time + 4h. */
export function readCloses(path: string): { tsClose: number[]; close: number[] } {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const tsClose: number[] = [];
  const close: number[] = [];
  for (const line of lines) {
    const c = line.split(',');
    tsClose.push(Number(c[0]) + BAR_MS);
    close.push(Number(c[4]));
  }
  return { tsClose, close };
}

/** Type-7 quantile of an ascending-sorted sample. */
function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Drives tracker → IC → decision over the bars until `n` decisions have been timed (or the data ends).
 * The stand-in model is a causal 6-bar momentum forecast and the RL fraction a squashed signal, so every
 * tier is exercised; only the time matters here.
 */
export function measureDecisionLatency(n: number, opts: DecisionLatencyOptions = {}): DecisionLatency {
  const horizon = 6;
  const bars = opts.bars ?? readCloses(join(opts.dataDir ?? process.env['TM_DATA_DIR'] ?? '../shared/data', opts.file ?? 'binance_BTCUSDT_4h.csv'));
  const tracker = new OnlineRegimeTracker({ instrumentId: 'latency', ...opts.tracker });
  const ic = new RollingIc(horizon, 500);
  const engine = new SizingDecisionEngine({ horizon });
  const micros: number[] = [];
  let fed = 0;
  for (let i = 0; i < bars.close.length && micros.length < n; i++) {
    const close = bars.close[i]!;
    const t0 = process.hrtime.bigint();
    const regime = tracker.update(bars.tsClose[i]!, close);
    const prediction = i >= horizon ? 0.1 * Math.log(close / bars.close[i - horizon]!) : null;
    ic.push(prediction ?? Number.NaN, close);
    const scale = regime.volatility * Math.sqrt(horizon);
    const signal = prediction !== null && scale > 0 ? Math.max(-3, Math.min(3, prediction / scale)) : 0;
    engine.decide({
      instrumentId: 'BTCUSDT',
      tsClose: bars.tsClose[i]!,
      prediction,
      signal,
      confidence: Math.abs(signal) / 3,
      regime,
      recentIc: ic.value,
      rlFraction: Math.tanh(signal) * 0.5,
      breaker: { state: 'CLOSED', sizeMultiplier: 1 },
      allocationLimit: 0.5,
    });
    const elapsed = Number(process.hrtime.bigint() - t0) / 1000;
    fed++;
    if (regime.fitted && !regime.refitted) micros.push(elapsed);
  }
  micros.sort((a, b) => a - b);
  return { p50Micros: quantile(micros, 0.5), p99Micros: quantile(micros, 0.99), decisions: micros.length, bars: fed, fitSeconds: [...tracker.fitTimings] };
}
