import type { InstrumentId } from '../identifiers/identifiers.js';
import { Field } from './codec.js';
import { defineEvent } from './domain-event.js';

/** Funding paid (negative amount) or received on an open perpetual position at a funding timestamp. */
export class FundingAppliedEvent extends defineEvent('position.funding_applied', 1, {
  instrumentId: Field.string<InstrumentId>(),
  rate: Field.rate(),
  markPrice: Field.price(),
  positionQty: Field.string(), // signed decimal: positive long, negative short
  amount: Field.money(),
}) {}

export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
export type TradingState = (typeof TRADING_STATES)[number];

export class TradingStateChangedEvent extends defineEvent('risk.trading_state_changed', 1, {
  from: Field.oneOf(TRADING_STATES),
  to: Field.oneOf(TRADING_STATES),
  reason: Field.string(),
}) {}
