import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CancelOrderHandler } from './commands/cancel-order/cancel-order.handler.js';
import { DenyOrderHandler } from './commands/deny-order/deny-order.handler.js';
import { RouteOrderHandler } from './commands/route-order/route-order.handler.js';
import { SubmitOrderHandler } from './commands/submit-order/submit-order.handler.js';
import { ExecutionEngine } from './engine/execution-engine.js';

export const COMMAND_HANDLERS = [SubmitOrderHandler, RouteOrderHandler, DenyOrderHandler, CancelOrderHandler];

/** The execution client (EXECUTION_CLIENT) is the venue of the running mode: simulated or live. */
@Module({})
export class ExecutionModule {
  static withClient(client: Provider): DynamicModule {
    return {
      module: ExecutionModule,
      providers: [client, ExecutionEngine, ...COMMAND_HANDLERS],
      exports: [ExecutionEngine, client],
    };
  }
}
