import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Cache, Clock, MessageBus } from '@lib/kernel';
import { DenyOrderCommand, OrderDeniedEvent } from '@lib/model';
import { DONE } from '../done.js';
import { ExecutionError } from '../../engine/execution-engine.js';

@CommandHandler(DenyOrderCommand)
export class DenyOrderHandler implements ICommandHandler<DenyOrderCommand> {
  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  execute({ clientOrderId, reason, detail }: DenyOrderCommand): Promise<void> {
    const order = this.cache.order(clientOrderId);
    if (!order) throw new ExecutionError('EXECUTION.UNKNOWN_ORDER', `cannot deny unknown order ${clientOrderId}`);
    this.bus.publish(new OrderDeniedEvent({ clientOrderId, instrumentId: order.instrumentId, reason, detail, tsEvent: this.clock.now() }));
    return DONE;
  }
}
