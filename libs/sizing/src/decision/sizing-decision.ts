import {
  DEFAULT_REGIME_MULTIPLIERS,
  REGIMES,
  regimeScaledKelly,
  type KellyReasonCode,
  type Regime,
  type RegimeMultipliers,
} from '../kelly.js';
import { blendSize, resolveTierThresholds, selectSizingTier, type SizingTier, type TierReason, type TierThresholds } from '../tiers.js';

/**
 * Per-bar sizing decision (issue 4): regime → Kelly → tier → breaker → allocation cap, recorded as plain
 * data so every bar's size can be explained afterwards. Pure and deterministic; `decide` never throws and
 * never returns a non-finite number.
 *
 *   kelly  = clip(μ/σ² · regimeMultiplier, ±maxFraction)    μ = prediction (log return over `horizon` bars),
 *                                                           σ² = horizon · volatility² (per-bar σ)
 *   tier   = selectSizingTier(confidence, IC, RL loaded, breaker open)
 *   raw    = blendSize(tier, rlFraction, kelly)             (0 when no model is served)
 *   final  = clip(raw · breakerMultiplier, ±min(allocationLimit, maxFraction))
 */

export type BreakerStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/**
 * Why a size was reduced. NO_MODEL and BREAKER_OPEN force flat and are recorded whenever they apply; the
 * others only when they shrank a non-zero size, and the Kelly ones only in the tiers that size with Kelly
 * (PURE_KELLY, BLENDED).
 */
export type SizingCut =
  /** No prediction served (null or non-finite): flat. */
  | 'NO_MODEL'
  /** Kelly inputs unusable (e.g. volatility not finite or zero): Kelly fraction 0. */
  | 'KELLY_INVALID'
  /** Fractional Kelly: the regime multiplier (< 1) scaled the full Kelly fraction down. */
  | 'REGIME_SCALE'
  /** Regime-scaled Kelly clipped at maxFraction. */
  | 'KELLY_CAP'
  /** Circuit breaker OPEN: flat. */
  | 'BREAKER_OPEN'
  /** Circuit breaker HALF_OPEN: size multiplied by its size multiplier. */
  | 'BREAKER_HALF_OPEN'
  /** Breaker CLOSED but its size multiplier is below 1 (or invalid, read as 0). */
  | 'BREAKER_SCALE'
  /** |size| clipped at the hierarchical allocation limit. */
  | 'ALLOCATION_LIMIT'
  /** |size| clipped at the per-instrument maxFraction (e.g. an RL fraction above it). */
  | 'MAX_FRACTION'
  /** An unexpected exception inside decide(): flat. */
  | 'INTERNAL_ERROR';

export interface SizingDecisionConfig {
  /** Bars the prediction covers. Default 6 (one day of 4h bars). */
  horizon: number;
  /** Hard cap on |fraction of equity| for any instrument. Default 1. */
  maxFraction: number;
  /** Per-instrument overrides of maxFraction. */
  maxFractionByInstrument: Readonly<Record<string, number>>;
  regimeMultipliers: RegimeMultipliers;
  tierThresholds: Partial<TierThresholds>;
  /** False disables the RL tiers whatever rlFraction says. Default true. */
  hasRl: boolean;
}

export const DEFAULT_SIZING_DECISION_CONFIG: Readonly<SizingDecisionConfig> = Object.freeze({
  horizon: 6,
  maxFraction: 1,
  maxFractionByInstrument: Object.freeze({}),
  regimeMultipliers: DEFAULT_REGIME_MULTIPLIERS,
  tierThresholds: Object.freeze({}),
  hasRl: true,
});

export interface SizingDecisionInput {
  instrumentId: string;
  tsClose: number;
  /** Forecast log return over `horizon` bars; null when no model is served. */
  prediction: number | null;
  /** Prediction z-score, clipped to [-3, 3]. */
  signal: number;
  /** Signal confidence in [0, 1]. */
  confidence: number;
  regime: { label: Regime | null; probabilities: ArrayLike<number>; volatility: number };
  recentIc: number;
  /** Fraction proposed by the RL policy (computed by the caller); null if there is none. */
  rlFraction: number | null;
  breaker: { state: BreakerStateName; sizeMultiplier: number };
  /** |fraction| cap for this instrument from the hierarchical allocation; Infinity if none. */
  allocationLimit: number;
}

/** One bar's sizing decision, JSON-safe: every number is finite; missing values are null. */
export interface SizingDecision {
  instrumentId: string;
  tsClose: number;
  prediction: number | null;
  signal: number;
  confidence: number;
  /** Regime label in force, 'Unknown' before the regime model's first fit (sized as Neutral). */
  regime: Regime | 'Unknown';
  regimeProbabilities: number[];
  regimeMultiplier: number;
  /** Per-bar σ. */
  volatility: number | null;
  /** Kelly μ: the prediction. */
  expectedReturn: number | null;
  /** Kelly σ²: horizon · volatility². */
  variance: number | null;
  recentIc: number | null;
  /** Full Kelly μ/σ². */
  kellyRaw: number;
  /** Regime-scaled, capped Kelly fraction. */
  kellyFraction: number;
  kellyReason: KellyReasonCode | 'NO_MODEL';
  rlFraction: number | null;
  tier: SizingTier;
  tierReason: TierReason | 'INTERNAL_ERROR';
  /** Fraction after the tier blend (before breaker and caps). */
  rawFraction: number;
  breakerState: BreakerStateName;
  breakerMultiplier: number;
  /** Allocation cap in force; null when there is none. */
  allocationLimit: number | null;
  maxFraction: number;
  /** Signed target fraction of equity. */
  finalFraction: number;
  cuts: SizingCut[];
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const orNull = (x: unknown): number | null => (finite(x) ? x + 0 : null);
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export class SizingDecisionEngine {
  readonly config: Readonly<SizingDecisionConfig>;

  /** Throws RangeError on a bad configuration (so that decide() cannot fail on one). */
  constructor(config: Partial<SizingDecisionConfig> = {}) {
    const c: SizingDecisionConfig = { ...DEFAULT_SIZING_DECISION_CONFIG, ...config };
    if (!(Number.isInteger(c.horizon) && c.horizon >= 1)) throw new RangeError(`horizon must be an integer ≥ 1 (got ${c.horizon})`);
    const checkCap = (name: string, v: number): void => {
      if (!(finite(v) && v >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0 (got ${String(v)})`);
    };
    checkCap('maxFraction', c.maxFraction);
    for (const [id, v] of Object.entries(c.maxFractionByInstrument)) checkCap(`maxFractionByInstrument.${id}`, v);
    for (const r of REGIMES) checkCap(`regimeMultipliers.${r}`, c.regimeMultipliers[r]);
    resolveTierThresholds(c.tierThresholds);
    this.config = Object.freeze({
      ...c,
      maxFractionByInstrument: Object.freeze({ ...c.maxFractionByInstrument }),
      regimeMultipliers: Object.freeze({ ...c.regimeMultipliers }),
      tierThresholds: Object.freeze({ ...c.tierThresholds }),
    });
  }

  maxFractionFor(instrumentId: string): number {
    return Object.hasOwn(this.config.maxFractionByInstrument, instrumentId) ? this.config.maxFractionByInstrument[instrumentId]! : this.config.maxFraction;
  }

  decide(input: SizingDecisionInput): SizingDecision {
    try {
      return this.decideUnsafe(input);
    } catch {
      return this.flatOnError(input);
    }
  }

  private decideUnsafe(input: SizingDecisionInput): SizingDecision {
    const cuts: SizingCut[] = [];
    const instrumentId = String(input.instrumentId);
    const maxFraction = this.maxFractionFor(instrumentId);

    // Regime: an unknown or missing label is sized as Neutral and recorded as Unknown.
    const label = input.regime?.label;
    const known = typeof label === 'string' && (REGIMES as readonly string[]).includes(label);
    const regime: Regime | 'Unknown' = known ? label : 'Unknown';
    const regimeForSize: Regime = known ? label : 'Neutral';
    const probs = input.regime?.probabilities;
    const regimeProbabilities = probs ? Array.from(probs, (p) => (finite(p) ? p + 0 : 0)) : [];
    const volatility = orNull(input.regime?.volatility);

    // Kelly on the horizon: μ = predicted log return, σ² = h·σ_bar².
    const prediction = orNull(input.prediction);
    const variance = volatility === null ? null : this.config.horizon * volatility * volatility;
    let kellyRaw = 0;
    let kellyFraction = 0;
    let kellyReason: KellyReasonCode | 'NO_MODEL' = 'NO_MODEL';
    const regimeMultiplier = this.config.regimeMultipliers[regimeForSize];
    const kellyCuts: SizingCut[] = [];
    if (prediction === null) {
      cuts.push('NO_MODEL');
    } else {
      const k = regimeScaledKelly({ expectedReturn: prediction, variance: variance ?? Number.NaN }, regimeForSize, { maxFraction }, this.config.regimeMultipliers);
      kellyRaw = k.raw;
      kellyFraction = k.fraction;
      kellyReason = k.reasonCode;
      if (k.reasonCode !== 'OK' && k.reasonCode !== 'CAPPED_LONG' && k.reasonCode !== 'CAPPED_SHORT') kellyCuts.push('KELLY_INVALID');
      if (kellyRaw !== 0 && k.regimeMultiplier < 1) kellyCuts.push('REGIME_SCALE');
      if (k.capped) kellyCuts.push('KELLY_CAP');
    }

    // Tier: the RL tiers need an RL fraction (and RL enabled).
    const rlFraction = orNull(input.rlFraction);
    const breakerState: BreakerStateName = input.breaker?.state === 'OPEN' || input.breaker?.state === 'HALF_OPEN' ? input.breaker.state : 'CLOSED';
    const confidence = finite(input.confidence) ? clamp(input.confidence, 0, 1) : 0;
    const recentIc = orNull(input.recentIc);
    const tier = selectSizingTier(
      { confidence, recentIc: recentIc ?? Number.NaN, hasRlPolicy: this.config.hasRl && rlFraction !== null, breakerOpen: breakerState === 'OPEN' },
      this.config.tierThresholds,
    );
    const rawFraction = prediction === null ? 0 : blendSize(tier.tier, rlFraction ?? Number.NaN, kellyFraction);
    // Kelly's own cuts matter only when the tier sizes with Kelly.
    if (tier.tier === 'PURE_KELLY' || tier.tier === 'BLENDED') cuts.push(...kellyCuts);

    // Breaker: OPEN is flat; otherwise its size multiplier, read as 0 when invalid, at most 1.
    const m = input.breaker?.sizeMultiplier;
    const breakerMultiplier = breakerState === 'OPEN' ? 0 : finite(m) ? clamp(m, 0, 1) : 0;
    if (breakerState === 'OPEN') cuts.push('BREAKER_OPEN');
    else if (breakerMultiplier < 1 && rawFraction !== 0) cuts.push(breakerState === 'HALF_OPEN' ? 'BREAKER_HALF_OPEN' : 'BREAKER_SCALE');
    let finalFraction = rawFraction * breakerMultiplier;

    // Caps: hierarchical allocation limit (NaN / negative read as 0) and the instrument's maxFraction.
    const a = input.allocationLimit;
    const allocationLimit = a === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : finite(a) && a >= 0 ? a : 0;
    const size = Math.abs(finalFraction);
    if (size > allocationLimit) cuts.push('ALLOCATION_LIMIT');
    if (size > maxFraction) cuts.push('MAX_FRACTION');
    finalFraction = clamp(finalFraction, -Math.min(allocationLimit, maxFraction), Math.min(allocationLimit, maxFraction));

    return {
      instrumentId,
      tsClose: finite(input.tsClose) ? input.tsClose + 0 : 0,
      prediction,
      signal: finite(input.signal) ? clamp(input.signal, -3, 3) + 0 : 0,
      confidence: confidence + 0,
      regime,
      regimeProbabilities,
      regimeMultiplier: regimeMultiplier + 0,
      volatility,
      expectedReturn: prediction,
      variance: orNull(variance),
      recentIc,
      kellyRaw: kellyRaw + 0,
      kellyFraction: kellyFraction + 0,
      kellyReason,
      rlFraction,
      tier: tier.tier,
      tierReason: tier.reason,
      rawFraction: rawFraction + 0,
      breakerState,
      breakerMultiplier: breakerMultiplier + 0,
      allocationLimit: finite(allocationLimit) ? allocationLimit + 0 : null,
      maxFraction: maxFraction + 0,
      finalFraction: finalFraction + 0,
      cuts,
    };
  }

  /** Last line of defence for the never-throws contract: a flat, fully-populated record. */
  private flatOnError(input: SizingDecisionInput): SizingDecision {
    let instrumentId = '';
    try {
      instrumentId = String(input?.instrumentId ?? '');
    } catch {
      instrumentId = '';
    }
    return {
      instrumentId,
      tsClose: finite(input?.tsClose) ? input.tsClose + 0 : 0,
      prediction: null,
      signal: 0,
      confidence: 0,
      regime: 'Unknown',
      regimeProbabilities: [],
      regimeMultiplier: 0,
      volatility: null,
      expectedReturn: null,
      variance: null,
      recentIc: null,
      kellyRaw: 0,
      kellyFraction: 0,
      kellyReason: 'NO_MODEL',
      rlFraction: null,
      tier: 'EMERGENCY_FLAT',
      tierReason: 'INTERNAL_ERROR',
      rawFraction: 0,
      breakerState: 'CLOSED',
      breakerMultiplier: 0,
      allocationLimit: null,
      maxFraction: 0,
      finalFraction: 0,
      cuts: ['INTERNAL_ERROR'],
    };
  }
}
