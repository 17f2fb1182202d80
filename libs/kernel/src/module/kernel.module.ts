import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { BUS_OPTIONS, MessageBus, type BusOptions } from '../bus/message-bus.js';
import { Cache } from '../cache/cache.js';
import { Clock, LiveClock, TestClock } from '../clock/clock.js';

export interface KernelOptions {
  /** 'test': time set by the data (backtest); 'live': wall clock. */
  readonly clock: 'test' | 'live';
  readonly bus?: Partial<BusOptions>;
  readonly barHistory?: number;
}

/**
 * The kernel shared by every mode: clock, cache and the ordered message bus on top of
 * @nestjs/cqrs. The event store (EVENT_STORE) comes from the persistence module.
 */
@Global()
@Module({})
export class KernelModule {
  static forRoot(options: KernelOptions): DynamicModule {
    const clock = options.clock === 'test' ? new TestClock(0) : new LiveClock();
    return {
      module: KernelModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: Clock, useValue: clock },
        { provide: Cache, useValue: new Cache(options.barHistory ?? 2000) },
        { provide: BUS_OPTIONS, useValue: { batchSize: options.bus?.batchSize ?? 2000 } satisfies BusOptions },
        MessageBus,
      ],
      exports: [Clock, Cache, MessageBus, CqrsModule],
    };
  }
}
