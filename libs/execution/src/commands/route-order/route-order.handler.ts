import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Cache, Clock } from '@lib/kernel';
import { RouteOrderCommand } from '@lib/model';
import { DONE } from '../done.js';
import { ExecutionEngine, ExecutionError } from '../../engine/execution-engine.js';

@CommandHandler(RouteOrderCommand)
export class RouteOrderHandler implements ICommandHandler<RouteOrderCommand> {
  constructor(
    private readonly engine: ExecutionEngine,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  execute({ clientOrderId }: RouteOrderCommand): Promise<void> {
    const order = this.cache.order(clientOrderId);
    if (!order) throw new ExecutionError('EXECUTION.UNKNOWN_ORDER', `cannot route unknown order ${clientOrderId}`);
    this.engine.route(order, this.clock.now());
    return DONE;
  }
}
