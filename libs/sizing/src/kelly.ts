/**
 * Kelly sizing (issue 4, item 2): the growth-optimal fraction for a continuous-return bet,
 * scaled by the market regime and clipped to a hard per-instrument cap.
 *
 * Plain TypeScript, no dependencies; every function is pure and never throws on bad numeric input:
 * a NaN / Infinity anywhere yields a zero fraction together with a reason.
 */

/** The four regimes produced by the regime detector. */
export type Regime = 'Bear' | 'Neutral' | 'Bull' | 'Crisis';

export const REGIMES: readonly Regime[] = ['Bear', 'Neutral', 'Bull', 'Crisis'];

/** Share of the full Kelly fraction taken in each regime (fractional Kelly). */
export type RegimeMultipliers = Readonly<Record<Regime, number>>;

export const DEFAULT_REGIME_MULTIPLIERS: RegimeMultipliers = Object.freeze({
  Bear: 0.25,
  Neutral: 0.5,
  Bull: 0.67,
  Crisis: 0.17,
});

/** The signal's forecast for one instrument, per period: mean return μ and return variance σ². */
export interface KellySignal {
  expectedReturn: number;
  variance: number;
}

/** Hard caps for one instrument: the final fraction always lies in [-maxFraction, +maxFraction]. */
export interface KellyCaps {
  maxFraction: number;
}

export type KellyReasonCode =
  | 'OK'
  | 'CAPPED_LONG'
  | 'CAPPED_SHORT'
  | 'INVALID_EXPECTED_RETURN'
  | 'INVALID_VARIANCE'
  | 'NON_POSITIVE_VARIANCE'
  | 'INVALID_CAP'
  | 'UNKNOWN_REGIME'
  | 'INVALID_REGIME_MULTIPLIER'
  | 'NON_FINITE_RESULT';

export interface RegimeKellyResult {
  /** Final position fraction of equity, signed (negative = short), within ±maxFraction. */
  fraction: number;
  /** Unscaled Kelly fraction μ/σ² (0 when the inputs are invalid). */
  raw: number;
  /** Multiplier applied for the regime (0 when the regime or its multiplier is invalid). */
  regimeMultiplier: number;
  /** True when the hard cap cut the scaled fraction. */
  capped: boolean;
  /** Machine-readable reason code. */
  reasonCode: KellyReasonCode;
  /** Human-readable reason, suitable for the decision record. */
  reason: string;
}

/** Why the inputs cannot be sized, or null when they can. */
export function kellyInputProblem(signal: KellySignal): { code: KellyReasonCode; reason: string } | null {
  const { expectedReturn, variance } = signal ?? ({} as KellySignal);
  if (typeof expectedReturn !== 'number' || !Number.isFinite(expectedReturn)) {
    return { code: 'INVALID_EXPECTED_RETURN', reason: `expectedReturn is not a finite number (${String(expectedReturn)})` };
  }
  if (typeof variance !== 'number' || !Number.isFinite(variance)) {
    return { code: 'INVALID_VARIANCE', reason: `variance is not a finite number (${String(variance)})` };
  }
  if (variance <= 0) {
    return { code: 'NON_POSITIVE_VARIANCE', reason: `variance must be > 0 (got ${variance})` };
  }
  return null;
}

/**
 * Growth-optimal (full Kelly) fraction for a continuous-return bet: f* = μ / σ².
 * Returns 0 for invalid inputs (NaN / ±Infinity, variance ≤ 0) or a non-finite quotient;
 * use {@link kellyInputProblem} or {@link regimeScaledKelly} for the reason.
 */
export function kellyFraction(signal: KellySignal): number {
  if (kellyInputProblem(signal) !== null) return 0;
  const f = signal.expectedReturn / signal.variance;
  return Number.isFinite(f) ? f + 0 : 0; // + 0 turns -0 into 0
}

function zero(raw: number, regimeMultiplier: number, reasonCode: KellyReasonCode, reason: string): RegimeKellyResult {
  return { fraction: 0, raw, regimeMultiplier, capped: false, reasonCode, reason };
}

/**
 * Fractional Kelly by regime, clipped to the instrument's hard cap:
 *   fraction = clip(μ/σ² · multiplier[regime], -maxFraction, +maxFraction)
 * Any invalid input gives fraction 0 with a reason (never throws).
 */
export function regimeScaledKelly(
  signal: KellySignal,
  regime: Regime,
  caps: KellyCaps,
  multipliers: RegimeMultipliers = DEFAULT_REGIME_MULTIPLIERS,
): RegimeKellyResult {
  const problem = kellyInputProblem(signal);
  if (problem) return zero(0, 0, problem.code, problem.reason);

  const raw = signal.expectedReturn / signal.variance + 0;
  if (!Number.isFinite(raw)) return zero(0, 0, 'NON_FINITE_RESULT', `μ/σ² is not finite (${raw})`);

  const maxFraction = caps?.maxFraction;
  if (typeof maxFraction !== 'number' || !Number.isFinite(maxFraction) || maxFraction < 0) {
    return zero(raw, 0, 'INVALID_CAP', `maxFraction must be a finite number ≥ 0 (got ${String(maxFraction)})`);
  }

  if (!REGIMES.includes(regime)) return zero(raw, 0, 'UNKNOWN_REGIME', `unknown regime ${String(regime)}`);
  const regimeMultiplier = multipliers?.[regime];
  if (typeof regimeMultiplier !== 'number' || !Number.isFinite(regimeMultiplier) || regimeMultiplier < 0) {
    return zero(raw, 0, 'INVALID_REGIME_MULTIPLIER', `multiplier for ${regime} must be a finite number ≥ 0 (got ${String(regimeMultiplier)})`);
  }

  const scaled = raw * regimeMultiplier;
  if (!Number.isFinite(scaled)) return zero(raw, regimeMultiplier, 'NON_FINITE_RESULT', `scaled Kelly is not finite (${scaled})`);

  if (scaled > maxFraction) {
    return {
      fraction: maxFraction + 0, raw, regimeMultiplier, capped: true, reasonCode: 'CAPPED_LONG',
      reason: `scaled Kelly ${scaled} capped at +${maxFraction}`,
    };
  }
  if (scaled < -maxFraction) {
    return {
      fraction: -maxFraction + 0, raw, regimeMultiplier, capped: true, reasonCode: 'CAPPED_SHORT',
      reason: `scaled Kelly ${scaled} capped at -${maxFraction}`,
    };
  }
  return {
    fraction: scaled + 0, raw, regimeMultiplier, capped: false, reasonCode: 'OK',
    reason: `Kelly ${raw} × ${regime} ${regimeMultiplier}`,
  };
}
