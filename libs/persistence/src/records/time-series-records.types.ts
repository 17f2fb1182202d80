import type { JsonObject, JsonValue } from '@lib/model';

/**
 * One `sizing.decided` decision record as stored: the fields analysts filter and aggregate on as
 * columns (fractions as float8), and the whole event payload as JSON. The key is
 * (instrumentId, strategyId, streamId, ts): one decision per bar per strategy per run.
 */
export interface DecisionRecord {
  readonly instrumentId: string;
  readonly strategyId: string;
  /** The run or live stream that made the decision. */
  readonly streamId: string;
  /** Bar time of the decision, epoch ms. */
  readonly ts: number;
  readonly tier: string;
  readonly tierReason: string;
  readonly regime: string;
  readonly prediction: number | null;
  readonly signal: number;
  readonly confidence: number;
  readonly kellyFraction: number;
  readonly rlFraction: number | null;
  readonly rawFraction: number;
  readonly allocationLimit: number | null;
  readonly finalFraction: number;
  /** Coded reasons for every cut (the event's `cuts`), in order. */
  readonly reasonCodes: readonly string[];
  readonly payload: JsonObject;
}

/** The fields of a `sizing.decided` payload (decimal strings, as on the wire). */
export interface SizingDecidedPayload {
  readonly instrumentId: string;
  readonly strategyId: string;
  readonly prediction?: string | null;
  readonly signal: string;
  readonly confidence: string;
  readonly regime: string;
  readonly regimeProbabilities: string;
  readonly volatility: string;
  readonly recentIc?: string | null;
  readonly tier: string;
  readonly tierReason: string;
  readonly kellyFraction: string;
  readonly rlFraction?: string | null;
  readonly rawFraction: string;
  readonly allocationLimit?: string | null;
  readonly finalFraction: string;
  readonly cuts: string;
}

/** A model's output on one bar with the feature vector it saw. NaN in `features` is a missing value. */
export interface ModelPrediction {
  readonly instrumentId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  /** Bar time, epoch ms. */
  readonly ts: number;
  readonly features: readonly number[];
  readonly prediction: number;
}

/** The portfolio of one run or live stream at one bar. Money amounts are decimal strings. */
export interface PortfolioSnapshot {
  readonly streamId: string;
  readonly ts: number;
  readonly equity: string;
  /** Fraction of peak equity, 0 at a new peak. */
  readonly drawdown: number;
  readonly grossExposure: string;
  readonly netExposure: string;
  readonly positions: JsonValue;
}
