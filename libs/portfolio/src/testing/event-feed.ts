import type { EventEnvelope } from '@lib/kernel';
import {
  BarClosedEvent,
  FundingAppliedEvent,
  Money,
  OrderFilledEvent,
  Price,
  Quantity,
  RunStartedEvent,
  clientOrderId,
  instrumentId,
  strategyId,
  tradeId,
  venueOrderId,
  type DomainEvent,
  type InstrumentId,
  type OrderSide,
} from '@lib/model';
import type { PortfolioProjection } from '../projections/portfolio.projection.js';

export const BTC = instrumentId('BTCUSDT-PERP.BYBIT');
export const ETH = instrumentId('ETHUSDT-PERP.BYBIT');
export const HOUR = 3_600_000;

/** Hand-built envelopes for projection tests: seq from 1, eventId derived from seq. */
export class EventFeed {
  private seq = 0;
  readonly log: Array<[DomainEvent, EventEnvelope]> = [];

  envelope(event: DomainEvent, seq = ++this.seq): EventEnvelope {
    return {
      seq,
      eventId: `evt-${seq}`,
      streamId: 'run-1',
      streamSeq: seq,
      type: event.type,
      version: event.version,
      tsEvent: event.tsEvent,
      correlationId: `evt-${seq}`,
      causationId: null,
      payload: JSON.stringify(event.toPayload()),
    };
  }

  /** Wraps the event in the next envelope and applies it to every projection given. */
  feed(event: DomainEvent, ...projections: PortfolioProjection[]): EventEnvelope {
    const env = this.envelope(event);
    this.log.push([event, env]);
    for (const p of projections) p.apply(event, env);
    return env;
  }
}

export function runStarted(capital: string, ts = 0, currency = 'USDT'): RunStartedEvent {
  return new RunStartedEvent({
    mode: 'backtest',
    strategy: 'test',
    instruments: [BTC, ETH],
    initialCapital: Money.parse(capital, currency),
    config: {},
    tsEvent: ts,
  });
}

let fillCounter = 0;
export function fill(instrument: InstrumentId, side: OrderSide, qty: string, px: string, commission: string, ts: number, currency = 'USDT'): OrderFilledEvent {
  const n = ++fillCounter;
  return new OrderFilledEvent({
    clientOrderId: clientOrderId(`o-${n}`),
    instrumentId: instrument,
    strategyId: strategyId('test'),
    venueOrderId: venueOrderId(`v-${n}`),
    tradeId: tradeId(`t-${n}`),
    side,
    lastQty: Quantity.parse(qty),
    lastPx: Price.parse(px),
    commission: Money.parse(commission, currency),
    liquidity: 'TAKER',
    tsEvent: ts,
  });
}

export function bar(instrument: InstrumentId, close: string, tsClose: number): BarClosedEvent {
  const p = Price.parse(close);
  return new BarClosedEvent({
    instrumentId: instrument,
    interval: '4h',
    tsOpen: tsClose - 4 * HOUR,
    open: p,
    high: p,
    low: p,
    close: p,
    volume: Quantity.parse('1'),
    tsEvent: tsClose,
  });
}

export function funding(instrument: InstrumentId, amount: string, positionQty: string, ts: number): FundingAppliedEvent {
  return new FundingAppliedEvent({
    instrumentId: instrument,
    rate: 100_000n,
    markPrice: Price.parse('100'),
    positionQty,
    amount: Money.parse(amount, 'USDT'),
    tsEvent: ts,
  });
}

/** Decimal text → raw 10^9 bigint, for exact expectations. */
export const raw = (text: string): bigint => Money.parse(text, 'USDT').raw;
