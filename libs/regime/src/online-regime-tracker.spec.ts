import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { garchFilter } from './garch.js';
import { ForwardFilter } from './hmm.js';
import {
  CANONICAL_REGIMES,
  OnlineRegimeTracker,
  fitRegimeModel,
  type ActiveRegimeModel,
  type OnlineRegimeTrackerOptions,
  type RegimeReading,
} from './online-regime-tracker.js';

const DATA_DIR = process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));
const BAR_MS = 4 * 3600_000;

/** Real BTCUSDT 4h bars: tsClose = open time + 4h. */
function loadBtc(): { tsClose: number[]; close: number[] } {
  const lines = readFileSync(join(DATA_DIR, 'binance_BTCUSDT_4h.csv'), 'utf8').trim().split('\n').slice(1);
  const tsClose: number[] = [];
  const close: number[] = [];
  for (const line of lines) {
    const c = line.split(',');
    tsClose.push(Number(c[0]) + BAR_MS);
    close.push(Number(c[4]));
  }
  return { tsClose, close };
}

const btc = loadBtc();
// 2022-01-01 .. 2022-12-31: LUNA and FTX inside, four fits under the spec config (a few seconds in all).
const END = btc.tsClose.findIndex((t) => t > Date.parse('2023-01-01T00:00:00Z'));
// minBars 500 so the LUNA collapse (≈ bar 770) comes after the first fit; a bounded window exercises the
// sliding-window path and keeps each fit near a second.
const SPEC_CONFIG = { instrumentId: 'BTCUSDT', minBars: 500, refitBars: 540, maxFitBars: 1500 } as const;

interface Run {
  readings: RegimeReading[];
  models: ActiveRegimeModel[];
}

function run(upto: number, config: OnlineRegimeTrackerOptions = SPEC_CONFIG): Run {
  const tracker = new OnlineRegimeTracker(config);
  const readings: RegimeReading[] = [];
  const models: ActiveRegimeModel[] = [];
  for (let i = 0; i < upto; i++) {
    const r = tracker.update(btc.tsClose[i]!, btc.close[i]!);
    readings.push(r);
    if (r.refitted) models.push(tracker.model!);
  }
  return { readings, models };
}

const plain = (r: RegimeReading) => ({ ...r, probabilities: Array.from(r.probabilities) });

describe('OnlineRegimeTracker on real BTCUSDT 4h data', () => {
  let full: Run;
  beforeAll(() => {
    full = run(END);
  }, 120_000);

  it('fits on the configured schedule and reports uniform probabilities before the first fit', () => {
    const refits = full.readings.flatMap((r, i) => (r.refitted ? [i] : []));
    // bar i has i returns: fits at 500, 1040, 1580, 2120 returns
    expect(refits).toEqual([500, 1040, 1580, 2120].filter((n) => n < END));
    expect(full.readings.map((r) => r.modelVersion)[refits[1]!]).toBe(2);
    const before = full.readings[499]!;
    expect(before).toMatchObject({ fitted: false, label: null, refitted: false, modelVersion: 0 });
    expect(Array.from(before.probabilities)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(before.volatility).toBeGreaterThan(0.003);
    expect(before.volatility).toBeLessThan(0.03);
    for (const r of full.readings.slice(500)) {
      expect(r.fitted).toBe(true);
      const p = Array.from(r.probabilities);
      expect(p).toHaveLength(4);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(r.label).toBe(CANONICAL_REGIMES[p.indexOf(Math.max(...p))]);
      expect(Number.isFinite(r.volatility) && r.volatility > 0).toBe(true);
    }
  });

  it('(a) the reading at bar t is identical whether or not later bars are ever fed', () => {
    // stop just after the second refit, so the prefix run holds a refit and online-filtered bars
    const cut = 1100;
    const prefix = run(cut);
    for (let i = 0; i < cut; i++) expect(plain(prefix.readings[i]!)).toEqual(plain(full.readings[i]!));
  }, 60_000);

  it('(b) the LUNA and FTX collapses land mostly in Crisis under the online filter', () => {
    const crisisShare = (from: string, toExcl: string): number => {
      const idx = btc.tsClose.flatMap((t, i) => (t - BAR_MS >= Date.parse(from) && t - BAR_MS < Date.parse(toExcl) ? [i] : []));
      expect(idx.length).toBeGreaterThan(10);
      return idx.filter((i) => full.readings[i]!.label === 'Crisis').length / idx.length;
    };
    expect(crisisShare('2022-05-09T00:00:00Z', '2022-05-13T00:00:00Z')).toBeGreaterThan(0.5);
    expect(crisisShare('2022-11-08T00:00:00Z', '2022-11-11T00:00:00Z')).toBeGreaterThan(0.5);
    // …while Crisis stays a minority of the fitted bars
    const fitted = full.readings.filter((r) => r.fitted);
    expect(fitted.filter((r) => r.label === 'Crisis').length / fitted.length).toBeLessThan(0.35);
  });

  it('(c) is deterministic', () => {
    const again = run(END);
    expect(again.readings.map(plain)).toEqual(full.readings.map(plain));
  }, 120_000);

  it('(d) the label mapping is stable across refits', () => {
    expect(full.models.length).toBeGreaterThanOrEqual(3);
    for (const m of full.models) {
      expect(m.labels).toEqual([...CANONICAL_REGIMES]);
      const [bear, neutral, bull, crisis] = m.model.params.means.map((x) => ({ mean: x[0]!, vol: x[1]! }));
      // Crisis is the most volatile state; Bull has the highest and Bear the lowest mean among the rest.
      for (const s of [bear!, neutral!, bull!]) expect(s.vol).toBeLessThan(crisis!.vol);
      expect(bull!.mean).toBeGreaterThanOrEqual(neutral!.mean);
      expect(neutral!.mean).toBeGreaterThanOrEqual(bear!.mean);
    }
    // Old and new model, each with its own GARCH, agree on which of the refitBars before the refit were Crisis:
    // a refit does not relabel the past crashes. (Bear/Neutral/Bull are not held to this: their mean returns
    // differ by a few bp per bar, so their split legitimately moves between fits.)
    const closes = btc.close;
    for (let k = 1; k < full.models.length; k++) {
      const at = full.models[k]!.fittedAtBar; // closes seen
      const returns = Float64Array.from({ length: at - 1 }, (_, i) => Math.log(closes[i + 1]! / closes[i]!));
      const crisisUnder = (m: ActiveRegimeModel): boolean[] => {
        const v = garchFilter(returns, m.garch);
        const f = new ForwardFilter(m.model, m.model.stationary());
        const out: boolean[] = [];
        for (let t = 0; t < returns.length; t++) {
          const p = f.update(Float64Array.of(returns[t]!, Math.sqrt(v[t]!)));
          if (t >= returns.length - SPEC_CONFIG.refitBars) out.push(p.indexOf(Math.max(...p)) === 3);
        }
        return out;
      };
      const before = crisisUnder(full.models[k - 1]!);
      const after = crisisUnder(full.models[k]!);
      expect(before.filter((c, i) => c === after[i]).length / before.length).toBeGreaterThan(0.85);
      expect(before.some((c) => c)).toBe(true);
    }
  });
});

describe('OnlineRegimeTracker input handling', () => {
  const small = { minBars: 40, refitBars: 20, fit: { restarts: 1, maxIter: 30 } };

  it('rejects bad closes and non-increasing timestamps without corrupting its state', () => {
    const a = new OnlineRegimeTracker({ ...small, instrumentId: 'BTC' });
    const b = new OnlineRegimeTracker(small);
    const feed = (t: OnlineRegimeTracker, i: number) => t.update(btc.tsClose[i]!, btc.close[i]!);
    for (let i = 0; i < 50; i++) {
      feed(a, i);
      feed(b, i);
    }
    const ts = btc.tsClose[49]!;
    expect(() => a.update(ts + BAR_MS, Number.NaN)).toThrow(/close must be a finite number > 0/);
    expect(() => a.update(ts + BAR_MS, 0)).toThrow(/close/);
    expect(() => a.update(ts + BAR_MS, -5)).toThrow(/close/);
    expect(() => a.update(ts + BAR_MS, Number.POSITIVE_INFINITY)).toThrow(/close/);
    expect(() => a.update(ts, 40_000)).toThrow(/BTC.*does not increase/);
    expect(() => a.update(ts - BAR_MS, 40_000)).toThrow(/does not increase/);
    expect(() => a.update(Number.NaN, 40_000)).toThrow(/tsClose must be a finite number/);
    expect(a.snapshot()).toEqual({ ...b.snapshot(), config: a.snapshot().config });
    for (let i = 50; i < 80; i++) expect(plain(feed(a, i))).toEqual(plain(feed(b, i)));
  });

  it('survives a failed fit (constant prices) and fits at the next scheduled bar', () => {
    const t = new OnlineRegimeTracker({ ...small, warmStart: false });
    for (let i = 0; i <= 40; i++) expect(t.update(i + 1, 100).fitted).toBe(false);
    expect(t.snapshot()).toMatchObject({ fitted: false, nextFitAtReturns: 60, lastFitError: 'returns have zero variance' });
    let last: RegimeReading | null = null;
    for (let i = 0; i < 20; i++) last = t.update(100 + i, btc.close[i]!);
    expect(last).toMatchObject({ fitted: true, refitted: true, modelVersion: 1 });
    expect(t.snapshot().lastFitError).toBeNull();
  });

  it('rejects a bad configuration', () => {
    expect(() => new OnlineRegimeTracker({ minBars: 5 })).toThrow(RangeError);
    expect(() => new OnlineRegimeTracker({ refitBars: 0 })).toThrow(RangeError);
    expect(() => new OnlineRegimeTracker({ minBars: 100, maxFitBars: 50 })).toThrow(RangeError);
    expect(() => new OnlineRegimeTracker({ filterWarmupBars: 1.5 })).toThrow(RangeError);
  });

  it('exposes its config, a JSON-safe snapshot and the fit timings', () => {
    const t = new OnlineRegimeTracker(small);
    expect(t.config).toMatchObject({ minBars: 40, refitBars: 20, maxFitBars: Number.POSITIVE_INFINITY, filterWarmupBars: 500 });
    expect(t.config.fit).toEqual({ seed: 7, restarts: 1, maxIter: 30, tol: 1e-7 });
    expect(Object.isFrozen(t.config)).toBe(true);
    for (let i = 0; i <= 40; i++) t.update(btc.tsClose[i]!, btc.close[i]!);
    const s = t.snapshot();
    expect(s).toMatchObject({ bars: 41, returns: 40, fitted: true, modelVersion: 1, nextFitAtReturns: 60, lastTs: btc.tsClose[40] });
    expect(s.states.map((x) => x.label)).toEqual([...CANONICAL_REGIMES]);
    expect(JSON.parse(JSON.stringify({ ...s, config: null }))).toEqual({ ...s, config: null });
    expect(t.fitTimings).toHaveLength(1);
    expect(t.current.refitted).toBe(false);
  });

  it('fitRegimeModel returns a canonical model and times the fit', () => {
    const fit = fitRegimeModel(btc.close.slice(0, 800), { seed: 3, restarts: 1, maxIter: 50 });
    expect(fit.labels).toEqual([...CANONICAL_REGIMES]);
    expect(fit.returns).toBe(799);
    expect(fit.seconds).toBeGreaterThan(0);
    expect(fit.garch.params.alpha + fit.garch.params.beta).toBeLessThan(1);
    expect(fitRegimeModel(btc.close.slice(0, 800), { seed: 3, restarts: 1, maxIter: 50 }).logLikelihood).toBe(fit.logLikelihood);
  });
});
