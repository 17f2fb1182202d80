import { Test } from '@nestjs/testing';
import { CommandHandler, CqrsModule, EventBus, EventsHandler, type ICommandHandler, type IEventHandler } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { ofType } from '@nestjs/cqrs';
import { Field, defineEvent, type DomainEvent } from '@lib/model';
import { BUS_OPTIONS, MessageBus, Stage } from './message-bus.js';
import { EVENT_STORE, type EventStore } from '../store/event-store.port.js';
import { InMemoryEventStore } from '../store/in-memory-event-store.js';
import type { EventEnvelope } from '../store/event-envelope.js';

class PingEvent extends defineEvent('test.ping', 1, { n: Field.int() }) {}
class PongEvent extends defineEvent('test.pong', 1, { n: Field.int() }) {}
class ObservedEvent extends defineEvent('test.observed', 1, { n: Field.int() }) {}

class MakePongCommand {
  constructor(readonly n: number) {}
}

let pongBus: MessageBus | null = null;
@CommandHandler(MakePongCommand)
class MakePongHandler implements ICommandHandler<MakePongCommand> {
  execute(cmd: MakePongCommand): Promise<void> {
    pongBus!.publish(new PongEvent({ n: cmd.n, tsEvent: cmd.n }));
    return Promise.resolve();
  }
}

const observed: number[] = [];
@EventsHandler(ObservedEvent)
class ObserverHandler implements IEventHandler<ObservedEvent> {
  handle(e: ObservedEvent): void {
    observed.push(e.n);
    throw new Error('observer failures are logged, not fatal');
  }
}

async function makeBus(store: EventStore = new InMemoryEventStore(), batchSize = 1000): Promise<{ bus: MessageBus; store: EventStore }> {
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [{ provide: EVENT_STORE, useValue: store }, { provide: BUS_OPTIONS, useValue: { batchSize } }, MessageBus, MakePongHandler, ObserverHandler],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const bus = moduleRef.get(MessageBus);
  pongBus = bus;
  await bus.openStream('run-1');
  return { bus, store };
}

describe('MessageBus', () => {
  it('assigns seq, stream position and ids before any handler runs', async () => {
    const { bus } = await makeBus();
    const seen: EventEnvelope[] = [];
    bus.subscribe(PingEvent, Stage.STRATEGY, 'probe', (_e, env) => seen.push(env));
    const env = bus.publish(new PingEvent({ n: 1, tsEvent: 10 }));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(env);
    expect(env.seq).toBe(1);
    expect(env.streamSeq).toBe(1);
    expect(env.causationId).toBeNull();
    expect(env.correlationId).toBe(env.eventId);
    expect(env.payload).toBe('{"n":1,"tsEvent":10}');
  });

  it('runs handlers by stage then name, whatever the subscription order', async () => {
    const { bus } = await makeBus();
    const calls: string[] = [];
    bus.subscribe(PingEvent, Stage.STRATEGY, 'b-strategy', () => calls.push('b-strategy'));
    bus.subscribe(PingEvent, Stage.STRATEGY, 'a-strategy', () => calls.push('a-strategy'));
    bus.subscribe(PingEvent, Stage.CACHE, 'cache', () => calls.push('cache'));
    bus.subscribe(PingEvent, Stage.PORTFOLIO, 'portfolio', () => calls.push('portfolio'));
    bus.publish(new PingEvent({ n: 1, tsEvent: 1 }));
    expect(calls).toEqual(['cache', 'portfolio', 'a-strategy', 'b-strategy']);
  });

  it('dispatches events published by handlers after the current event (FIFO = seq order) with causation', async () => {
    const { bus } = await makeBus();
    const order: string[] = [];
    const envs: EventEnvelope[] = [];
    bus.subscribe(PingEvent, Stage.CACHE, 'first', (e, env) => {
      envs.push(env);
      order.push(`first:${e.n}`);
      if (e.n === 1) bus.publish(new PingEvent({ n: 2, tsEvent: 2 }));
    });
    bus.subscribe(PingEvent, Stage.STRATEGY, 'second', (e) => order.push(`second:${e.n}`));
    bus.publish(new PingEvent({ n: 1, tsEvent: 1 }));
    expect(order).toEqual(['first:1', 'second:1', 'first:2', 'second:2']);
    expect(envs.map((e) => e.seq)).toEqual([1, 2]);
    expect(envs[1]!.causationId).toBe(envs[0]!.eventId);
    expect(envs[1]!.correlationId).toBe(envs[0]!.eventId);
  });

  it('surfaces a trading handler error to the publisher instead of swallowing it', async () => {
    const { bus } = await makeBus();
    bus.subscribe(PingEvent, Stage.RISK, 'broken', () => {
      throw new Error('boom');
    });
    expect(() => bus.publish(new PingEvent({ n: 1, tsEvent: 1 }))).toThrow('boom');
    // the bus is usable again afterwards: the failed dispatch does not leave a stuck queue
    const other: number[] = [];
    bus.subscribe(PongEvent, Stage.RISK, 'ok', (e) => other.push(e.n));
    bus.publish(new PongEvent({ n: 7, tsEvent: 2 }));
    expect(other).toEqual([7]);
  });

  it('runs sagas in order and executes their commands through the CQRS CommandBus synchronously', async () => {
    const { bus } = await makeBus();
    const trace: string[] = [];
    bus.registerSaga('ping-pong', (events$: Observable<DomainEvent>) =>
      events$.pipe(
        ofType(PingEvent),
        map((e) => new MakePongCommand(e.n * 10)),
      ),
    );
    bus.subscribe(PongEvent, Stage.STRATEGY, 'pong', (e, env) => trace.push(`pong:${e.n}:${env.seq}`));
    bus.subscribe(PingEvent, Stage.STRATEGY, 'ping', (e, env) => trace.push(`ping:${e.n}:${env.seq}`));
    bus.publish(new PingEvent({ n: 1, tsEvent: 1 }));
    bus.publish(new PingEvent({ n: 2, tsEvent: 2 }));
    expect(trace).toEqual(['ping:1:1', 'pong:10:2', 'ping:2:3', 'pong:20:4']);
    await bus.checkpoint();
  });

  it('surfaces a saga error', async () => {
    const { bus } = await makeBus();
    bus.registerSaga('broken', (events$) =>
      events$.pipe(
        ofType(PingEvent),
        map(() => {
          throw new Error('saga broke');
        }),
      ),
    );
    expect(() => bus.publish(new PingEvent({ n: 1, tsEvent: 1 }))).toThrow(/saga 'broken' failed: saga broke/);
  });

  it('forwards events to CQRS observers, whose failures are not fatal', async () => {
    const { bus } = await makeBus();
    observed.length = 0;
    expect(() => bus.publish(new ObservedEvent({ n: 5, tsEvent: 1 }))).not.toThrow();
    expect(observed).toEqual([5]);
  });

  it('is installed as the CQRS EventBus publisher', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [{ provide: EVENT_STORE, useValue: new InMemoryEventStore() }, { provide: BUS_OPTIONS, useValue: { batchSize: 10 } }, MessageBus],
    }).compile();
    await moduleRef.init();
    const bus = moduleRef.get(MessageBus);
    await bus.openStream('s');
    const seen: number[] = [];
    bus.subscribe(PingEvent, Stage.CACHE, 'probe', (_e, env) => seen.push(env.seq));
    moduleRef.get(EventBus).publish(new PingEvent({ n: 1, tsEvent: 1 }));
    expect(seen).toEqual([1]);
  });

  it('writes in batches at checkpoints and continues seq across streams', async () => {
    const store = new InMemoryEventStore();
    const { bus } = await makeBus(store, 3);
    bus.publish(new PingEvent({ n: 1, tsEvent: 1 }));
    bus.publish(new PingEvent({ n: 2, tsEvent: 2 }));
    await bus.checkpoint();
    expect(store.events).toHaveLength(0);
    bus.publish(new PingEvent({ n: 3, tsEvent: 3 }));
    await bus.checkpoint();
    expect(store.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await bus.openStream('run-2');
    const env = bus.publish(new PingEvent({ n: 4, tsEvent: 4 }));
    expect(env.seq).toBe(4);
    expect(env.streamSeq).toBe(1);
    await bus.flush();
    expect(store.events).toHaveLength(4);
  });

  it('opens a stream only once the store has answered: a publish in between cannot take a position twice', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [{ provide: EVENT_STORE, useValue: new InMemoryEventStore() }, { provide: BUS_OPTIONS, useValue: { batchSize: 10 } }, MessageBus],
    }).compile();
    await moduleRef.init();
    const bus = moduleRef.get(MessageBus);
    const opening = bus.openStream('run-1'); // the store's answer is not in yet
    expect(() => bus.publish(new PingEvent({ n: 1, tsEvent: 1 }))).toThrow(/no stream is open/);
    await opening;
    const env = bus.publish(new PingEvent({ n: 2, tsEvent: 2 }));
    expect([env.seq, env.streamSeq, env.streamId]).toEqual([1, 1, 'run-1']);
  });

  it('keeps events in memory when the store fails and writes them once it is back', async () => {
    const store = new InMemoryEventStore();
    let down = true;
    const flaky: EventStore = {
      ...store,
      lastSeq: () => store.lastSeq(),
      lastStreamSeq: (s) => store.lastStreamSeq(s),
      readStream: (s, a, l) => store.readStream(s, a, l),
      countStream: (s) => store.countStream(s),
      close: () => store.close(),
      append: (batch) => (down ? Promise.reject(new Error('connection refused')) : store.append(batch)),
    };
    const { bus } = await makeBus(flaky, 1);
    bus.publish(new PingEvent({ n: 1, tsEvent: 1 }));
    await expect(bus.checkpoint()).rejects.toThrow(/BUS|event store append failed/);
    expect(bus.pendingWrites).toBe(1);
    down = false;
    await bus.flush();
    expect(store.events.map((e) => e.payload)).toEqual(['{"n":1,"tsEvent":1}']);
  });

  it('refuses to publish without an open stream', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [{ provide: EVENT_STORE, useValue: new InMemoryEventStore() }, { provide: BUS_OPTIONS, useValue: { batchSize: 10 } }, MessageBus],
    }).compile();
    await moduleRef.init();
    expect(() => moduleRef.get(MessageBus).publish(new PingEvent({ n: 1, tsEvent: 1 }))).toThrow(/no stream is open/);
  });
});
