/*
 * Streaming indicators in plain Float64 arithmetic, one code path for training and live.
 *
 * Why not `trading-signals` or `technicalindicators`: the batch matrix must equal the live,
 * bar-by-bar rows to 1e-9, so there may be only ONE implementation, fed one bar at a time in
 * both modes, with seeding rules we state and test (SMA-seeded EMA, Wilder RSI/ATR: libraries
 * differ on exactly these, and a version bump that changed one would silently change the
 * training data). trading-signals has long computed in big.js (an allocation per operation on a
 * ~1 ms decision path) with separate number-based `Faster*` twins, and its API moved again in
 * v7; technicalindicators keeps distinct batch and `nextValue` paths and has not been released
 * in years. What we need is six textbook recurrences of a dozen lines each, checked against an
 * independent whole-array computation on the real data; that does not justify a dependency
 * (neither is installed).
 *
 * Windowed statistics are recomputed from their ring buffer on every update instead of kept
 * as running sums: a value then depends only on the window's contents, never on how many
 * add/subtract round-offs came before it (no drift over years of history, and an independent
 * reference computes it bit-for-bit). At most a few hundred flops per bar.
 */

/** Fixed-capacity ring of the most recent values; `get(0)` is the newest. */
export class RingWindow {
  private readonly buf: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  push(x: number): void {
    this.buf[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** The value pushed `k` updates ago (0 = newest). */
  get(k: number): number {
    if (k < 0 || k >= this.count) throw new RangeError(`index ${k} outside a window of ${this.count}`);
    return this.buf[(this.head - 1 - k + 2 * this.capacity) % this.capacity]!;
  }

  /** Sum of the newest `n` values, oldest first. */
  sum(n = this.count): number {
    let s = 0;
    for (let k = n - 1; k >= 0; k--) s += this.get(k);
    return s;
  }

  /** Mean and population standard deviation of the newest `n` values (two-pass, oldest first). */
  meanStd(n = this.count): { mean: number; std: number } {
    const mean = this.sum(n) / n;
    let ss = 0;
    for (let k = n - 1; k >= 0; k--) {
      const d = this.get(k) - mean;
      ss += d * d;
    }
    return { mean, std: Math.sqrt(ss / n) };
  }

  /** Root mean square of the newest `n` values. */
  rms(n = this.count): number {
    let ss = 0;
    for (let k = n - 1; k >= 0; k--) {
      const v = this.get(k);
      ss += v * v;
    }
    return Math.sqrt(ss / n);
  }

  fill(x: number): void {
    for (let i = 0; i < this.capacity; i++) this.push(x);
  }
}

/** Exponential moving average, alpha = 2 / (n + 1), seeded with the simple mean of the first n values. */
export class Ema {
  private readonly alpha: number;
  private seedSum = 0;
  private seen = 0;
  private current = NaN;

  constructor(readonly period: number) {
    this.alpha = 2 / (period + 1);
  }

  update(x: number): number {
    this.seen++;
    if (this.seen < this.period) {
      this.seedSum += x;
    } else if (this.seen === this.period) {
      this.current = (this.seedSum + x) / this.period;
    } else {
      this.current += this.alpha * (x - this.current);
    }
    return this.current;
  }

  get ready(): boolean {
    return this.seen >= this.period;
  }

  get value(): number {
    return this.current;
  }
}

/** Wilder smoothing (RMA, alpha = 1/n), seeded with the simple mean of the first n values. */
export class WilderAverage {
  private seedSum = 0;
  private seen = 0;
  private current = NaN;

  constructor(readonly period: number) {}

  update(x: number): number {
    this.seen++;
    if (this.seen < this.period) {
      this.seedSum += x;
    } else if (this.seen === this.period) {
      this.current = (this.seedSum + x) / this.period;
    } else {
      this.current = (this.current * (this.period - 1) + x) / this.period;
    }
    return this.current;
  }

  get ready(): boolean {
    return this.seen >= this.period;
  }

  get value(): number {
    return this.current;
  }
}

/** Wilder's RSI on closes: ready after period + 1 closes; 0..100. */
export class WilderRsi {
  private readonly gain: WilderAverage;
  private readonly loss: WilderAverage;
  private prev = NaN;

  constructor(readonly period = 14) {
    this.gain = new WilderAverage(period);
    this.loss = new WilderAverage(period);
  }

  update(close: number): void {
    if (!Number.isNaN(this.prev)) {
      const d = close - this.prev;
      this.gain.update(d > 0 ? d : 0);
      this.loss.update(d < 0 ? -d : 0);
    }
    this.prev = close;
  }

  get ready(): boolean {
    return this.gain.ready;
  }

  get value(): number {
    const g = this.gain.value;
    const l = this.loss.value;
    if (l === 0) return g === 0 ? 50 : 100;
    return 100 - 100 / (1 + g / l);
  }
}

/** Wilder's ATR: true range against the previous close (high − low for the very first bar). */
export class WilderAtr {
  private readonly avg: WilderAverage;
  private prevClose = NaN;

  constructor(readonly period = 14) {
    this.avg = new WilderAverage(period);
  }

  update(high: number, low: number, close: number): void {
    const tr = Number.isNaN(this.prevClose) ? high - low : Math.max(high - low, Math.abs(high - this.prevClose), Math.abs(low - this.prevClose));
    this.avg.update(tr);
    this.prevClose = close;
  }

  get ready(): boolean {
    return this.avg.ready;
  }

  get value(): number {
    return this.avg.value;
  }
}

/** MACD(fast, slow, signal) on closes: line = EMA_fast − EMA_slow, signal = EMA of the line. */
export class Macd {
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signalEma: Ema;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fast = new Ema(fast);
    this.slow = new Ema(slow);
    this.signalEma = new Ema(signal);
  }

  update(close: number): void {
    this.fast.update(close);
    this.slow.update(close);
    if (this.fast.ready && this.slow.ready) this.signalEma.update(this.line);
  }

  get ready(): boolean {
    return this.signalEma.ready;
  }

  get line(): number {
    return this.fast.value - this.slow.value;
  }

  get signal(): number {
    return this.signalEma.value;
  }
}
