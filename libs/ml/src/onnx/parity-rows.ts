import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real feature rows for ONNX parity tests and inference benchmarks, derived from the Binance 4h
 * bars in ../shared/data. These are fixture features (simple, causal, fixed), not the
 * production feature set of libs/ml/features.
 */
export const PARITY_FEATURE_NAMES = [
  'ret_1', // ln(c_t / c_{t-1})
  'ret_6', // ln(c_t / c_{t-6}), one day
  'ret_42', // ln(c_t / c_{t-42}), one week
  'range', // ln(high / low)
  'body', // ln(close / open)
  'upper_wick', // ln(high / max(open, close))
  'close_location', // (close - low) / (high - low), 0.5 when high == low
  'volume_z42', // z-score of ln(volume) against the previous 42 bars
  'realized_vol_42', // standard deviation of ret_1 over the last 42 bars
  'btc_ret_1', // BTC's ret_1 on the same bar (cross-asset)
  'hour_utc', // bar open hour, 0..20
  'day_of_week', // 0 = Sunday
] as const;

export const PARITY_INSTRUMENTS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] as const;

const LOOKBACK = 42;

export interface ParityRows {
  readonly featureNames: readonly string[];
  /** Row-major, nRows × featureNames.length. */
  readonly rows: Float64Array;
  readonly nRows: number;
  readonly dataDir: string;
}

interface Bars {
  timestamp: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** TM_DATA_DIR, else ../shared/data from the working directory, else the repository's sibling. */
export function resolveSharedDataDir(): string {
  const candidates = [
    process.env.TM_DATA_DIR,
    resolve(process.cwd(), '../shared/data'),
    fileURLToPath(new URL('../../../../../shared/data', import.meta.url)),
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => existsSync(join(d, 'binance_BTCUSDT_4h.csv')));
  if (!found) throw new Error(`shared data not found (set TM_DATA_DIR); looked in ${candidates.join(', ')}`);
  return found;
}

function readBars(path: string): Bars {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0]!.trim().split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${path}: no column ${name}`);
    return i;
  };
  const idx = [col('timestamp'), col('open'), col('high'), col('low'), col('close'), col('volume')] as const;
  const n = lines.length - 1;
  const bars: Bars = {
    timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  const fields = [bars.timestamp, bars.open, bars.high, bars.low, bars.close, bars.volume];
  for (let r = 0; r < n; r++) {
    const parts = lines[r + 1]!.split(',');
    for (let k = 0; k < fields.length; k++) fields[k]![r] = Number(parts[idx[k]!]);
  }
  return bars;
}

function featureMatrix(bars: Bars, btc: Bars): { rows: number[][] } {
  const n = bars.close.length;
  const { open, high, low, close, volume, timestamp } = bars;
  const ret1 = new Float64Array(n);
  for (let t = 1; t < n; t++) ret1[t] = Math.log(close[t]! / close[t - 1]!);
  const btcIndex = new Map<number, number>();
  btc.timestamp.forEach((ts, i) => btcIndex.set(ts, i));
  const rows: number[][] = [];
  for (let t = LOOKBACK + 1; t < n; t++) {
    let sumR = 0;
    let sumR2 = 0;
    for (let k = t - LOOKBACK + 1; k <= t; k++) {
      sumR += ret1[k]!;
      sumR2 += ret1[k]! * ret1[k]!;
    }
    const meanR = sumR / LOOKBACK;
    let sumV = 0;
    let sumV2 = 0;
    for (let k = t - LOOKBACK; k < t; k++) {
      const lv = Math.log(volume[k]!);
      sumV += lv;
      sumV2 += lv * lv;
    }
    const meanV = sumV / LOOKBACK;
    const sdV = Math.sqrt(Math.max(0, sumV2 / LOOKBACK - meanV * meanV));
    const b = btcIndex.get(timestamp[t]!);
    const btcRet = b !== undefined && b > 0 ? Math.log(btc.close[b]! / btc.close[b - 1]!) : 0;
    const date = new Date(timestamp[t]!);
    const span = high[t]! - low[t]!;
    rows.push([
      ret1[t]!,
      Math.log(close[t]! / close[t - 6]!),
      Math.log(close[t]! / close[t - LOOKBACK]!),
      Math.log(high[t]! / low[t]!),
      Math.log(close[t]! / open[t]!),
      Math.log(high[t]! / Math.max(open[t]!, close[t]!)),
      span > 0 ? (close[t]! - low[t]!) / span : 0.5,
      sdV > 0 ? (Math.log(volume[t]!) - meanV) / sdV : 0,
      Math.sqrt(Math.max(0, sumR2 / LOOKBACK - meanR * meanR)),
      btcRet,
      date.getUTCHours(),
      date.getUTCDay(),
    ]);
  }
  return { rows };
}

/**
 * `maxRows` rows (default 10,000) spread evenly over BTC, ETH and SOL's Binance 4h history
 * (about 22,800 candidate rows), deterministic.
 */
export function loadParityRows(options: { dataDir?: string; maxRows?: number } = {}): ParityRows {
  const dataDir = options.dataDir ?? resolveSharedDataDir();
  const maxRows = options.maxRows ?? 10_000;
  const btc = readBars(join(dataDir, 'binance_BTCUSDT_4h.csv'));
  const all: number[][] = [];
  for (const symbol of PARITY_INSTRUMENTS) {
    const bars = symbol === 'BTCUSDT' ? btc : readBars(join(dataDir, `binance_${symbol}_4h.csv`));
    all.push(...featureMatrix(bars, btc).rows);
  }
  const nRows = Math.min(maxRows, all.length);
  const nF = PARITY_FEATURE_NAMES.length;
  const rows = new Float64Array(nRows * nF);
  for (let i = 0; i < nRows; i++) {
    const src = all[Math.floor((i * all.length) / nRows)]!;
    for (let f = 0; f < nF; f++) {
      const v = src[f]!;
      if (!Number.isFinite(v)) throw new Error(`non-finite feature ${PARITY_FEATURE_NAMES[f]} in parity row ${i}`);
      rows[i * nF + f] = v;
    }
  }
  return { featureNames: [...PARITY_FEATURE_NAMES], rows, nRows, dataDir };
}
