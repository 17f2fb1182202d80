import type { InstrumentId } from '../identifiers/identifiers.js';
import { Field } from './codec.js';
import { defineEvent } from './domain-event.js';

/** Where the model serving a prediction came from (four-tier resilient loading). */
export const MODEL_TIERS = ['PRODUCTION', 'CACHED', 'PREVIOUS', 'FLAT'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

/**
 * One model prediction at a bar close: what the ML strategy saw and decided. Stored like every
 * other event, so the decision trail can be audited and replayed. Floats travel as decimal
 * strings with 12 significant digits (features are floats; this is a record, not order maths).
 */
export class SignalPredictedEvent extends defineEvent('signal.predicted', 1, {
  instrumentId: Field.string<InstrumentId>(),
  strategyId: Field.string(),
  model: Field.string(),
  modelVersion: Field.optional(Field.int()),
  tier: Field.oneOf(MODEL_TIERS),
  prediction: Field.string(),
  confidence: Field.string(),
  targetWeight: Field.string(),
}) {}

export class ModelTierChangedEvent extends defineEvent('signal.model_tier_changed', 1, {
  model: Field.string(),
  from: Field.optional(Field.oneOf(MODEL_TIERS)),
  to: Field.oneOf(MODEL_TIERS),
  modelVersion: Field.optional(Field.int()),
  reason: Field.string(),
}) {}
