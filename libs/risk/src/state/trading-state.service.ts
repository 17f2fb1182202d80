import { Injectable } from '@nestjs/common';
import { Clock, MessageBus } from '@lib/kernel';
import { TradingStateChangedEvent, type TradingState } from '@lib/model';

/**
 * ACTIVE: trade normally. REDUCING: only orders that shrink a position. HALTED: nothing.
 * Every change is a stored event; setting the same state again is a no-op.
 */
@Injectable()
export class TradingStateService {
  private state: TradingState = 'ACTIVE';

  constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
  ) {}

  get current(): TradingState {
    return this.state;
  }

  set(to: TradingState, reason: string): void {
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    this.bus.publish(new TradingStateChangedEvent({ from, to, reason, tsEvent: this.clock.now() }));
  }
}
