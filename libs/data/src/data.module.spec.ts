import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { BAR_REPOSITORY, BUS_OPTIONS, Cache, Clock, EVENT_STORE, InMemoryEventStore, MessageBus, TestClock } from '@lib/kernel';
import { CatalogImporter } from './catalog/catalog-importer.js';
import { DataModule } from './data.module.js';
import { DataEngine } from './engine/data-engine.js';
import { InMemoryBarRepository } from './testing/in-memory-bar-repository.js';
import { BTC } from './testing/instruments.js';

const store = new InMemoryEventStore();
const clock = new TestClock(1_700_000_000_000);

/** Stands in for KernelModule (global) and the persistence module, which other libs provide. */
@Global()
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [
    { provide: EVENT_STORE, useValue: store },
    { provide: BUS_OPTIONS, useValue: { batchSize: 1000 } },
    MessageBus,
    { provide: Cache, useValue: new Cache() },
    { provide: Clock, useValue: clock },
    { provide: BAR_REPOSITORY, useValue: new InMemoryBarRepository() },
  ],
  exports: [MessageBus, Cache, Clock, BAR_REPOSITORY],
})
class KernelStandIn {}

describe('DataModule', () => {
  it('provides the DataEngine on the kernel bus, cache and clock, and the importer with a catalog', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [KernelStandIn, DataModule.withCatalog()] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const engine = moduleRef.get(DataEngine);
    expect(moduleRef.get(CatalogImporter)).toBeInstanceOf(CatalogImporter);
    const bus = moduleRef.get(MessageBus);
    await bus.openStream('di');
    moduleRef.get(Cache).addInstrument(BTC);
    engine.process({ instrumentId: BTC.id, interval: '4h', source: 'live', line: null, ts: 'x', open: '1', high: '1', low: '1', close: '1', volume: '1' });
    await bus.flush();
    // a rejected bar is stamped with the kernel clock: when it arrived
    expect(store.events.map((e) => [e.type, e.tsEvent])).toEqual([['bar.rejected', clock.now()]]);
  });
});
