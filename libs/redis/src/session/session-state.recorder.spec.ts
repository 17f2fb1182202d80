import { Stage, type EventEnvelope, type MessageBus } from '@lib/kernel';
import { BarClosedEvent, BreakerTransitionedEvent } from '@lib/model';
import { InMemorySessionStateStore, type SessionStateStore } from './session-state.js';
import { SessionStateRecorder, nextBreakerState } from './session-state.recorder.js';

type Handler = (event: unknown, envelope: EventEnvelope) => void;

function transition(fields: Partial<ConstructorParameters<typeof BreakerTransitionedEvent>[0]>): BreakerTransitionedEvent {
  return new BreakerTransitionedEvent({
    from: 'CLOSED',
    to: 'OPEN',
    trigger: 'DRAWDOWN',
    reason: 'drawdown 6%',
    drawdown: '0.06',
    equity: '95000',
    adverseEquity: '94000',
    reference: '100000',
    tradingState: 'REDUCING',
    sizeMultiplier: '0',
    instrumentId: null,
    tsEvent: 1_000,
    ...fields,
  });
}

describe('nextBreakerState', () => {
  it('follows a trip, cool-down, recovery and operator reset', () => {
    const open = nextBreakerState(null, transition({}));
    expect(open).toMatchObject({ state: 'OPEN', tripCount: 1, since: 1_000, peak: '100000', halfOpenBase: null, lastTrigger: 'DRAWDOWN' });
    const half = nextBreakerState(open, transition({ from: 'OPEN', to: 'HALF_OPEN', trigger: 'COOL_DOWN', equity: '96000', reference: '100000', tsEvent: 2_000 }));
    expect(half).toMatchObject({ state: 'HALF_OPEN', tripCount: 1, since: 2_000, peak: '100000', halfOpenBase: '96000' });
    const reopened = nextBreakerState(half, transition({ from: 'HALF_OPEN', to: 'OPEN', trigger: 'HALF_OPEN_BREACH', reference: '96000', tsEvent: 3_000 }));
    expect(reopened).toMatchObject({ state: 'OPEN', tripCount: 2, peak: '100000', halfOpenBase: '96000' });
    const closed = nextBreakerState(half, transition({ from: 'HALF_OPEN', to: 'CLOSED', trigger: 'RECOVERY', reference: '96500', tsEvent: 4_000 }));
    expect(closed).toMatchObject({ state: 'CLOSED', tripCount: 1, peak: '96500', halfOpenBase: null });
    const reset = nextBreakerState(reopened, transition({ from: 'OPEN', to: 'CLOSED', trigger: 'OPERATOR_RESET', reference: null, tsEvent: 5_000 }));
    expect(reset).toMatchObject({ state: 'CLOSED', tripCount: 2, peak: null, halfOpenBase: null, lastTrigger: 'OPERATOR_RESET' });
  });
});

describe('SessionStateRecorder', () => {
  function wire(store: SessionStateStore): Map<string, Handler> {
    const handlers = new Map<string, Handler>();
    const bus = {
      subscribe: (cls: { type: string }, stage: number, name: string, fn: Handler) => {
        expect(stage).toBe(Stage.RECORDER);
        handlers.set(`${cls.type}/${name}`, fn);
      },
    } as unknown as MessageBus;
    new SessionStateRecorder(bus, store).onModuleInit();
    return handlers;
  }
  const envelope = { streamId: 'run-1' } as EventEnvelope;
  const bar = new BarClosedEvent({
    instrumentId: 'BTCUSDT-PERP.BYBIT' as BarClosedEvent['instrumentId'],
    interval: '4h',
    tsOpen: 0,
    open: null as never,
    high: null as never,
    low: null as never,
    close: null as never,
    volume: null as never,
    tsEvent: 14_400_000,
  });

  it('records bars and breaker transitions of the envelope stream at Stage.RECORDER', () => {
    const store = new InMemorySessionStateStore();
    const handlers = wire(store);
    handlers.get('bar.closed/session-state')!(bar, envelope);
    handlers.get('risk.breaker_transitioned/session-state')!(transition({}), envelope);
    handlers.get('risk.breaker_transitioned/session-state')!(transition({ from: 'OPEN', to: 'HALF_OPEN', trigger: 'COOL_DOWN', tsEvent: 2_000 }), envelope);
    expect(store.current('run-1')).toMatchObject({ lastBarTs: { 'BTCUSDT-PERP.BYBIT': 14_400_000 }, breaker: { state: 'HALF_OPEN', tripCount: 1 } });
  });

  it('never throws into trading when the store fails', () => {
    const store = new InMemorySessionStateStore();
    store.recordBar = () => {
      throw new Error('boom');
    };
    const handlers = wire(store);
    expect(() => handlers.get('bar.closed/session-state')!(bar, envelope)).not.toThrow();
  });
});
