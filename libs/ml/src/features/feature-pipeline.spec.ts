import { BAR_INTERVALS, Price, Quantity, instrumentId, type Bar } from '@lib/model';
import { DAY_MS, FeatureInputError, toFeatureBar, toFundingPoint, type FeatureBar } from './feature-inputs.js';
import { buildFeatureMatrix, featureRow, replayFeatureInputs, type FeatureHistory } from './feature-history.js';
import { FeaturePipeline } from './feature-pipeline.js';
import { FEATURE_WARM_UP_BARS, featureNames, featureSpecFor } from './feature-spec.js';
import { syntheticBars, syntheticDvol, syntheticFunding } from './testing/synthetic-inputs.js';

const H4 = BAR_INTERVALS['4h'];
const START = Date.UTC(2024, 0, 1);
const BTC = featureSpecFor('BTC');
const ETH = featureSpecFor('ETH');

function history(count: number, withBtc = false): FeatureHistory {
  return {
    bars: syntheticBars(count, START, 7),
    btcBars: withBtc ? syntheticBars(count, START, 11, 40_000) : undefined,
    dvol: syntheticDvol(START - 10 * DAY_MS, Math.ceil((count * H4) / DAY_MS) + 12),
    funding: syntheticFunding(START - 9 * DAY_MS, (count * H4) / (8 * 3_600_000) + 30),
  };
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FeatureInputError) return err.code;
    throw err;
  }
  return 'no error';
};

describe('featureSpecFor / featureNames', () => {
  it('gives BTC and ETH their own DVOL, every other base BTC DVOL, and BTC returns to all but BTC', () => {
    expect(featureSpecFor('btc')).toEqual({ base: 'BTC', dvolIndex: 'BTC', crossAsset: false });
    expect(featureSpecFor('ETH')).toEqual({ base: 'ETH', dvolIndex: 'ETH', crossAsset: true });
    expect(featureSpecFor('SOL')).toEqual({ base: 'SOL', dvolIndex: 'BTC', crossAsset: true });
  });

  it('names the columns stably, in row order', () => {
    expect(featureNames(BTC)).toEqual([
      'ret_1', 'ret_3', 'ret_6', 'ret_12', 'ret_42', 'rv_6', 'rv_42', 'rv_180', 'atr_14', 'rsi_14', 'macd_line', 'macd_signal', 'macd_hist',
      'bb_pctb_20', 'vol_z_42', 'vol_z_180', 'dvol', 'dvol_chg_1d', 'dvol_chg_7d', 'dvol_rv_spread', 'funding_last', 'funding_sum_3',
      'funding_sum_21', 'tod_sin', 'tod_cos', 'dow_sin', 'dow_cos',
    ]);
    expect(featureNames(ETH)).toEqual([...featureNames(BTC).slice(0, 23), 'btc_ret_1', 'btc_ret_6', ...featureNames(BTC).slice(23)]);
  });
});

describe('FeaturePipeline', () => {
  it(`emits null during the ${FEATURE_WARM_UP_BARS - 1}-bar warm-up, then a row of names.length values per bar`, () => {
    const h = history(400);
    const pipeline = new FeaturePipeline(BTC);
    const rows = [...replayFeatureInputs(h)].map((inputs) => pipeline.update(inputs));
    expect(rows.slice(0, FEATURE_WARM_UP_BARS - 1).every((r) => r === null)).toBe(true);
    expect(rows.slice(FEATURE_WARM_UP_BARS - 1).every((r) => r !== null && r.length === pipeline.names.length)).toBe(true);
    expect(pipeline.barsSeen).toBe(400);
  });

  it('builds the batch matrix as the fold of update (same rows, same order, row-major)', () => {
    const h = history(300, true);
    const m = buildFeatureMatrix(ETH, h);
    const pipeline = new FeaturePipeline(ETH);
    const rows = [...replayFeatureInputs(h)].map((i) => pipeline.update(i)).filter((r): r is Float64Array => r !== null);
    expect(m.nRows).toBe(rows.length);
    expect(m.values.length).toBe(m.nRows * m.nFeatures);
    rows.forEach((r, i) => expect(featureRow(m, i)).toEqual(r));
    expect(() => featureRow(m, m.nRows)).toThrow(RangeError);
  });

  it('puts the bar slot into the time columns: 20:00 on a Sunday', () => {
    const h = history(400);
    const m = buildFeatureMatrix(BTC, h);
    const i = Array.from(m.barIndex).findIndex((b) => new Date(h.bars[b]!.tsOpen).getUTCHours() === 20 && new Date(h.bars[b]!.tsOpen).getUTCDay() === 0);
    const row = featureRow(m, i);
    const at = (name: string) => row[m.featureNames.indexOf(name)]!;
    expect(at('tod_sin')).toBeCloseTo(Math.sin((2 * Math.PI * 20) / 24), 12);
    expect(at('tod_cos')).toBeCloseTo(Math.cos((2 * Math.PI * 20) / 24), 12);
    expect(at('dow_sin')).toBeCloseTo(Math.sin((2 * Math.PI * 6) / 7), 12);
    expect(at('dow_cos')).toBeCloseTo(Math.cos((2 * Math.PI * 6) / 7), 12);
  });

  it('rejects bars out of order, gaps, and invalid bars', () => {
    const bars = syntheticBars(3, START);
    const p = new FeaturePipeline(BTC);
    p.update({ bar: bars[1]! });
    expect(codeOf(() => p.update({ bar: bars[0]! }))).toBe('FEATURES.BAR_OUT_OF_ORDER');
    expect(codeOf(() => p.update({ bar: bars[1]! }))).toBe('FEATURES.BAR_OUT_OF_ORDER');
    const gap = { ...bars[2]!, tsOpen: bars[2]!.tsOpen + H4, tsClose: bars[2]!.tsClose + H4 };
    expect(codeOf(() => p.update({ bar: gap }))).toBe('FEATURES.BAR_GAP');
    const bad: FeatureBar[] = [
      { ...bars[2]!, close: NaN },
      { ...bars[2]!, low: bars[2]!.high * 2 },
      { ...bars[2]!, volume: -1 },
      { ...bars[2]!, tsClose: bars[2]!.tsOpen + DAY_MS },
    ];
    for (const bar of bad) expect(codeOf(() => new FeaturePipeline(BTC).update({ bar }))).toBe('FEATURES.BAD_BAR');
  });

  it('requires the aligned BTC bar for cross-asset instruments', () => {
    const [bar] = syntheticBars(1, START);
    const [btc] = syntheticBars(2, START - H4, 3, 40_000);
    expect(codeOf(() => new FeaturePipeline(ETH).update({ bar: bar! }))).toBe('FEATURES.MISSING_BTC_BAR');
    expect(codeOf(() => new FeaturePipeline(ETH).update({ bar: bar!, btcBar: btc! }))).toBe('FEATURES.BTC_BAR_MISALIGNED');
    expect(codeOf(() => new FeaturePipeline(BTC).update({ bar: bar!, btcBar: null }))).toBe('no error');
  });

  it('holds a DVOL candle back until its day has closed; a re-push before then replaces it, a revision after use is refused', () => {
    const h = history(200);
    const pipeline = new FeaturePipeline(BTC);
    const inputs = [...replayFeatureInputs({ ...h, dvol: [], funding: [] })];
    const dvolCol = pipeline.names.indexOf('dvol');
    const all = h.dvol;
    // Everything up to bar 190 except the newest candles, handed in at once at bar 0.
    const lastDay = Math.floor(inputs[190]!.bar.tsClose / DAY_MS) * DAY_MS - DAY_MS; // newest day closed at bar 190's close
    const early = all.filter((d) => d.dayOpen <= lastDay + DAY_MS); // includes the day still running at bar 190
    let row: Float64Array | null = null;
    for (let i = 0; i < 190; i++) {
      row = pipeline.update({ ...inputs[i]!, dvol: i === 0 ? early.slice(0, -1) : [], funding: i === 0 ? h.funding : [] });
    }
    // The running day (closing at bar 191's close) arrives twice before it has closed: provisional, then final.
    const running = early[early.length - 1]!;
    expect(running.dayOpen + DAY_MS).toBe(inputs[191]!.bar.tsClose);
    row = pipeline.update({ ...inputs[190]!, dvol: [{ ...running, close: 10 }] });
    expect(row![dvolCol]).toBe(all.find((d) => d.dayOpen === lastDay)!.close / 100);
    row = pipeline.update({ ...inputs[191]!, dvol: [{ ...running, close: 90 }] });
    expect(row![dvolCol]).toBe(0.9);
    let i = 192;
    pipeline.update(inputs[i++]!);
    expect(codeOf(() => pipeline.update({ ...inputs[i]!, dvol: [{ ...running, close: 91 }] }))).toBe('FEATURES.DVOL_OUT_OF_ORDER');
    const again = new FeaturePipeline(BTC);
    again.update({ ...inputs[0]!, dvol: [all[5]!] });
    expect(codeOf(() => again.update({ ...inputs[1]!, dvol: [all[4]!] }))).toBe('FEATURES.DVOL_OUT_OF_ORDER');
    expect(codeOf(() => new FeaturePipeline(BTC).update({ ...inputs[0]!, dvol: [{ ...all[0]!, dayOpen: all[0]!.dayOpen + 1 }] }))).toBe('FEATURES.BAD_DVOL');
  });

  it('accepts a re-sent funding settlement and refuses one out of order', () => {
    const [b0, b1] = syntheticBars(2, START);
    const p = new FeaturePipeline(BTC);
    p.update({ bar: b0!, funding: [{ ts: START, rate: 0.0001 }, { ts: START + 8 * 3_600_000, rate: 0.0002 }] });
    expect(codeOf(() => p.update({ bar: b1!, funding: [{ ts: START + 8 * 3_600_000, rate: 0.0002 }] }))).toBe('no error');
    expect(codeOf(() => new FeaturePipeline(BTC).update({ bar: b0!, funding: [{ ts: START, rate: 0.0001 }, { ts: START - 1, rate: 0 }] }))).toBe('FEATURES.FUNDING_OUT_OF_ORDER');
    expect(codeOf(() => new FeaturePipeline(BTC).update({ bar: b0!, funding: [{ ts: START, rate: NaN }] }))).toBe('FEATURES.BAD_FUNDING');
  });

  it('emits no row while the DVOL or funding feed is stale, and resumes when it catches up', () => {
    const h = history(300);
    const tsAt = (i: number) => h.bars[i]!.tsClose;
    const stopDvol = { ...h, dvol: h.dvol.filter((d) => d.dayOpen + DAY_MS <= tsAt(220)) };
    const m = buildFeatureMatrix(BTC, stopDvol);
    // DVOL of the last delivered day became known at the day's end; 2 days later rows stop.
    const lastKnown = stopDvol.dvol[stopDvol.dvol.length - 1]!.dayOpen + DAY_MS;
    expect(m.ts[m.nRows - 1]).toBe(lastKnown + 2 * DAY_MS);
    const stopFunding = { ...h, funding: h.funding.filter((f) => f.ts <= tsAt(220)) };
    const mf = buildFeatureMatrix(BTC, stopFunding);
    expect(mf.ts[mf.nRows - 1]).toBe(stopFunding.funding[stopFunding.funding.length - 1]!.ts + 2 * DAY_MS);
    const tolerant = buildFeatureMatrix(BTC, stopFunding, { maxInputAgeMs: 30 * DAY_MS });
    expect(tolerant.nRows).toBe(300 - (FEATURE_WARM_UP_BARS - 1));
    // Three DVOL days missing: rows stop 2 days after the last known value and resume with the next one.
    const holed = { ...h, dvol: h.dvol.filter((d) => d.dayOpen + DAY_MS <= lastKnown || d.dayOpen + DAY_MS > lastKnown + 3 * DAY_MS) };
    const mh = Array.from(buildFeatureMatrix(BTC, holed).ts);
    expect(mh).toContain(lastKnown + 2 * DAY_MS);
    expect(mh).not.toContain(lastKnown + 2 * DAY_MS + H4);
    expect(mh).not.toContain(lastKnown + 4 * DAY_MS - H4);
    expect(mh).toContain(lastKnown + 4 * DAY_MS);
    expect(mh[mh.length - 1]).toBe(h.bars[299]!.tsClose);
  });

  it("'warm-up' funding mode waits for 21 settlements; 'zero' mode counts unseen settlements as 0", () => {
    const h = history(400);
    const late = { ...h, funding: h.funding.filter((f) => f.ts >= h.bars[250]!.tsClose) };
    const zero = buildFeatureMatrix(BTC, late);
    const strict = buildFeatureMatrix(BTC, late, { fundingBeforeFirst: 'warm-up' });
    expect(zero.barIndex[0]).toBe(FEATURE_WARM_UP_BARS - 1);
    expect(strict.ts[0]).toBe(late.funding[20]!.ts);
    const last = zero.featureNames.indexOf('funding_last');
    const sum21 = zero.featureNames.indexOf('funding_sum_21');
    expect(featureRow(zero, 0)[last]).toBe(0);
    const first = Array.from(zero.ts).indexOf(late.funding[0]!.ts);
    expect(first).toBeGreaterThan(0);
    expect(featureRow(zero, first - 1)[sum21]).toBe(0);
    expect(featureRow(zero, first)[sum21]).toBe(late.funding[0]!.rate);
  });
});

describe('boundary conversions', () => {
  it('turns a fixed-point Bar and FundingRate into numbers once', () => {
    const bar: Bar = {
      instrumentId: instrumentId('BTCUSDT-PERP.BYBIT'),
      interval: '4h',
      tsOpen: START,
      tsClose: START + H4,
      open: Price.parse('42000.5'),
      high: Price.parse('42100'),
      low: Price.parse('41900.25'),
      close: Price.parse('42050.75'),
      volume: Quantity.parse('123.456'),
    };
    expect(toFeatureBar(bar)).toEqual({ tsOpen: START, tsClose: START + H4, open: 42000.5, high: 42100, low: 41900.25, close: 42050.75, volume: 123.456 });
    expect(toFundingPoint({ instrumentId: bar.instrumentId, ts: START, rateRaw: -50_000n })).toEqual({ ts: START, rate: -0.00005 });
  });
});
