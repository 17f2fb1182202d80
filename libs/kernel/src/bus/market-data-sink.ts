import type { Bar, FundingRate } from '@lib/model';

/**
 * Receives validated market data before it is published to strategies: a simulated venue's
 * matching engine is one. This is how a fill at the next bar's open is booked before any
 * strategy sees that bar close.
 */
export interface MarketDataSink {
  onBar(bar: Bar): void;
  onFunding(rate: FundingRate): void;
}
