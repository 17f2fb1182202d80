import { BAR_INTERVALS } from '@lib/model';
import { DAY_MS, dvolKnownAt, type FeatureBar } from './feature-inputs.js';
import { buildFeatureMatrix, featureRow, type BarFeatureMatrix, type FeatureHistory } from './feature-history.js';
import { FeaturePipeline, type FeatureOptions } from './feature-pipeline.js';
import { FEATURE_WARM_UP_BARS, type FeatureSpec } from './feature-spec.js';
import { REAL_BASES, realFeatureHistory, type RealBase } from './testing/real-feature-data.js';

/*
 * Real data: Binance 4h 2022-01-01 → 2025-06-30 (7,662 bars per instrument), Deribit DVOL
 * (BTC, ETH; SOL reads BTC DVOL) and Bybit funding (from 2023-12-18).
 */

const H4 = BAR_INTERVALS['4h'];
const TOLERANCE = 1e-9;
/** Whole-history folds and brute-force checks: seconds each, more on a busy 2-core machine; no timing is asserted. */
const SLOW_MS = 180_000;

const loaded = new Map<RealBase, { spec: FeatureSpec; history: FeatureHistory; matrix: BarFeatureMatrix }>();

beforeAll(async () => {
  for (const base of REAL_BASES) {
    const { spec, history } = await realFeatureHistory(base);
    loaded.set(base, { spec, history, matrix: buildFeatureMatrix(spec, history) });
  }
}, SLOW_MS);

const get = (base: RealBase) => loaded.get(base)!;
const col = (m: BarFeatureMatrix, name: string): number => {
  const j = m.featureNames.indexOf(name);
  if (j < 0) throw new Error(`no column ${name}`);
  return j;
};
const cell = (m: BarFeatureMatrix, row: number, name: string): number => m.values[row * m.nFeatures + col(m, name)]!;
/** The matrix row of bar `t`, or null when that bar emitted none. */
function rowOfBar(m: BarFeatureMatrix, t: number): Float64Array | null {
  const i = m.barIndex.indexOf(t);
  return i < 0 ? null : featureRow(m, i).slice();
}

/**
 * A feed written independently of `replayFeatureInputs`: at bar i, the DVOL days and funding
 * settlements that became known in (previous close, this close].
 */
function streamIndependently(spec: FeatureSpec, history: FeatureHistory, options: FeatureOptions = {}): { rows: Float64Array[]; barIndex: number[] } {
  const pipeline = new FeaturePipeline(spec, options);
  const rows: Float64Array[] = [];
  const barIndex: number[] = [];
  history.bars.forEach((bar, i) => {
    const since = i === 0 ? -Infinity : history.bars[i - 1]!.tsClose;
    const dvol = history.dvol.filter((d) => d.dayOpen + DAY_MS > since && d.dayOpen + DAY_MS <= bar.tsClose);
    const funding = history.funding.filter((f) => f.ts > since && f.ts <= bar.tsClose);
    const btcBar = spec.crossAsset ? history.btcBars![i]! : null;
    if (btcBar && btcBar.tsOpen !== bar.tsOpen) throw new Error('BTC and instrument files are not aligned');
    const row = pipeline.update({ bar, btcBar, dvol, funding });
    if (row) {
      rows.push(row);
      barIndex.push(i);
    }
  });
  return { rows, barIndex };
}

describe('feature columns', () => {
  it('are fixed per instrument: BTC 27, ETH and SOL 29 (with BTC returns); SOL reads BTC DVOL', () => {
    expect(get('BTC').matrix.nFeatures).toBe(27);
    expect(get('ETH').matrix.nFeatures).toBe(29);
    expect(get('SOL').matrix.nFeatures).toBe(29);
    expect(get('BTC').matrix.featureNames).not.toContain('btc_ret_1');
    expect(get('SOL').matrix.featureNames).toContain('btc_ret_6');
    expect(get('SOL').spec.dvolIndex).toBe('BTC');
    expect(get('ETH').spec.dvolIndex).toBe('ETH');
    expect(new Set(get('ETH').matrix.featureNames).size).toBe(29);
  });
});

describe.each(REAL_BASES)('%s on Binance 4h 2022-01 → 2025-06', (base) => {
  it('(a) the batch matrix equals the bar-by-bar streaming updates to 1e-9 on every cell', () => {
    const { spec, history, matrix } = get(base);
    expect(history.bars.length).toBe(7662);
    const stream = streamIndependently(spec, history);
    expect(stream.rows.length).toBe(matrix.nRows);
    expect(stream.barIndex).toEqual(Array.from(matrix.barIndex));
    let worst = 0;
    for (let i = 0; i < matrix.nRows; i++) {
      const batch = featureRow(matrix, i);
      const live = stream.rows[i]!;
      for (let f = 0; f < matrix.nFeatures; f++) worst = Math.max(worst, Math.abs(batch[f]! - live[f]!));
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  }, SLOW_MS);

  it('(e) emits a finite row for every bar after the warm-up, and none before', () => {
    const { history, matrix } = get(base);
    expect(matrix.barIndex[0]).toBe(FEATURE_WARM_UP_BARS - 1);
    expect(matrix.nRows).toBe(history.bars.length - (FEATURE_WARM_UP_BARS - 1));
    for (let i = 0; i < matrix.nRows; i++) expect(matrix.barIndex[i]).toBe(FEATURE_WARM_UP_BARS - 1 + i);
    let nonFinite = 0;
    for (const v of matrix.values) if (!Number.isFinite(v)) nonFinite++;
    expect(nonFinite).toBe(0);
    expect(Array.from(matrix.ts)).toEqual(Array.from(matrix.barIndex, (b) => history.bars[b]!.tsClose));
  }, SLOW_MS);

  it('agrees with an independent textbook computation of every column to 1e-9', () => {
    const { spec, history, matrix } = get(base);
    const reference = referenceFeatures(spec, history);
    let worst = 0;
    let worstAt = '';
    for (let i = 0; i < matrix.nRows; i++) {
      const t = matrix.barIndex[i]!;
      for (const [f, name] of matrix.featureNames.entries()) {
        const expected = reference.get(name)![t]!;
        const diff = Math.abs(matrix.values[i * matrix.nFeatures + f]! - expected) / Math.max(1, Math.abs(expected));
        if (!(diff <= worst)) {
          worst = diff;
          worstAt = `${name} at bar ${t}`;
        }
      }
    }
    expect({ worstAt, withinTolerance: worst <= TOLERANCE }).toEqual({ worstAt, withinTolerance: true });
  }, SLOW_MS);

  it('(b) prefix invariance: the row of bar t is unchanged when everything after t is altered, removed, or handed in early', () => {
    const { spec, history, matrix } = get(base);
    const n = history.bars.length;
    const dayBoundary = firstIndexFrom(history.bars, 3000, (b) => b.tsClose % DAY_MS === 0); // a new DVOL day becomes known at this close
    const firstFunding = history.funding[0]!.ts;
    const fundingClose = firstIndexFrom(history.bars, 0, (b) => b.tsClose === firstFunding + 100 * 8 * 3_600_000); // closes exactly at a settlement
    const ts = [FEATURE_WARM_UP_BARS - 1, 1234, dayBoundary - 1, dayBoundary, dayBoundary + 1, fundingClose - 1, fundingClose, n - 2];
    for (const t of ts) {
      const expected = rowOfBar(matrix, t);
      expect(expected).not.toBeNull();
      const cut = history.bars[t]!.tsClose;

      const altered = alterAfter(history, cut);
      expect(rowOfBar(buildFeatureMatrix(spec, altered), t)).toEqual(expected);

      const truncated: FeatureHistory = {
        bars: history.bars.slice(0, t + 1),
        btcBars: history.btcBars?.slice(0, t + 1),
        dvol: history.dvol.filter((d) => dvolKnownAt(d) <= cut),
        funding: history.funding.filter((f) => f.ts <= cut),
      };
      const truncatedMatrix = buildFeatureMatrix(spec, truncated);
      expect(truncatedMatrix.barIndex[truncatedMatrix.nRows - 1]).toBe(t);
      expect(featureRow(truncatedMatrix, truncatedMatrix.nRows - 1).slice()).toEqual(expected);

      // The altered future DVOL days and funding handed to the pipeline at the very first bar: it must hold them back.
      const early = new FeaturePipeline(spec);
      let row: Float64Array | null = null;
      for (let i = 0; i <= t; i++) {
        row = early.update({
          bar: altered.bars[i]!,
          btcBar: altered.btcBars?.[i] ?? null,
          dvol: i === 0 ? altered.dvol : [],
          funding: i === 0 ? altered.funding : [],
        });
      }
      expect(row).toEqual(expected);
    }
    // The boundary really is one: the DVOL column moves at the bar that closes at the day's end.
    const before = rowOfBar(matrix, dayBoundary - 1)!;
    const at = rowOfBar(matrix, dayBoundary)!;
    expect(at[col(matrix, 'dvol')]).not.toBe(before[col(matrix, 'dvol')]);
    expect(rowOfBar(matrix, dayBoundary + 1)![col(matrix, 'dvol')]).toBe(at[col(matrix, 'dvol')]);
  }, SLOW_MS);

  it("(c) DVOL of day D is invisible at every bar closing before D + 24h, and used from that close on", () => {
    const { spec, history, matrix } = get(base);
    // Every row: the close of the newest day that had closed by the bar's close, found by brute force.
    for (let i = 0; i < matrix.nRows; i++) {
      const known = countAtOrBefore(history.dvol, (d) => d.dayOpen + DAY_MS, matrix.ts[i]!);
      expect(cell(matrix, i, 'dvol')).toBe(history.dvol[known - 1]!.close / 100);
    }
    // A marker on one day, with every candle handed in at the first bar (as early as possible).
    const d = 400;
    const day = history.dvol[d]!.dayOpen;
    const dvol = history.dvol.map((c, k) => (k === d ? { ...c, close: 555 } : c));
    const pipeline = new FeaturePipeline(spec);
    const j = col(matrix, 'dvol');
    let seenAt: number | null = null;
    history.bars.forEach((bar, i) => {
      const row = pipeline.update({ bar, btcBar: history.btcBars?.[i] ?? null, dvol: i === 0 ? dvol : [], funding: i === 0 ? history.funding : [] });
      if (row && row[j] === 5.55 && seenAt === null) seenAt = bar.tsClose;
      // Before the day has closed, nothing of it shows anywhere in the row (level, changes, spread).
      if (bar.tsClose < day + DAY_MS) expect(row).toEqual(rowOfBar(matrix, i));
    });
    expect(seenAt).toBe(day + DAY_MS);
  }, SLOW_MS);

  it('(d) funding settling at ts is used from the bar closing at ts on, never before', () => {
    const { spec, history, matrix } = get(base);
    const last = col(matrix, 'funding_last');
    for (let i = 0; i < matrix.nRows; i++) {
      const rates = history.funding.slice(0, countAtOrBefore(history.funding, (f) => f.ts, matrix.ts[i]!)).map((f) => f.rate);
      const sum = (k: number) => rates.slice(-k).reduce((a, b) => a + b, 0);
      expect(matrix.values[i * matrix.nFeatures + last]).toBe(rates.length ? rates[rates.length - 1]! : 0);
      expect(cell(matrix, i, 'funding_sum_3')).toBeCloseTo(sum(3), 15);
      expect(cell(matrix, i, 'funding_sum_21')).toBeCloseTo(sum(21), 15);
    }
    // A marker settlement, handed in early: invisible at the bar closing 4h before it, visible at the bar closing at it.
    const k = 500;
    const marker = history.funding[k]!;
    const funding = history.funding.map((f, i) => (i === k ? { ...f, rate: 0.0777 } : f));
    const pipeline = new FeaturePipeline(spec);
    const rowsByClose = new Map<number, Float64Array>();
    history.bars.forEach((bar, i) => {
      const row = pipeline.update({ bar, btcBar: history.btcBars?.[i] ?? null, dvol: i === 0 ? history.dvol : [], funding: i === 0 ? funding : [] });
      if (row) rowsByClose.set(bar.tsClose, row);
    });
    expect(rowsByClose.get(marker.ts - H4)![last]).toBe(history.funding[k - 1]!.rate);
    expect(rowsByClose.get(marker.ts - H4)![col(matrix, 'funding_sum_3')]).toBeLessThan(0.0777);
    expect(rowsByClose.get(marker.ts)![last]).toBe(0.0777);
    expect(rowsByClose.get(marker.ts + H4)![last]).toBe(0.0777);
    expect(rowsByClose.get(marker.ts + 8 * 3_600_000)![last]).toBe(history.funding[k + 1]!.rate);
  }, SLOW_MS);

  it("with fundingBeforeFirst 'warm-up', rows start once 21 real settlements are known, and then equal the default rows", () => {
    const { spec, history, matrix } = get(base);
    const strict = buildFeatureMatrix(spec, history, { fundingBeforeFirst: 'warm-up' });
    expect(strict.ts[0]).toBe(history.funding[20]!.ts);
    const offset = matrix.barIndex.indexOf(strict.barIndex[0]!);
    // 21 settlements in: the zero padding has left every window, so both modes agree exactly from here.
    for (let i = 0; i < strict.nRows; i++) expect(featureRow(strict, i)).toEqual(featureRow(matrix, offset + i));
  }, SLOW_MS);
});

/** How many items of a time-sorted series have `time(item) <= ts` (binary search). */
function countAtOrBefore<T>(items: readonly T[], time: (item: T) => number, ts: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time(items[mid]!) <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstIndexFrom(bars: readonly FeatureBar[], from: number, test: (b: FeatureBar) => boolean): number {
  for (let i = from; i < bars.length; i++) if (test(bars[i]!)) return i;
  throw new Error('no such bar');
}

/** Every bar, BTC bar, DVOL day and funding settlement not yet known at `cut` changed (prices scaled, volumes doubled). */
function alterAfter(history: FeatureHistory, cut: number): FeatureHistory {
  const scale = (b: FeatureBar): FeatureBar =>
    b.tsClose > cut ? { ...b, open: b.open * 1.3, high: b.high * 1.5, low: b.low * 1.1, close: b.close * 1.2, volume: b.volume * 2 } : b;
  return {
    bars: history.bars.map(scale),
    btcBars: history.btcBars?.map(scale),
    dvol: history.dvol.map((d) => (dvolKnownAt(d) > cut ? { ...d, close: d.close * 2 } : d)),
    funding: history.funding.map((f) => (f.ts > cut ? { ...f, rate: f.rate + 0.01 } : f)),
  };
}

/** Each column for every bar, computed the slow, obvious way from whole arrays (NaN where undefined). */
function referenceFeatures(spec: FeatureSpec, history: FeatureHistory): Map<string, Float64Array> {
  const bars = history.bars;
  const n = bars.length;
  const c = bars.map((b) => b.close);
  const out = new Map<string, Float64Array>();
  const column = (name: string, f: (t: number) => number) => out.set(name, Float64Array.from({ length: n }, (_, t) => f(t)));
  const annual = Math.sqrt((365 * DAY_MS) / H4);
  const r = (t: number) => Math.log(c[t]! / c[t - 1]!);
  const rv = (t: number, w: number) => {
    let s = 0;
    for (let k = t - w + 1; k <= t; k++) s += r(k) ** 2;
    return Math.sqrt(s / w) * annual;
  };
  const meanStd = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { m, sd: Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length) };
  };
  for (const h of [1, 3, 6, 12, 42]) column(`ret_${h}`, (t) => Math.log(c[t]! / c[t - h]!));
  for (const w of [6, 42, 180]) column(`rv_${w}`, (t) => rv(t, w));

  const wilder = (xs: number[], p: number, first: number) => {
    const o = new Float64Array(xs.length).fill(NaN);
    let s = 0;
    for (let i = first; i < first + p; i++) s += xs[i]!;
    o[first + p - 1] = s / p;
    for (let i = first + p; i < xs.length; i++) o[i] = (o[i - 1]! * (p - 1) + xs[i]!) / p;
    return o;
  };
  const tr = bars.map((b, t) => (t === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - c[t - 1]!), Math.abs(b.low - c[t - 1]!))));
  const atr = wilder(tr, 14, 0);
  column('atr_14', (t) => atr[t]! / c[t]!);
  const gains = c.map((x, t) => (t === 0 ? 0 : Math.max(x - c[t - 1]!, 0)));
  const losses = c.map((x, t) => (t === 0 ? 0 : Math.max(c[t - 1]! - x, 0)));
  const ag = wilder(gains, 14, 1);
  const al = wilder(losses, 14, 1);
  column('rsi_14', (t) => (al[t] === 0 ? 100 : 100 - 100 / (1 + ag[t]! / al[t]!)));

  const ema = (xs: number[], p: number, first: number) => {
    const o = new Float64Array(xs.length).fill(NaN);
    let s = 0;
    for (let i = first; i < first + p; i++) s += xs[i]!;
    o[first + p - 1] = s / p;
    for (let i = first + p; i < xs.length; i++) o[i] = o[i - 1]! + (2 / (p + 1)) * (xs[i]! - o[i - 1]!);
    return o;
  };
  const e12 = ema(c, 12, 0);
  const e26 = ema(c, 26, 0);
  const line = c.map((_, t) => e12[t]! - e26[t]!);
  const signal = ema(line, 9, 25);
  column('macd_line', (t) => line[t]! / c[t]!);
  column('macd_signal', (t) => signal[t]! / c[t]!);
  column('macd_hist', (t) => (line[t]! - signal[t]!) / c[t]!);
  column('bb_pctb_20', (t) => {
    if (t < 19) return NaN;
    const { m, sd } = meanStd(c.slice(t - 19, t + 1));
    return (c[t]! - (m - 2 * sd)) / (4 * sd);
  });
  const lv = bars.map((b) => Math.log1p(b.volume));
  for (const w of [42, 180]) {
    column(`vol_z_${w}`, (t) => {
      if (t < w - 1) return NaN;
      const { m, sd } = meanStd(lv.slice(t - w + 1, t + 1));
      return (lv[t]! - m) / sd;
    });
  }

  const dvolByDay = new Map(history.dvol.map((d) => [d.dayOpen, d.close / 100]));
  const lastDay = (t: number) => Math.floor(bars[t]!.tsClose / DAY_MS) * DAY_MS - DAY_MS; // newest day closed by the bar's close
  column('dvol', (t) => dvolByDay.get(lastDay(t)) ?? NaN);
  column('dvol_chg_1d', (t) => Math.log(dvolByDay.get(lastDay(t))! / dvolByDay.get(lastDay(t) - DAY_MS)!));
  column('dvol_chg_7d', (t) => Math.log(dvolByDay.get(lastDay(t))! / dvolByDay.get(lastDay(t) - 7 * DAY_MS)!));
  column('dvol_rv_spread', (t) => dvolByDay.get(lastDay(t))! - rv(t, 180));

  const settledRates = (t: number) => {
    const rates = history.funding.slice(0, countAtOrBefore(history.funding, (f) => f.ts, bars[t]!.tsClose)).map((f) => f.rate);
    return [...new Array<number>(21).fill(0), ...rates];
  };
  column('funding_last', (t) => settledRates(t).at(-1)!);
  for (const k of [3, 21]) column(`funding_sum_${k}`, (t) => settledRates(t).slice(-k).reduce((a, b) => a + b, 0));

  if (spec.crossAsset) {
    const bc = history.btcBars!.map((b) => b.close);
    for (const h of [1, 6]) column(`btc_ret_${h}`, (t) => Math.log(bc[t]! / bc[t - h]!));
  }
  const hour = (t: number) => new Date(bars[t]!.tsOpen).getUTCHours();
  const weekday = (t: number) => (new Date(bars[t]!.tsOpen).getUTCDay() + 6) % 7; // Monday = 0
  column('tod_sin', (t) => Math.sin((2 * Math.PI * hour(t)) / 24));
  column('tod_cos', (t) => Math.cos((2 * Math.PI * hour(t)) / 24));
  column('dow_sin', (t) => Math.sin((2 * Math.PI * weekday(t)) / 7));
  column('dow_cos', (t) => Math.cos((2 * Math.PI * weekday(t)) / 7));
  return out;
}
