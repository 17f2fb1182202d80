/**
 * Four-tier sizing fallback (issue 4, item 4).
 *
 * Inputs: the signal's confidence, the model's recent information coefficient (IC), whether an RL
 * (SAC) policy is loaded, and whether the circuit breaker is open. Thresholds (defaults):
 *
 *   lowConfidence  = 0.25   fullConfidence = 0.50
 *   lowIc          = 0.02   fullIc         = 0.05
 *
 * Rules, first match wins:
 *
 *   | # | condition                                                    | tier           | reason              |
 *   |---|--------------------------------------------------------------|----------------|---------------------|
 *   | 1 | breakerOpen                                                  | EMERGENCY_FLAT | BREAKER_OPEN        |
 *   | 2 | !hasRlPolicy                                                 | PURE_KELLY     | NO_RL_POLICY        |
 *   | 3 | recentIc not finite (NaN, ±Infinity) or recentIc < lowIc     | PURE_KELLY     | IC_FAILURE          |
 *   | 4 | confidence not finite or confidence < lowConfidence          | PURE_KELLY     | LOW_CONFIDENCE      |
 *   | 5 | confidence ≥ fullConfidence and recentIc ≥ fullIc            | FULL_RL        | FULL_CONFIDENCE_AND_IC |
 *   | 6 | otherwise (medium confidence and/or medium IC)               | BLENDED        | MEDIUM_CONFIDENCE / MEDIUM_IC / MEDIUM_CONFIDENCE_AND_IC |
 *
 * As a grid with the breaker closed and an RL policy loaded ("low" = below the low threshold,
 * "medium" = [low, full), "high" = ≥ full; every threshold is inclusive on its upper side):
 *
 *   | confidence \ IC | NaN        | low        | medium  | high    |
 *   |-----------------|------------|------------|---------|---------|
 *   | low             | PURE_KELLY | PURE_KELLY | PURE_KELLY | PURE_KELLY |
 *   | medium          | PURE_KELLY | PURE_KELLY | BLENDED | BLENDED |
 *   | high            | PURE_KELLY | PURE_KELLY | BLENDED | FULL_RL |
 *
 * With no RL policy every cell is PURE_KELLY; with the breaker open every cell is EMERGENCY_FLAT.
 *
 * Final size ({@link blendSize}): FULL_RL → rl; BLENDED → 0.5·rl + 0.5·kelly; PURE_KELLY → kelly;
 * EMERGENCY_FLAT → 0.
 */

export type SizingTier = 'FULL_RL' | 'BLENDED' | 'PURE_KELLY' | 'EMERGENCY_FLAT';

export const SIZING_TIERS: readonly SizingTier[] = ['FULL_RL', 'BLENDED', 'PURE_KELLY', 'EMERGENCY_FLAT'];

export interface TierInputs {
  /** Signal confidence, normally in [0, 1]. */
  confidence: number;
  /** The model's recent information coefficient (rank correlation of forecast vs realized). */
  recentIc: number;
  /** True when a trained RL sizing policy is loaded and servable. */
  hasRlPolicy: boolean;
  /** True when the circuit breaker is OPEN. */
  breakerOpen: boolean;
}

export interface TierThresholds {
  /** Confidence at or above which the RL policy may be trusted fully. Default 0.5. */
  fullConfidence: number;
  /** IC at or above which the RL policy may be trusted fully. Default 0.05. */
  fullIc: number;
  /** Confidence below which only Kelly is used. Default 0.25. */
  lowConfidence: number;
  /** IC below which the model is considered failed (Kelly only). Default 0.02. */
  lowIc: number;
}

export const DEFAULT_TIER_THRESHOLDS: Readonly<TierThresholds> = Object.freeze({
  fullConfidence: 0.5,
  fullIc: 0.05,
  lowConfidence: 0.25,
  lowIc: 0.02,
});

export type TierReason =
  | 'BREAKER_OPEN'
  | 'NO_RL_POLICY'
  | 'IC_FAILURE'
  | 'LOW_CONFIDENCE'
  | 'FULL_CONFIDENCE_AND_IC'
  | 'MEDIUM_CONFIDENCE'
  | 'MEDIUM_IC'
  | 'MEDIUM_CONFIDENCE_AND_IC';

export interface TierSelection {
  tier: SizingTier;
  reason: TierReason;
  /** Human-readable detail for the decision record. */
  detail: string;
}

/**
 * Merges overrides into the defaults and checks them: every threshold finite,
 * lowConfidence ≤ fullConfidence and lowIc ≤ fullIc. Throws on a bad configuration.
 */
export function resolveTierThresholds(overrides: Partial<TierThresholds> = {}): TierThresholds {
  const t: TierThresholds = { ...DEFAULT_TIER_THRESHOLDS, ...overrides };
  for (const key of ['fullConfidence', 'fullIc', 'lowConfidence', 'lowIc'] as const) {
    if (typeof t[key] !== 'number' || !Number.isFinite(t[key])) {
      throw new RangeError(`tier threshold ${key} must be a finite number (got ${String(t[key])})`);
    }
  }
  if (t.lowConfidence > t.fullConfidence) {
    throw new RangeError(`lowConfidence (${t.lowConfidence}) must be ≤ fullConfidence (${t.fullConfidence})`);
  }
  if (t.lowIc > t.fullIc) throw new RangeError(`lowIc (${t.lowIc}) must be ≤ fullIc (${t.fullIc})`);
  return t;
}

/** Picks the sizing tier in force; see the module comment for the table. */
export function selectSizingTier(inputs: TierInputs, thresholds: Partial<TierThresholds> = {}): TierSelection {
  const t = resolveTierThresholds(thresholds);
  const { confidence, recentIc, hasRlPolicy, breakerOpen } = inputs;

  if (breakerOpen === true) {
    return { tier: 'EMERGENCY_FLAT', reason: 'BREAKER_OPEN', detail: 'circuit breaker open: flat' };
  }
  if (hasRlPolicy !== true) {
    return { tier: 'PURE_KELLY', reason: 'NO_RL_POLICY', detail: 'no RL policy loaded' };
  }
  if (typeof recentIc !== 'number' || !Number.isFinite(recentIc) || recentIc < t.lowIc) {
    return { tier: 'PURE_KELLY', reason: 'IC_FAILURE', detail: `recent IC ${String(recentIc)} below ${t.lowIc} or not finite` };
  }
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < t.lowConfidence) {
    return {
      tier: 'PURE_KELLY', reason: 'LOW_CONFIDENCE',
      detail: `confidence ${String(confidence)} below ${t.lowConfidence} or not finite`,
    };
  }
  const highConfidence = confidence >= t.fullConfidence;
  const highIc = recentIc >= t.fullIc;
  if (highConfidence && highIc) {
    return {
      tier: 'FULL_RL', reason: 'FULL_CONFIDENCE_AND_IC',
      detail: `confidence ${confidence} ≥ ${t.fullConfidence} and IC ${recentIc} ≥ ${t.fullIc}`,
    };
  }
  const reason: TierReason = !highConfidence && !highIc ? 'MEDIUM_CONFIDENCE_AND_IC' : !highConfidence ? 'MEDIUM_CONFIDENCE' : 'MEDIUM_IC';
  return { tier: 'BLENDED', reason, detail: `confidence ${confidence}, IC ${recentIc}: blend RL and Kelly 50/50` };
}

/** Weight of the RL fraction in the BLENDED tier. */
export const BLEND_RL_WEIGHT = 0.5;

/**
 * Final position fraction for a tier: FULL_RL → rl, BLENDED → 0.5·rl + 0.5·kelly,
 * PURE_KELLY → kelly, EMERGENCY_FLAT → 0. A non-finite fraction the tier needs gives 0;
 * an unknown tier gives 0.
 */
export function blendSize(tier: SizingTier, rlFraction: number, kellyFraction: number): number {
  const ok = (x: number): boolean => typeof x === 'number' && Number.isFinite(x);
  let out: number;
  switch (tier) {
    case 'FULL_RL':
      out = ok(rlFraction) ? rlFraction : 0;
      break;
    case 'BLENDED':
      out = ok(rlFraction) && ok(kellyFraction) ? BLEND_RL_WEIGHT * rlFraction + (1 - BLEND_RL_WEIGHT) * kellyFraction : 0;
      break;
    case 'PURE_KELLY':
      out = ok(kellyFraction) ? kellyFraction : 0;
      break;
    default:
      out = 0;
  }
  return out + 0;
}
