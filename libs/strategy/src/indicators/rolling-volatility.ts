/** Sample standard deviation of the last `window` log returns (Welford-free ring sums, O(1) per update). */
export class RollingVolatility {
  private readonly values: Float64Array;
  private head = 0;
  private filled = 0;
  private sum = 0;
  private sumSq = 0;
  private lastPrice = Number.NaN;

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 2) throw new RangeError(`volatility window must be an integer >= 2, got ${window}`);
    this.values = new Float64Array(window);
  }

  update(price: number): number {
    if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`price must be a positive finite number, got ${price}`);
    if (Number.isNaN(this.lastPrice)) {
      this.lastPrice = price;
      return Number.NaN;
    }
    const r = Math.log(price / this.lastPrice);
    this.lastPrice = price;
    if (this.filled === this.window) {
      const old = this.values[this.head]!;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.filled++;
    }
    this.values[this.head] = r;
    this.head = (this.head + 1) % this.window;
    this.sum += r;
    this.sumSq += r * r;
    return this.value;
  }

  /** Per-bar volatility, NaN until the window is full. */
  get value(): number {
    if (this.filled < this.window) return Number.NaN;
    const mean = this.sum / this.window;
    const variance = Math.max(0, (this.sumSq - this.window * mean * mean) / (this.window - 1));
    return Math.sqrt(variance);
  }
}
