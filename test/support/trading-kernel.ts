import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Cache, Clock, EVENT_STORE, InMemoryEventStore, KernelModule, MessageBus, TestClock, type EventEnvelope } from '@lib/kernel';
import { EXECUTION_CLIENT, ExecutionEngine, ExecutionModule } from '@lib/execution';
import {
  BarClosedEvent,
  Money,
  Quantity,
  RunStartedEvent,
  clientOrderId,
  strategyId,
  type Bar,
  type Instrument,
  type OrderSide,
  type SubmitOrderSpec,
} from '@lib/model';
import { PortfolioModule, PortfolioService } from '@lib/portfolio';
import { DEFAULT_RISK_LIMITS_SPEC, RiskModule, TradingStateService, type RiskLimitsSpec, type RiskModuleOptions } from '@lib/risk';
import { SimulatedVenue } from '@lib/venues-sim';

/** The event store the persistence module would provide. */
@Global()
@Module({})
export class InMemoryStoreModule {
  static with(store: InMemoryEventStore): DynamicModule {
    return { module: InMemoryStoreModule, providers: [{ provide: EVENT_STORE, useValue: store }], exports: [EVENT_STORE] };
  }
}

export interface TradingKernelOptions {
  /** Added to the cache, and the run's instruments. */
  readonly instruments: readonly Instrument[];
  /** The stream the bus opens. */
  readonly streamId: string;
  /** The run's initial capital in USDT (default '100000'). */
  readonly initialCapital?: string;
  /** The run's strategy name (default 'test'). */
  readonly strategy?: string;
  /** When set, the clock is advanced to it before the run starts. */
  readonly startAt?: number;
  /** Publish a RunStartedEvent first (default true). */
  readonly publishRunStarted?: boolean;
  /** Pre-trade limits (default: the trader's defaults). */
  readonly limits?: RiskLimitsSpec;
  /** Circuit breaker, VaR and allocation (default: all off). */
  readonly risk?: RiskModuleOptions;
  /** Further modules, e.g. RegimeModule.forRoot(...). */
  readonly imports?: readonly DynamicModule[];
}

export interface TradingKernel {
  readonly moduleRef: TestingModule;
  readonly store: InMemoryEventStore;
  readonly bus: MessageBus;
  readonly cache: Cache;
  readonly clock: TestClock;
  readonly venue: SimulatedVenue;
  readonly engine: ExecutionEngine;
  readonly portfolio: PortfolioService;
  readonly tradingState: TradingStateService;
  /** Flushes the bus and returns the stored stream. */
  stream(): Promise<EventEnvelope[]>;
  /** What the DataEngine does with an accepted bar: clock, cache, venue matching (fills at this bar's open), then bar.closed. */
  closeBar(bar: Bar): void;
  close(): Promise<void>;
}

/**
 * The kernel as the trader runs it, in memory: KernelModule with a test clock, an in-memory event store,
 * ExecutionModule with a SimulatedVenue (default config), RiskModule with the default limits, and
 * PortfolioModule; the stream is open and the instruments are in the cache.
 */
export async function bootTradingKernel(options: TradingKernelOptions): Promise<TradingKernel> {
  const store = new InMemoryEventStore();
  const moduleRef = await Test.createTestingModule({
    imports: [
      KernelModule.forRoot({ clock: 'test' }),
      InMemoryStoreModule.with(store),
      ExecutionModule.withClient({
        provide: EXECUTION_CLIENT,
        useFactory: (cache: Cache, clock: Clock) => new SimulatedVenue({}, cache, clock),
        inject: [Cache, Clock],
      }),
      RiskModule.forRoot(options.limits ?? DEFAULT_RISK_LIMITS_SPEC, options.risk),
      PortfolioModule,
      ...(options.imports ?? []),
    ],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const bus = moduleRef.get(MessageBus);
  const cache = moduleRef.get(Cache);
  const clock = moduleRef.get(Clock) as TestClock;
  const venue = moduleRef.get<SimulatedVenue>(EXECUTION_CLIENT);
  await bus.openStream(options.streamId);
  for (const instrument of options.instruments) cache.addInstrument(instrument);
  if (options.startAt !== undefined) clock.advanceTo(options.startAt);
  if (options.publishRunStarted ?? true) {
    bus.publish(
      new RunStartedEvent({
        mode: 'backtest',
        strategy: options.strategy ?? 'test',
        instruments: options.instruments.map((i) => i.id),
        initialCapital: Money.parse(options.initialCapital ?? '100000', 'USDT'),
        config: {},
        tsEvent: clock.now(),
      }),
    );
  }
  return {
    moduleRef,
    store,
    bus,
    cache,
    clock,
    venue,
    engine: moduleRef.get(ExecutionEngine),
    portfolio: moduleRef.get(PortfolioService),
    tradingState: moduleRef.get(TradingStateService),
    stream: async () => {
      await bus.flush();
      return store.events.filter((e) => e.streamId === options.streamId);
    },
    closeBar: (bar: Bar) => {
      clock.advanceTo(bar.tsClose);
      cache.addBar(bar);
      venue.onBar(bar);
      bus.publish(BarClosedEvent.of(bar));
    },
    close: () => moduleRef.close(),
  };
}

/**
 * Registers jest hooks in the enclosing describe: a fresh kernel is booted before each test and handed to
 * `onBoot` (before the describe's own later beforeEach hooks run), and closed after it.
 */
export function tradingKernelPerTest(options: TradingKernelOptions, onBoot: (kernel: TradingKernel) => void): void {
  let current: TradingKernel | null = null;
  beforeEach(async () => {
    current = await bootTradingKernel(options);
    onBoot(current);
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
}

/** A GTC MARKET order for `qty` of `instrument` from strategy S-1, with any field changed by `change`. */
export function marketOrderSpec(instrument: Instrument, id: string, side: OrderSide, qty: string, change: Partial<SubmitOrderSpec> = {}): SubmitOrderSpec {
  return {
    clientOrderId: clientOrderId(id),
    strategyId: strategyId('S-1'),
    instrumentId: instrument.id,
    side,
    orderType: 'MARKET',
    quantity: Quantity.parse(qty, instrument.sizePrecision),
    price: null,
    triggerPrice: null,
    timeInForce: 'GTC',
    reduceOnly: false,
    tag: null,
    ...change,
  };
}
