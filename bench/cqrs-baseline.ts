import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, EventBus, EventsHandler, type ICommandHandler, type IEventHandler } from '@nestjs/cqrs';

class PingCommand {
  constructor(readonly n: number) {}
}
class PingedEvent {
  constructor(readonly n: number) {}
}

@Injectable()
class Counter {
  value = 0;
}

@CommandHandler(PingCommand)
class PingHandler implements ICommandHandler<PingCommand> {
  constructor(private readonly events: EventBus) {}
  async execute(cmd: PingCommand): Promise<void> {
    this.events.publish(new PingedEvent(cmd.n));
  }
}

@EventsHandler(PingedEvent)
class PingedHandler implements IEventHandler<PingedEvent> {
  constructor(private readonly counter: Counter) {}
  handle(): void {
    this.counter.value++;
  }
}

@Module({ imports: [CqrsModule.forRoot()], providers: [Counter, PingHandler, PingedHandler] })
class BaselineModule {}

/** The bare @nestjs/cqrs path: command → handler → event → handler, per second. */
export async function measureCqrsBaseline(iterations: number): Promise<number> {
  const app = await NestFactory.createApplicationContext(BaselineModule, { logger: false });
  await app.init();
  const bus = app.get(CommandBus);
  const counter = app.get(Counter);
  for (let i = 0; i < 20_000; i++) await bus.execute(new PingCommand(i));
  counter.value = 0;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await bus.execute(new PingCommand(i));
  await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t0) / 1000;
  if (counter.value !== iterations) throw new Error(`baseline lost events: ${counter.value}/${iterations}`);
  await app.close();
  return iterations / seconds;
}
