import { Test } from '@nestjs/testing';
import { CqrsModule } from '@nestjs/cqrs';
import { BUS_OPTIONS, EVENT_STORE, InMemoryEventStore, MessageBus } from '@lib/kernel';

/** The real kernel MessageBus on an in-memory event store, with a stream open. */
export async function openTestBus(stream = 'test'): Promise<{ bus: MessageBus; store: InMemoryEventStore }> {
  const store = new InMemoryEventStore();
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [{ provide: EVENT_STORE, useValue: store }, { provide: BUS_OPTIONS, useValue: { batchSize: 1000 } }, MessageBus],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const bus = moduleRef.get(MessageBus);
  await bus.openStream(stream);
  return { bus, store };
}
