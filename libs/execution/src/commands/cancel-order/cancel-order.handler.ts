import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Cache } from '@lib/kernel';
import { CancelOrderCommand } from '@lib/model';
import { DONE } from '../done.js';
import { ExecutionEngine, ExecutionError } from '../../engine/execution-engine.js';

@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand> {
  constructor(
    private readonly engine: ExecutionEngine,
    private readonly cache: Cache,
  ) {}

  execute({ clientOrderId }: CancelOrderCommand): Promise<void> {
    const order = this.cache.order(clientOrderId);
    if (!order) throw new ExecutionError('EXECUTION.UNKNOWN_ORDER', `cannot cancel unknown order ${clientOrderId}`);
    this.engine.cancel(order);
    return DONE;
  }
}
