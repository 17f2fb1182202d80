import type { InstrumentId } from '../identifiers/identifiers.js';
import { TRADING_STATES } from './account.events.js';
import { Field } from './codec.js';
import { defineEvent } from './domain-event.js';

/**
 * Events of the risk layer and of regime-aware sizing. Floats (drawdowns, fractions,
 * probabilities) travel as decimal strings with 12 significant digits: they are records of a
 * decision, never order maths, and strings keep the stored stream byte-stable.
 */

export const BREAKER_STATE_NAMES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export const BREAKER_TRIGGERS = ['DRAWDOWN', 'OPERATOR_TRIP', 'COOL_DOWN', 'RECOVERY', 'HALF_OPEN_BREACH', 'OPERATOR_RESET'] as const;

/** One transition of the drawdown circuit breaker, with the equity figures that caused it. */
export class BreakerTransitionedEvent extends defineEvent('risk.breaker_transitioned', 1, {
  from: Field.oneOf(BREAKER_STATE_NAMES),
  to: Field.oneOf(BREAKER_STATE_NAMES),
  trigger: Field.oneOf(BREAKER_TRIGGERS),
  reason: Field.string(),
  /** Drawdown measured at the transition, as a fraction of the reference (peak or half-open base). */
  drawdown: Field.string(),
  /** Equity at the bar close and at the bar's adverse extreme, in the settlement currency. */
  equity: Field.string(),
  adverseEquity: Field.string(),
  /** The reference equity the drawdown was measured from (null after an operator reset). */
  reference: Field.optional(Field.string()),
  tradingState: Field.oneOf(TRADING_STATES),
  sizeMultiplier: Field.string(),
  /** The instrument whose bar caused the mark, null for an operator action. */
  instrumentId: Field.optional(Field.string<InstrumentId>()),
}) {}

export const REGIME_NAMES = ['Bear', 'Neutral', 'Bull', 'Crisis', 'Unknown'] as const;
export type RegimeName = (typeof REGIME_NAMES)[number];

/** The most likely regime of an instrument changed (online forward filter, no look-ahead). */
export class RegimeChangedEvent extends defineEvent('regime.changed', 1, {
  instrumentId: Field.string<InstrumentId>(),
  from: Field.optional(Field.oneOf(REGIME_NAMES)),
  to: Field.oneOf(REGIME_NAMES),
  /** Filtered probabilities Bear, Neutral, Bull, Crisis, comma separated. */
  probabilities: Field.string(),
  modelVersion: Field.int(),
}) {}

/** Hierarchical risk allocation recomputed: per-instrument limits as |fraction of equity|. */
export class AllocationUpdatedEvent extends defineEvent('risk.allocation_updated', 1, {
  regime: Field.oneOf(REGIME_NAMES),
  /** `instrumentId=limit` pairs sorted by id, comma separated. */
  limits: Field.string(),
  gross: Field.string(),
  net: Field.string(),
}) {}

export const SIZING_TIER_NAMES = ['FULL_RL', 'BLENDED', 'PURE_KELLY', 'EMERGENCY_FLAT'] as const;
export type SizingTierName = (typeof SIZING_TIER_NAMES)[number];

/** The decision record of one bar: how a signal became a target position, and why it was cut. */
export class SizingDecidedEvent extends defineEvent('sizing.decided', 1, {
  instrumentId: Field.string<InstrumentId>(),
  strategyId: Field.string(),
  prediction: Field.optional(Field.string()),
  signal: Field.string(),
  confidence: Field.string(),
  regime: Field.oneOf(REGIME_NAMES),
  regimeProbabilities: Field.string(),
  volatility: Field.string(),
  recentIc: Field.optional(Field.string()),
  tier: Field.oneOf(SIZING_TIER_NAMES),
  tierReason: Field.string(),
  kellyFraction: Field.string(),
  rlFraction: Field.optional(Field.string()),
  /** Fraction after the tier blend, before breaker and allocation cuts. */
  rawFraction: Field.string(),
  allocationLimit: Field.optional(Field.string()),
  finalFraction: Field.string(),
  /** Coded reasons for every cut, comma separated (empty when uncut). */
  cuts: Field.string(),
}) {}

/** The sizing tier in force for an instrument changed. */
export class SizingTierChangedEvent extends defineEvent('sizing.tier_changed', 1, {
  instrumentId: Field.string<InstrumentId>(),
  strategyId: Field.string(),
  from: Field.optional(Field.oneOf(SIZING_TIER_NAMES)),
  to: Field.oneOf(SIZING_TIER_NAMES),
  reason: Field.string(),
}) {}
