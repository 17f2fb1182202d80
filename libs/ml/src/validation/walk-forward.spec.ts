import fc from 'fast-check';
import { SeededRandom } from '../random/seeded-random.js';
import { pearsonIc } from './metrics.js';
import { PurgedWalkForwardSplitter, testRows, trainingRows, type WalkForwardOptions, type WalkForwardWindow } from './walk-forward.js';

/** ~3.5 years of 4h bars, the size of the training history. */
const N = 7600;

function overlaps(rows: Int32Array, start: number, end: number): boolean {
  return rows.some((r) => r >= start && r < end);
}

describe('PurgedWalkForwardSplitter: layout', () => {
  it('makes exactly 40 contiguous, equal test windows ending at the last row, 200 bars after training', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 0, embargo: 0 }).split(N);
    expect(windows).toHaveLength(40);
    const L = windows[0]!.testEnd - windows[0]!.testStart;
    // ⌊(7600 − 1900 − 200) / 40⌋ = 137; the 20 leftover rows lengthen the first training.
    expect(L).toBe(137);
    expect(windows[39]!.testEnd).toBe(N);
    windows.forEach((w, k) => {
      expect(w.index).toBe(k);
      expect(w.testEnd - w.testStart).toBe(L);
      expect(w.testStart - w.trainEnd).toBe(200);
      if (k > 0) expect(w.testStart).toBe(windows[k - 1]!.testEnd);
    });
    expect(windows[0]!.trainEnd).toBe(1900 + 20);
  });

  it('drops the last labelHorizon training rows: testStart − trainEnd = purge + horizon', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 6 }).split(N);
    for (const w of windows) {
      expect(w.testStart - w.trainEnd).toBe(206);
      // The last training label (row trainEnd − 1, looking 6 bars ahead) ends before the purge.
      expect(w.trainEnd - 1 + 6).toBeLessThan(w.testStart - 200);
    }
  });

  it('no test row, purge-gap row or horizon row is ever in its own training set', () => {
    const h = 6;
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: h, embargo: 12 }).split(N);
    for (const w of windows) {
      const train = trainingRows(w);
      expect(train.length).toBe(w.trainSize);
      expect(overlaps(train, w.testStart - 200 - h, w.testEnd)).toBe(false);
      expect(overlaps(train, w.testStart, w.testEnd)).toBe(false);
      const test = new Set(testRows(w));
      expect(train.some((r) => test.has(r))).toBe(false);
      // Every training label (row + h) is resolved before the purge gap starts.
      expect(Math.max(...train) + h).toBeLessThan(w.testStart - 200);
    }
  });

  it('expanding: trains from row 0 and grows by one test window per step', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 0, embargo: 0, mode: 'expanding', trainLength: 2000 }).split(N);
    windows.forEach((w, k) => {
      expect(w.trainStart).toBe(0);
      if (k > 0) expect(w.trainEnd - windows[k - 1]!.trainEnd).toBe(w.testEnd - w.testStart);
    });
    expect(windows[0]!.trainEnd).toBeGreaterThanOrEqual(2000);
    expect(windows[0]!.trainEnd - 2000).toBeLessThan(40);
  });

  it('sliding: every window trains on the same span, sliding by one test window per step', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 0, embargo: 0, mode: 'sliding', trainLength: 1500 }).split(N);
    expect(windows).toHaveLength(40);
    windows.forEach((w, k) => {
      expect(w.trainEnd - w.trainStart).toBe(1500);
      expect(w.trainSize).toBe(1500);
      if (k > 0) expect(w.trainStart - windows[k - 1]!.trainStart).toBe(w.testEnd - w.testStart);
    });
    expect(windows[0]!.trainStart).toBeGreaterThan(0);
  });

  it('with testLength, the test windows are that long and end at the last row; earlier history goes to training', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 0, windows: 10, testLength: 100, trainLength: 500 }).split(N);
    expect(windows[0]!.testStart).toBe(N - 1000);
    expect(windows[9]!.testEnd).toBe(N);
    expect(windows[0]!.trainEnd).toBe(N - 1000 - 200);
  });
});

describe('PurgedWalkForwardSplitter: embargo', () => {
  it('keeps the embargo rows after every earlier test window out of training, and nothing else', () => {
    const e = 150; // longer than a test window (137), so consecutive zones merge
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 6, embargo: e }).split(N);
    const embargoedBy = new Uint8Array(N + e); // rows embargoed by windows before the current one
    const wrong: string[] = [];
    for (const w of windows) {
      const inTrain = new Uint8Array(N);
      for (const row of trainingRows(w)) inTrain[row] = 1;
      for (let row = w.trainStart; row < w.trainEnd; row++) {
        if (inTrain[row] === embargoedBy[row]) wrong.push(`window ${w.index} row ${row}`);
      }
      embargoedBy.fill(1, w.testEnd, w.testEnd + e);
    }
    expect(wrong).toEqual([]);
    // Later windows train past many earlier test windows and lose their embargo rows.
    const last = windows[39]!;
    expect(last.trainSize).toBeLessThan(last.trainEnd - last.trainStart);
    expect(last.embargoed.length).toBeGreaterThan(0);
  });

  it('defaults to the label horizon, and 0 turns it off', () => {
    expect(new PurgedWalkForwardSplitter({ labelHorizon: 6 }).embargo).toBe(6);
    const off = new PurgedWalkForwardSplitter({ labelHorizon: 6, embargo: 0 }).split(N);
    expect(off.every((w) => w.embargoed.length === 0 && w.trainSize === w.trainEnd - w.trainStart)).toBe(true);
  });

  it('the first window has nothing to embargo', () => {
    const windows = new PurgedWalkForwardSplitter({ labelHorizon: 6, embargo: 50 }).split(N);
    expect(windows[0]!.embargoed).toEqual([]);
    // Window 1 trains up to testStart_1 − 206 = testEnd_0 − 206: test 0 is not yet behind it.
    expect(windows[1]!.embargoed).toEqual([]);
  });
});

describe('PurgedWalkForwardSplitter: invariants for any valid configuration', () => {
  it('holds purge, horizon, embargo and coverage rules', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 50, max: 5000 }),
          windows: fc.integer({ min: 1, max: 60 }),
          mode: fc.constantFrom('expanding' as const, 'sliding' as const),
          trainLength: fc.integer({ min: 1, max: 2000 }),
          purge: fc.integer({ min: 0, max: 300 }),
          labelHorizon: fc.integer({ min: 0, max: 30 }),
          embargo: fc.integer({ min: 0, max: 60 }),
        }),
        (cfg) => {
          const { n, ...options } = cfg;
          let windows: WalkForwardWindow[];
          try {
            windows = new PurgedWalkForwardSplitter(options).split(n);
          } catch (err) {
            expect(err).toBeInstanceOf(RangeError);
            return;
          }
          expect(windows).toHaveLength(cfg.windows);
          expect(windows[windows.length - 1]!.testEnd).toBe(n);
          for (const w of windows) {
            const train = trainingRows(w);
            expect(train.length).toBe(w.trainSize);
            expect(w.trainSize).toBeGreaterThan(0);
            expect(w.trainStart).toBeGreaterThanOrEqual(0);
            expect(w.testStart - w.trainEnd).toBe(cfg.purge + cfg.labelHorizon);
            if (cfg.mode === 'sliding') expect(w.trainEnd - w.trainStart).toBe(cfg.trainLength);
          }
          const embargoedBy = new Uint8Array(n + cfg.embargo);
          for (const w of windows) {
            expect(trainingRows(w).some((row) => embargoedBy[row] === 1)).toBe(false);
            embargoedBy.fill(1, w.testEnd, w.testEnd + cfg.embargo);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PurgedWalkForwardSplitter: impossible configurations explain themselves', () => {
  it('too little history for the windows', () => {
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 6 }).split(300)).toThrow(
      /n = 300 rows cannot hold 40 test windows: the first window needs trainLength 75 \+ labelHorizon 6 \+ purge 200 = 281 rows before its test, leaving 19 rows, fewer than one per window/,
    );
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, trainLength: 7390 }).split(N)).toThrow(/leaving 10 rows/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, trainLength: 7600 }).split(N)).toThrow(/leaving 0 rows/);
  });

  it('test windows that do not fit', () => {
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, testLength: 200, trainLength: 1000 }).split(N)).toThrow(
      /cannot hold 40 test windows of 200 rows: that needs 8000 test rows/,
    );
  });

  it('an embargo that swallows a sliding window', () => {
    expect(() =>
      new PurgedWalkForwardSplitter({ labelHorizon: 0, mode: 'sliding', trainLength: 100, testLength: 50, windows: 20, purge: 0, embargo: 100 }).split(2000),
    ).toThrow(/window \d+ has no training rows left.*entirely embargoed/);
  });

  it('bad option values', () => {
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: -1 })).toThrow(/labelHorizon must be an integer ≥ 0/);
    expect(() => new PurgedWalkForwardSplitter({} as WalkForwardOptions)).toThrow(/labelHorizon must be an integer ≥ 0, got undefined/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, windows: 0 })).toThrow(/windows must be an integer ≥ 1/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, purge: 2.5 })).toThrow(/purge must be an integer ≥ 0/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, mode: 'rolling' as never })).toThrow(/mode must be 'expanding' or 'sliding'/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0, trainLength: 0 })).toThrow(/trainLength must be an integer ≥ 1/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0 }).split(0)).toThrow(/nRows must be an integer ≥ 1/);
    expect(() => new PurgedWalkForwardSplitter({ labelHorizon: 0 }).split(3)).toThrow(/too few for the default trainLength/);
  });
});

describe('leakage: labels that look `horizon` bars ahead', () => {
  // Forward label over H bars: y[t] = r[t+1] + … + r[t+H]. A model can learn from its training
  // labels at most the returns they are made of: every r[i] with i ≤ (last training row) + H.
  // The stand-in model knows exactly those returns and predicts each test label with its known
  // part: the best any fit on the training labels could do. Without leakage it knows nothing
  // about the test labels and predicts a constant (IC 0); with leakage the IC is high.
  const H = 10;
  const bars = 2700;
  const rng = new SeededRandom(2024);
  const r = Float64Array.from({ length: bars }, () => rng.next() - 0.5);
  const n = bars - H; // rows that have a label

  function meanIc(options: WalkForwardOptions): number {
    const windows = new PurgedWalkForwardSplitter(options).split(n);
    let sum = 0;
    for (const w of windows) {
      const train = trainingRows(w);
      const knownUpTo = train[train.length - 1]! + H;
      const prediction: number[] = [];
      const label: number[] = [];
      for (let t = w.testStart; t < w.testEnd; t++) {
        let known = 0;
        let full = 0;
        for (let i = t + 1; i <= t + H; i++) {
          full += r[i]!;
          if (i <= knownUpTo) known += r[i]!;
        }
        prediction.push(known);
        label.push(full);
      }
      sum += pearsonIc(prediction, label);
    }
    return sum / windows.length;
  }

  const layout = { windows: 100, testLength: H, trainLength: 300 } as const;

  it('with the purge and the horizon declared, the training labels say nothing about the test labels', () => {
    expect(meanIc({ ...layout, labelHorizon: H, purge: 200 })).toBe(0);
    // The purge alone also covers a horizon someone forgot to declare, as long as it is shorter.
    expect(meanIc({ ...layout, labelHorizon: 0, purge: 200 })).toBe(0);
  });

  it('without the purge the same model looks (falsely) brilliant: the check above would fail', () => {
    expect(meanIc({ ...layout, labelHorizon: 0, purge: 0 })).toBeGreaterThan(0.6);
  });

  it('a purge shorter than the label horizon still leaks unless the horizon is declared', () => {
    expect(meanIc({ ...layout, labelHorizon: 0, purge: 5 })).toBeGreaterThan(0.2);
    expect(meanIc({ ...layout, labelHorizon: H, purge: 5 })).toBe(0);
  });
});
