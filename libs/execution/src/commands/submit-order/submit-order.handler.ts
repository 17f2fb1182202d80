import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Cache, Clock, MessageBus } from '@lib/kernel';
import { OrderInitializedEvent, SubmitOrderCommand } from '@lib/model';
import { DONE } from '../done.js';

/** Initializes the order (`order.initialized`); the pre-trade risk saga decides what happens next. */
@CommandHandler(SubmitOrderCommand)
export class SubmitOrderHandler implements ICommandHandler<SubmitOrderCommand> {
  private readonly logger = new Logger(SubmitOrderHandler.name);
  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  execute({ spec }: SubmitOrderCommand): Promise<void> {
    if (this.cache.order(spec.clientOrderId)) {
      // Idempotent on client order id: a resent command does not create a second order.
      this.logger.warn(`order ${spec.clientOrderId} already exists; duplicate submit ignored`);
      return DONE;
    }
    this.bus.publish(new OrderInitializedEvent({ ...spec, tsEvent: this.clock.now() }));
    return DONE;
  }
}
