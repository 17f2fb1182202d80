import { Injectable, Optional } from '@nestjs/common';
import { Cache, Clock, MessageBus, type MarketDataSink } from '@lib/kernel';
import {
  BAR_INTERVALS,
  BAR_REJECTION_REASONS,
  BarClosedEvent,
  BarGapDetectedEvent,
  BarRejectedEvent,
  FundingRateEvent,
  isBarInterval,
  type BarRejectionReason,
  type FundingRate,
  type InstrumentId,
} from '@lib/model';
import type { BarCandidate, BarRejection, BarVerdict } from '../validation/bar-candidate.js';
import { BarValidator } from '../validation/bar-validator.js';

/**
 * NautilusTrader's DataEngine: the single door market data comes in through, in every mode.
 *
 * A bar is validated; a rejected one is published as `bar.rejected` and counted, and reaches
 * nothing else (not the cache, not the sinks, not the strategies). An accepted one goes, in
 * this order: `bar.gap_detected` (if bars are missing before it) → cache → market data sinks
 * (the simulated venue's matching engine, synchronously) → `bar.closed`. So every `bar.closed`
 * handler sees a cache that holds the bar, and a venue that has already matched against it.
 */
@Injectable()
export class DataEngine {
  private readonly validator: BarValidator;
  private readonly sinks: MarketDataSink[] = [];
  private readonly rejected = Object.fromEntries(BAR_REJECTION_REASONS.map((r) => [r, 0])) as Record<BarRejectionReason, number>;
  private accepted = 0;
  private gaps = 0;
  private funding = 0;
  private lastEventTs = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    @Optional() private readonly clock?: Clock,
  ) {
    // Known instruments are the cache's: the same set the rest of the kernel trades.
    this.validator = new BarValidator((id) => cache.instrument(id as InstrumentId) !== undefined);
  }

  /** Registers a sink called with every accepted bar and funding rate before it is published. Adding a sink twice has no effect. */
  addSink(sink: MarketDataSink): void {
    if (!this.sinks.includes(sink)) this.sinks.push(sink);
  }

  removeSink(sink: MarketDataSink): void {
    const i = this.sinks.indexOf(sink);
    if (i >= 0) this.sinks.splice(i, 1);
  }

  process(candidate: BarCandidate): BarVerdict {
    const verdict = this.validator.check(candidate);
    if (!verdict.ok) {
      this.reject(verdict);
      return verdict;
    }
    const bar = verdict.bar;
    this.lastEventTs = Math.max(this.lastEventTs, bar.tsClose);
    if (verdict.gap) {
      this.gaps++;
      const { fromTsOpen, toTsOpen, missingBars } = verdict.gap;
      this.bus.publish(new BarGapDetectedEvent({ instrumentId: bar.instrumentId, interval: bar.interval, fromTsOpen, toTsOpen, missingBars, tsEvent: bar.tsClose }));
    }
    this.cache.addBar(bar);
    for (const sink of this.sinks) sink.onBar(bar);
    this.accepted++;
    this.bus.publish(BarClosedEvent.of(bar));
    return verdict;
  }

  processFunding(rate: FundingRate): void {
    this.lastEventTs = Math.max(this.lastEventTs, rate.ts);
    for (const sink of this.sinks) sink.onFunding(rate);
    this.funding++;
    this.bus.publish(new FundingRateEvent({ instrumentId: rate.instrumentId, rate: rate.rateRaw, tsEvent: rate.ts }));
  }

  /** Rejected bars by reason; every reason is present, in BAR_REJECTION_REASONS order. */
  rejectionCounts(): Record<BarRejectionReason, number> {
    return { ...this.rejected };
  }

  get acceptedCount(): number {
    return this.accepted;
  }
  get rejectedCount(): number {
    let total = 0;
    for (const r of BAR_REJECTION_REASONS) total += this.rejected[r];
    return total;
  }
  get gapCount(): number {
    return this.gaps;
  }
  get fundingCount(): number {
    return this.funding;
  }

  private reject(rejection: BarRejection): void {
    this.rejected[rejection.reason]++;
    this.bus.publish(
      new BarRejectedEvent({
        instrumentId: rejection.instrumentId,
        source: rejection.source,
        line: rejection.line,
        tsOpen: rejection.tsOpen,
        reason: rejection.reason,
        detail: rejection.detail,
        tsEvent: this.rejectionTime(rejection),
      }),
    );
  }

  /** When the bad bar arrived: the clock if there is one, else its would-be close time, else the latest data time. */
  private rejectionTime(rejection: BarRejection): number {
    if (this.clock) return this.clock.now();
    if (rejection.tsOpen !== null && isBarInterval(rejection.interval)) return rejection.tsOpen + BAR_INTERVALS[rejection.interval];
    return this.lastEventTs;
  }
}
