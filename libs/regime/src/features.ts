import { garchFilter, type GarchParams } from './garch.js';

/** Log returns r_t = ln(c_t / c_{t−1}), length n−1. */
export function logReturns(closes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, closes.length - 1));
  for (let i = 1; i < closes.length; i++) out[i - 1] = Math.log(closes[i]! / closes[i - 1]!);
  return out;
}

/**
 * Regime features per bar: [r_t, σ_t] with σ_t the GARCH-filtered volatility (from r_0..r_{t−1}).
 * Causal: row t depends only on returns up to t.
 */
export function regimeFeatures(returns: ArrayLike<number>, garch: GarchParams): Float64Array[] {
  const v = garchFilter(returns, garch);
  const rows: Float64Array[] = [];
  for (let t = 0; t < returns.length; t++) rows.push(Float64Array.of(returns[t]!, Math.sqrt(v[t]!)));
  return rows;
}
