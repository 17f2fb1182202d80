/**
 * Purged walk-forward splits over a time-ordered history of labelled rows.
 *
 * Layout, for rows 0 … n-1 (n = rows that have a label):
 *
 *   [ training ……… ][ horizon ][ purge ][ test k ][ test k+1 ] …… [ test N-1 ] = n
 *
 * - The N test windows are contiguous, of equal length L, and end exactly at row n. L is
 *   `testLength` if given, else ⌊(n − trainLength − labelHorizon − purge) / N⌋; the remainder
 *   (< N rows) goes to the first window's training.
 * - Horizon: a label at row t is built from bars t+1 … t+labelHorizon, so the last
 *   `labelHorizon` rows before the purge are dropped from training. Hence, for every window,
 *   testStart − trainEnd = purge + labelHorizon, and no training label reaches into the purge
 *   gap or the test window. The purge itself (default 200 bars) covers the look-back of the
 *   features: a test row's features must not be computed from bars whose returns some training
 *   label was made of.
 * - Expanding: trainStart = 0. Sliding: trainStart = max(0, trainEnd − trainLength); the
 *   training span, not the row count, is fixed (embargoed rows are not made up for).
 * - Embargo rule: for every window k, the `embargo` rows right after its test window,
 *   [testEnd_k, testEnd_k + embargo), are excluded from the training of every later window j > k
 *   whose training range reaches them. With the default embargo (= labelHorizon) those are
 *   exactly the bars whose returns make up the labels of test window k's last rows, so no later
 *   fit sees them; that matters once anything is chosen across windows (hyperparameters,
 *   feature selection): a fit on those bars would have seen window k's test outcomes. In a
 *   purely forward split it is a safety margin, not a leak fix: the purge is that. Because test
 *   windows are contiguous, the embargo after test k is the first `embargo` rows of test k+1.
 *   The excluded ranges are listed in `embargoed`; use `trainingRows()` to get the rows to fit on.
 */

export type WalkForwardMode = 'expanding' | 'sliding';

export interface WalkForwardOptions {
  /**
   * Bars each label looks ahead (the label at row t uses bars up to t + labelHorizon). Required:
   * the splitter cannot guess it and a wrong value silently leaks; pass 0 for labels that do
   * not look ahead.
   */
  readonly labelHorizon: number;
  /** Number of windows, default 40. */
  readonly windows?: number;
  /** Default 'expanding'. */
  readonly mode?: WalkForwardMode;
  /**
   * Training span: of every window when sliding, of the first window (at least) when
   * expanding. Default ⌊n / 4⌋.
   */
  readonly trainLength?: number;
  /** Rows per test window; default: the rest of the history split evenly over the windows. */
  readonly testLength?: number;
  /** Bars between the (horizon-trimmed) end of training and the start of the test, default 200. */
  readonly purge?: number;
  /** Rows after each test window kept out of later training, default labelHorizon. */
  readonly embargo?: number;
}

/** Half-open row range [start, end). */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

export interface WalkForwardWindow {
  /** 0-based window number, in time order. */
  readonly index: number;
  readonly trainStart: number;
  /** Exclusive. */
  readonly trainEnd: number;
  readonly testStart: number;
  /** Exclusive. */
  readonly testEnd: number;
  /** Sorted, disjoint ranges inside [trainStart, trainEnd) left out of training by the embargo. */
  readonly embargoed: readonly RowRange[];
  /** Rows actually trained on: trainEnd − trainStart minus the embargoed rows. */
  readonly trainSize: number;
}

export class PurgedWalkForwardSplitter {
  readonly windows: number;
  readonly mode: WalkForwardMode;
  readonly labelHorizon: number;
  readonly purge: number;
  readonly embargo: number;
  private readonly trainLength: number | undefined;
  private readonly testLength: number | undefined;

  constructor(options: WalkForwardOptions) {
    const { windows = 40, mode = 'expanding', purge = 200, labelHorizon } = options;
    assertInteger('labelHorizon', labelHorizon, 0);
    const embargo = options.embargo ?? labelHorizon;
    assertInteger('windows', windows, 1);
    assertInteger('purge', purge, 0);
    assertInteger('embargo', embargo, 0);
    if (mode !== 'expanding' && mode !== 'sliding') {
      throw new RangeError(`PurgedWalkForwardSplitter: mode must be 'expanding' or 'sliding', got ${String(mode)}`);
    }
    if (options.trainLength !== undefined) assertInteger('trainLength', options.trainLength, 1);
    if (options.testLength !== undefined) assertInteger('testLength', options.testLength, 1);
    this.windows = windows;
    this.mode = mode;
    this.labelHorizon = labelHorizon;
    this.purge = purge;
    this.embargo = embargo;
    this.trainLength = options.trainLength;
    this.testLength = options.testLength;
  }

  split(nRows: number): WalkForwardWindow[] {
    assertInteger('nRows', nRows, 1);
    const N = this.windows;
    const gap = this.labelHorizon + this.purge;
    const trainLength = this.trainLength ?? Math.floor(nRows / 4);
    if (trainLength < 1) {
      throw new RangeError(`PurgedWalkForwardSplitter: n = ${nRows} rows is too few for the default trainLength ⌊n / 4⌋ (= 0); pass trainLength or more history`);
    }
    const head = trainLength + gap;
    const available = nRows - head;

    let testLength: number;
    if (this.testLength === undefined) {
      testLength = Math.floor(available / N);
      if (testLength < 1) {
        throw new RangeError(
          `PurgedWalkForwardSplitter: n = ${nRows} rows cannot hold ${N} test windows: the first window needs ` +
            `trainLength ${trainLength} + labelHorizon ${this.labelHorizon} + purge ${this.purge} = ${head} rows before its test, ` +
            `leaving ${Math.max(0, available)} rows, fewer than one per window. Lower windows, trainLength or purge, or supply more history.`,
        );
      }
    } else {
      testLength = this.testLength;
      if (N * testLength > available) {
        throw new RangeError(
          `PurgedWalkForwardSplitter: n = ${nRows} rows cannot hold ${N} test windows of ${testLength} rows: that needs ` +
            `${N * testLength} test rows plus trainLength ${trainLength} + labelHorizon ${this.labelHorizon} + purge ${this.purge} = ` +
            `${N * testLength + head} rows. Lower windows, testLength, trainLength or purge, or supply more history.`,
        );
      }
    }

    const firstTestStart = nRows - N * testLength;
    const out: WalkForwardWindow[] = [];
    for (let k = 0; k < N; k++) {
      const testStart = firstTestStart + k * testLength;
      const testEnd = testStart + testLength;
      const trainEnd = testStart - gap;
      const trainStart = this.mode === 'expanding' ? 0 : Math.max(0, trainEnd - trainLength);
      const embargoed = this.embargoedRanges(out, trainStart, trainEnd);
      const excluded = embargoed.reduce((sum, r) => sum + (r.end - r.start), 0);
      const trainSize = trainEnd - trainStart - excluded;
      if (trainSize < 1) {
        throw new RangeError(
          `PurgedWalkForwardSplitter: window ${k} has no training rows left: its range [${trainStart}, ${trainEnd}) is ` +
            `entirely embargoed (embargo ${this.embargo} ≥ its span). Lower embargo or raise trainLength.`,
        );
      }
      out.push({ index: k, trainStart, trainEnd, testStart, testEnd, embargoed, trainSize });
    }
    return out;
  }

  /** Embargo zones of the earlier windows' tests, clipped to [trainStart, trainEnd) and merged. */
  private embargoedRanges(earlier: readonly WalkForwardWindow[], trainStart: number, trainEnd: number): RowRange[] {
    if (this.embargo === 0) return [];
    const ranges: RowRange[] = [];
    for (const w of earlier) {
      const start = Math.max(w.testEnd, trainStart);
      const end = Math.min(w.testEnd + this.embargo, trainEnd);
      if (start >= end) continue;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && start <= last.end) ranges[ranges.length - 1] = { start: last.start, end: Math.max(last.end, end) };
      else ranges.push({ start, end });
    }
    return ranges;
  }
}

/** The rows a window trains on, ascending: [trainStart, trainEnd) without the embargoed ranges. */
export function trainingRows(window: WalkForwardWindow): Int32Array {
  const rows = new Int32Array(window.trainSize);
  let i = 0;
  let next = 0;
  for (let r = window.trainStart; r < window.trainEnd; r++) {
    const zone = window.embargoed[next];
    if (zone !== undefined && r >= zone.start) {
      r = zone.end - 1;
      next++;
      continue;
    }
    rows[i++] = r;
  }
  return rows;
}

/** The rows a window is tested on, ascending. */
export function testRows(window: WalkForwardWindow): Int32Array {
  const rows = new Int32Array(window.testEnd - window.testStart);
  for (let i = 0; i < rows.length; i++) rows[i] = window.testStart + i;
  return rows;
}

function assertInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`PurgedWalkForwardSplitter: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}
