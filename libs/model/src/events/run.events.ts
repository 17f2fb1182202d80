import { Field, type JsonObject } from './codec.js';
import { defineEvent } from './domain-event.js';

/**
 * First event of every run: what was run, with which configuration and capital. The run id is
 * the stream id, not part of the payload: two runs of the same input write identical events.
 */
export class RunStartedEvent extends defineEvent('run.started', 1, {
  mode: Field.oneOf(['backtest', 'paper', 'live'] as const),
  strategy: Field.string(),
  instruments: Field.json<string[]>(),
  initialCapital: Field.money(),
  config: Field.json<JsonObject>(),
}) {}

/** Last event of a run: the projection state it ended with, so a replay can be compared against it. */
export class RunCompletedEvent extends defineEvent('run.completed', 1, {
  bars: Field.int(),
  barsRejected: Field.int(),
  finalEquity: Field.money(),
  stateHash: Field.string(),
}) {}
