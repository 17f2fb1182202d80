import type { DomainEvent, EventClass } from './domain-event.js';
import type { JsonValue } from './codec.js';
import { FundingAppliedEvent, TradingStateChangedEvent } from './account.events.js';
import { BarClosedEvent, BarGapDetectedEvent, BarRejectedEvent, FundingRateEvent } from './market.events.js';
import {
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderDeniedEvent,
  OrderExpiredEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderPendingCancelEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
  OrderTriggeredEvent,
} from './order.events.js';
import { RunCompletedEvent, RunStartedEvent } from './run.events.js';
import { ModelTierChangedEvent, SignalPredictedEvent } from './signal.events.js';
import { AllocationUpdatedEvent, BreakerTransitionedEvent, RegimeChangedEvent, SizingDecidedEvent, SizingTierChangedEvent } from './risk.events.js';

export class UnknownEventTypeError extends Error {
  readonly code = 'EVENT.UNKNOWN_TYPE';
  constructor(type: string, version: number) {
    super(`no decoder for event type '${type}' version ${version}`);
    this.name = 'UnknownEventTypeError';
  }
}

/** Maps stable wire names (and their aliases) to event classes; decoding keys on the string, never the class name. */
export class EventRegistry {
  private readonly byType = new Map<string, EventClass>();

  constructor(classes: readonly EventClass[]) {
    for (const cls of classes) this.register(cls);
  }

  register(cls: EventClass): void {
    for (const name of [cls.type, ...cls.aliases]) {
      const key = `${name}@${cls.version}`;
      const existing = this.byType.get(key);
      if (existing && existing !== cls) throw new Error(`event type ${key} registered twice`);
      this.byType.set(key, cls);
    }
  }

  has(type: string, version: number): boolean {
    return this.byType.has(`${type}@${version}`);
  }

  decode(type: string, version: number, payload: string | JsonValue): DomainEvent {
    const cls = this.byType.get(`${type}@${version}`);
    if (!cls) throw new UnknownEventTypeError(type, version);
    return cls.fromPayload(typeof payload === 'string' ? (JSON.parse(payload) as JsonValue) : payload);
  }
}

export const DOMAIN_EVENT_CLASSES: readonly EventClass[] = [
  BarClosedEvent,
  BarRejectedEvent,
  BarGapDetectedEvent,
  FundingRateEvent,
  FundingAppliedEvent,
  TradingStateChangedEvent,
  OrderInitializedEvent,
  OrderDeniedEvent,
  OrderSubmittedEvent,
  OrderAcceptedEvent,
  OrderRejectedEvent,
  OrderPendingCancelEvent,
  OrderCanceledEvent,
  OrderExpiredEvent,
  OrderTriggeredEvent,
  OrderFilledEvent,
  RunStartedEvent,
  RunCompletedEvent,
  SignalPredictedEvent,
  ModelTierChangedEvent,
  BreakerTransitionedEvent,
  RegimeChangedEvent,
  AllocationUpdatedEvent,
  SizingDecidedEvent,
  SizingTierChangedEvent,
] as unknown as readonly EventClass[];

export const defaultEventRegistry = (): EventRegistry => new EventRegistry(DOMAIN_EVENT_CLASSES);
