/** Exponential moving average seeded with the simple mean of its first `period` values. */
export class Ema {
  private readonly alpha: number;
  private count = 0;
  private sum = 0;
  private current = Number.NaN;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`EMA period must be a positive integer, got ${period}`);
    this.alpha = 2 / (period + 1);
  }

  update(value: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`EMA input must be a finite number, got ${value}`);
    this.count++;
    if (this.count < this.period) {
      this.sum += value;
      return Number.NaN;
    }
    if (this.count === this.period) {
      this.current = (this.sum + value) / this.period;
    } else {
      this.current += this.alpha * (value - this.current);
    }
    return this.current;
  }

  get value(): number {
    return this.current;
  }
  get ready(): boolean {
    return this.count >= this.period;
  }
}
