import { createHash } from 'node:crypto';
import type { DvolIndex } from './dvol-csv.js';

/** What differs between instruments: which DVOL index it reads and whether BTC returns are inputs. */
export interface FeatureSpec {
  /** Base asset: 'BTC', 'ETH', 'SOL'. */
  readonly base: string;
  readonly dvolIndex: DvolIndex;
  /** BTC returns as features (every base but BTC itself). */
  readonly crossAsset: boolean;
}

/**
 * BTC and ETH read their own DVOL. Deribit publishes none for SOL (or anything else), so other
 * bases read BTC DVOL as the crypto market's implied-volatility proxy: it is the most liquid
 * options market and sets the tone for the rest; `dvol_rv_spread` then compares market implied
 * vol with the instrument's own realized vol.
 *
 * BTC has no cross-asset columns: its own `ret_1`/`ret_6` are the same numbers, and an exact
 * duplicate column only splits tree importance (and Boruta hits) between two names.
 */
export function featureSpecFor(base: string): FeatureSpec {
  const b = base.toUpperCase();
  return { base: b, dvolIndex: b === 'ETH' ? 'ETH' : 'BTC', crossAsset: b !== 'BTC' };
}

export const RETURN_HORIZONS = [1, 3, 6, 12, 42] as const;
export const RV_WINDOWS = [6, 42, 180] as const;
export const VOLUME_Z_WINDOWS = [42, 180] as const;
export const FUNDING_SUM_WINDOWS = [3, 21] as const;
export const BTC_RETURN_HORIZONS = [1, 6] as const;
export const ATR_PERIOD = 14;
export const RSI_PERIOD = 14;
export const MACD_PERIODS = { fast: 12, slow: 26, signal: 9 } as const;
export const BOLLINGER = { period: 20, width: 2 } as const;
/** DVOL is a 30-day implied vol: compare it with 30 days of 4h realized vol. */
export const DVOL_RV_WINDOW = 180;
export const DVOL_CHANGE_DAYS = [1, 7] as const;

/**
 * Bars needed before the first row (the longest window, 180 one-bar returns, needs 181 closes),
 * when DVOL and funding are already there. Also the shortest history a live pipeline must be
 * seeded with; EMA-type features (RSI, ATR, MACD) have infinite memory, so a 200-bar seed agrees
 * with a pipeline run from 2022 only to ~1e-6 relative on those columns.
 */
export const FEATURE_WARM_UP_BARS = Math.max(...RETURN_HORIZONS, ...RV_WINDOWS, ...VOLUME_Z_WINDOWS) + 1;

/** Column names, in row order; fixed per instrument. */
export function featureNames(spec: FeatureSpec): readonly string[] {
  return [
    ...RETURN_HORIZONS.map((h) => `ret_${h}`),
    ...RV_WINDOWS.map((w) => `rv_${w}`),
    `atr_${ATR_PERIOD}`,
    `rsi_${RSI_PERIOD}`,
    'macd_line',
    'macd_signal',
    'macd_hist',
    `bb_pctb_${BOLLINGER.period}`,
    ...VOLUME_Z_WINDOWS.map((w) => `vol_z_${w}`),
    'dvol',
    ...DVOL_CHANGE_DAYS.map((d) => `dvol_chg_${d}d`),
    'dvol_rv_spread',
    'funding_last',
    ...FUNDING_SUM_WINDOWS.map((n) => `funding_sum_${n}`),
    ...(spec.crossAsset ? BTC_RETURN_HORIZONS.map((h) => `btc_ret_${h}`) : []),
    'tod_sin',
    'tod_cos',
    'dow_sin',
    'dow_cos',
  ];
}

/**
 * A short, stable id of a feature set: the hash of its column names in order. Cached feature
 * vectors are keyed by it, so a change of definition (a new or renamed column) never reads
 * vectors written by the old one.
 */
export function featureSetVersion(names: readonly string[]): string {
  return createHash('sha256').update(names.join(',')).digest('hex').slice(0, 12);
}
