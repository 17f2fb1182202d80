import type { Cache, MessageBus } from '@lib/kernel';
import { OrderDeniedEvent, OrderSubmittedEvent, clientOrderId, instrumentId } from '@lib/model';
import { MetricsRecorder } from './metrics.recorder.js';

describe('MetricsRecorder failures', () => {
  it('never throws into the trading path, and warns once per kind', () => {
    const handlers = new Map<string, (event: unknown) => void>();
    const bus = {
      subscribe: (cls: { type: string }, _stage: number, _name: string, fn: (event: unknown) => void) => handlers.set(cls.type, fn),
      pendingWrites: 0,
      publishedCount: 0,
    } as unknown as MessageBus;
    const cache = {
      order: () => {
        throw new Error('cache exploded');
      },
      workingOrders: () => [],
    } as unknown as Cache;
    const recorder = new MetricsRecorder(bus, cache);
    const warnings: string[] = [];
    (recorder as unknown as { logger: { warn: (m: string) => void } }).logger = { warn: (m) => warnings.push(m) };
    recorder.onModuleInit();
    const ids = { clientOrderId: clientOrderId('O-1'), instrumentId: instrumentId('BTCUSDT-PERP.BYBIT') };
    expect(() => handlers.get(OrderSubmittedEvent.type)!(new OrderSubmittedEvent({ ...ids, tsEvent: 1 }))).not.toThrow();
    expect(() => handlers.get(OrderDeniedEvent.type)!(new OrderDeniedEvent({ ...ids, reason: 'ORDER.DENIED_NOTIONAL', detail: 'x', tsEvent: 2 }))).not.toThrow();
    expect(warnings).toEqual(['order metrics not recorded: cache exploded']);
  });
});
