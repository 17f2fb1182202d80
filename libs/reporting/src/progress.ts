/** Periodic progress lines with rate and ETA (plain lines: readable in a terminal and in CI logs). */
export class ProgressReporter {
  private readonly started = performance.now();
  private lastPrinted = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly minIntervalMs = 1000,
  ) {}

  tick(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastPrinted < this.minIntervalMs) return;
    this.lastPrinted = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const pct = this.total > 0 ? (100 * done) / this.total : 100;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    this.write(
      `[${this.label}] ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} (${pct.toFixed(1)}%) ` +
        `${Math.round(rate).toLocaleString('en-US')}/s elapsed ${elapsed.toFixed(1)}s ETA ${eta.toFixed(1)}s`,
    );
  }
}
