export class OrderRateLimiterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderRateLimiterError';
  }
}

/**
 * At most `maxOrders` orders in any rolling window of `windowMs`. A submission at `ts` counts
 * at time `now` while `now - windowMs < ts <= now`: it leaves the window exactly `windowMs`
 * later. Timestamps come from the injected clock and never go backwards.
 */
export class OrderRateLimiter {
  /** Submission times, oldest first, from `head` on (older entries are spent). */
  private readonly stamps: number[] = [];
  private head = 0;

  constructor(
    readonly maxOrders: number,
    readonly windowMs: number,
  ) {
    if (!Number.isSafeInteger(maxOrders) || maxOrders <= 0) throw new OrderRateLimiterError(`maxOrders must be a positive integer, got ${maxOrders}`);
    if (!Number.isSafeInteger(windowMs) || windowMs <= 0) throw new OrderRateLimiterError(`windowMs must be a positive integer, got ${windowMs}`);
  }

  /** Feeds one submission time. */
  record(ts: number): void {
    const last = this.stamps[this.stamps.length - 1];
    if (last !== undefined && ts < last) throw new OrderRateLimiterError(`submission time went backwards: ${ts} < ${last}`);
    this.stamps.push(ts);
    this.prune(ts);
  }

  /** Submissions inside the window ending at `now`. */
  countAt(now: number): number {
    let n = 0;
    for (let i = this.stamps.length - 1; i >= this.head; i--) {
      const ts = this.stamps[i]!;
      if (ts <= now - this.windowMs) break;
      if (ts <= now) n++;
    }
    return n;
  }

  /** Whether one more submission at `now` stays within the limit. */
  allows(now: number): boolean {
    return this.countAt(now) < this.maxOrders;
  }

  /** Earliest time at or after `now` when a submission is allowed again. */
  nextAllowedAt(now: number): number {
    if (this.allows(now)) return now;
    // The window holds maxOrders or more stamps; the one that must leave is maxOrders-th from the newest.
    const inWindow = this.stamps.slice(this.head).filter((ts) => ts > now - this.windowMs && ts <= now);
    return inWindow[inWindow.length - this.maxOrders]! + this.windowMs;
  }

  private prune(now: number): void {
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
  }
}
