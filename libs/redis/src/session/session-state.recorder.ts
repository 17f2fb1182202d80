import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, BreakerTransitionedEvent } from '@lib/model';
import { SESSION_STATE_STORE, type BreakerSessionState, type SessionStateStore } from './session-state.js';

/**
 * Records what a restart needs (last bar per instrument, breaker state) from the ordered bus, after
 * every trading handler (Stage.RECORDER). The store only touches memory on this path; a failure is
 * logged and never reaches trading.
 */
@Injectable()
export class SessionStateRecorder implements OnModuleInit {
  private readonly logger = new Logger(SessionStateRecorder.name);

  constructor(
    private readonly bus: MessageBus,
    @Inject(SESSION_STATE_STORE) private readonly store: SessionStateStore,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(BarClosedEvent, Stage.RECORDER, 'session-state', (e, envelope) =>
      this.safely(() => this.store.recordBar(envelope.streamId, e.instrumentId, e.tsEvent)),
    );
    this.bus.subscribe(BreakerTransitionedEvent, Stage.RECORDER, 'session-state', (e, envelope) =>
      this.safely(() => this.store.recordBreaker(envelope.streamId, nextBreakerState(this.store.current(envelope.streamId).breaker, e))),
    );
  }

  private safely(record: () => void): void {
    try {
      record();
    } catch (err) {
      this.logger.warn(`session state not recorded: ${(err as Error).message}`);
    }
  }
}

/** The breaker state after `event`, given the state recorded before it (see BreakerSessionState). */
export function nextBreakerState(previous: BreakerSessionState | null, event: BreakerTransitionedEvent): BreakerSessionState {
  const reference = event.reference ?? null;
  let peak = previous?.peak ?? null;
  let halfOpenBase = previous?.halfOpenBase ?? null;
  if (event.trigger === 'OPERATOR_RESET') {
    peak = null;
    halfOpenBase = null;
  } else if (event.to === 'HALF_OPEN') {
    halfOpenBase = event.equity;
  } else if (event.from === 'HALF_OPEN') {
    halfOpenBase = event.to === 'CLOSED' ? null : (reference ?? halfOpenBase);
    if (event.to === 'CLOSED') peak = reference;
  } else {
    peak = reference;
  }
  return {
    state: event.to,
    tripCount: (previous?.tripCount ?? 0) + (event.to === 'OPEN' ? 1 : 0),
    since: event.tsEvent,
    lastTrigger: event.trigger,
    reason: event.reason,
    peak,
    halfOpenBase,
    tradingState: event.tradingState,
    sizeMultiplier: event.sizeMultiplier,
  };
}
