import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CqrsModule } from '@nestjs/cqrs';
import { BUS_OPTIONS, EVENT_STORE, InMemoryEventStore, MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, defaultEventRegistry } from '@lib/model';
import { PortfolioModule } from './portfolio.module.js';
import { PortfolioService } from './portfolio.service.js';
import { PortfolioProjection } from './projections/portfolio.projection.js';
import { BTC, ETH, HOUR, bar, fill, funding, raw, runStarted } from './testing/event-feed.js';

/** Stands in for the global KernelModule: the ordered bus over an in-memory store. */
@Global()
@Module({})
class TestKernelModule {
  static over(store: InMemoryEventStore): DynamicModule {
    return {
      module: TestKernelModule,
      imports: [CqrsModule.forRoot()],
      providers: [{ provide: EVENT_STORE, useValue: store }, { provide: BUS_OPTIONS, useValue: { batchSize: 1000 } }, MessageBus],
      exports: [MessageBus],
    };
  }
}

async function boot() {
  const store = new InMemoryEventStore();
  const moduleRef = await Test.createTestingModule({ imports: [TestKernelModule.over(store), PortfolioModule] }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const bus = moduleRef.get(MessageBus);
  await bus.openStream('run-1');
  return { bus, store, portfolio: moduleRef.get(PortfolioService) };
}

describe('PortfolioService', () => {
  it('projects bus events at the PORTFOLIO stage, before strategies read it, and a replay of the store rebuilds the same state', async () => {
    const { bus, store, portfolio } = await boot();
    const seenByStrategy: number[] = [];
    bus.subscribe(BarClosedEvent, Stage.STRATEGY, 'probe', () => seenByStrategy.push(portfolio.equityValue()));

    bus.publish(runStarted('1000'));
    bus.publish(fill(BTC, 'BUY', '1', '100', '0.1', 1 * HOUR));
    bus.publish(bar(BTC, '110', 4 * HOUR));
    bus.publish(bar(ETH, '50', 4 * HOUR));
    bus.publish(funding(BTC, '-0.2', '1', 5 * HOUR));
    bus.publish(fill(BTC, 'SELL', '0.4', '120', '0.05', 6 * HOUR));
    bus.publish(bar(BTC, '105', 8 * HOUR));
    await bus.flush();

    expect(seenByStrategy).toEqual([1009.9, 1009.9, 1010.65]);
    expect(portfolio.netQuantityRaw(BTC)).toBe(raw('0.6'));
    expect(portfolio.projection.cash().raw).toBe(raw('1007.65')); // 1000 − 0.1 − 0.2 + 0.4 × (120 − 100) − 0.05
    expect(portfolio.projection.equityCurve()).toHaveLength(2);

    const registry = defaultEventRegistry();
    const replayed = new PortfolioProjection();
    for (const env of store.events) replayed.apply(registry.decode(env.type, env.version, env.payload), env);
    expect(replayed.stateHash()).toBe(portfolio.projection.stateHash());
    expect(JSON.stringify(replayed.snapshot())).toBe(JSON.stringify(portfolio.projection.snapshot()));
  });
});
