/**
 * The SAC sizer's observation: the contract shared by training (the sizing environment) and
 * serving (the trader). Both build it with {@link buildSacObservation} only, so the actor sees
 * identically scaled numbers in both places.
 */

export const SAC_OBSERVATION_NAMES = ['signal', 'confidence', 'pBear', 'pNeutral', 'pBull', 'pCrisis', 'volatility', 'position', 'drawdown'] as const;
export const SAC_OBSERVATION_SIZE = 9;

export type SacObservationName = (typeof SAC_OBSERVATION_NAMES)[number];

export interface SacObservationInput {
  /** Prediction z-score (clipped to [-3, 3] here). */
  readonly signal: number;
  /** min(1, |z| / 2), in [0, 1]. */
  readonly confidence: number;
  /** Filtered regime probabilities in canonical order Bear, Neutral, Bull, Crisis. */
  readonly regimeProbabilities: ArrayLike<number>;
  /** Per-bar GARCH sigma, e.g. 0.01 for 1 % per bar. */
  readonly volatility: number;
  /** Current position, signed fraction of equity. */
  readonly position: number;
  /** Drawdown from the equity peak, 0..1. */
  readonly drawdown: number;
}

/** Largest |position| passed to the network; beyond this the number is clipped (never seen in training). */
export const SAC_MAX_OBSERVED_POSITION = 3;
/** Per-bar sigma × 100 is clipped here (20 % per 4h bar is far beyond anything recorded). */
const MAX_SCALED_VOLATILITY = 20;

const finite = (x: number): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
const clip = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * Scaling (every entry roughly in [-1, 1] or a small positive range, the range an MLP trains well on):
 * signal → clip(z, −3, 3) / 3; confidence → clip to [0, 1]; regime probabilities → clip to [0, 1]
 * (missing entries 0); volatility → σ × 100 (0.01 → 1), clipped to [0, 20]; position → clipped to
 * ±3; drawdown → clip to [0, 1]. Any non-finite input becomes 0, so the output is never NaN.
 */
export function buildSacObservation(o: SacObservationInput): Float32Array {
  const out = new Float32Array(SAC_OBSERVATION_SIZE);
  writeSacObservation(o, out, 0);
  return out;
}

/** As {@link buildSacObservation}, into `out` at `offset` (no allocation: the environment's hot path). */
export function writeSacObservation(o: SacObservationInput, out: Float32Array | Float64Array, offset: number): void {
  out[offset] = clip(finite(o.signal), -3, 3) / 3;
  out[offset + 1] = clip(finite(o.confidence), 0, 1);
  const p = o.regimeProbabilities;
  for (let k = 0; k < 4; k++) out[offset + 2 + k] = clip(finite(p !== null && p !== undefined && k < p.length ? p[k]! : 0), 0, 1);
  out[offset + 6] = clip(finite(o.volatility) * 100, 0, MAX_SCALED_VOLATILITY);
  out[offset + 7] = clip(finite(o.position), -SAC_MAX_OBSERVED_POSITION, SAC_MAX_OBSERVED_POSITION);
  out[offset + 8] = clip(finite(o.drawdown), 0, 1);
  if (out instanceof Float64Array) for (let i = 0; i < SAC_OBSERVATION_SIZE; i++) out[offset + i] = Math.fround(out[offset + i]!);
}

/** The confidence the contract defines for a z-score: min(1, |z| / 2); 0 for a non-finite z. */
export function signalConfidence(z: number): number {
  return Number.isFinite(z) ? Math.min(1, Math.abs(z) / 2) : 0;
}

/** Converts an actor action in [-1, 1] to a target position fraction. */
export function actionToFraction(action: number, maxFraction: number): number {
  return Number.isFinite(action) ? clip(action, -1, 1) * maxFraction : 0;
}

/** What the trader calls to size a position from an observation. */
export interface RlSizer {
  readonly version: string;
  readonly maxFraction: number;
  /** Target position fraction (signed) for one observation from {@link buildSacObservation}. */
  fraction(observation: Float32Array): Promise<number>;
}
