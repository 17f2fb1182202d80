import { calmEpisodeStarts, curriculumSteps, SMALL_CURRICULUM_CONFIG, trainCurriculum, type CurriculumConfig, type CurriculumInput, type CurriculumProgress } from './curriculum.js';
import { buildSizingSeries, fitSizerRegimeModel, scaleSignal } from './market-inputs.js';
import { buildSacObservation } from './observation.js';
import { fundingPerBar } from './sizing-env.js';
import { loadRealBars, loadRealFunding } from './testing/real-bars.js';

// Real BTC bars 2022-01 → mid-2023 with a cheap causal forecast (6-bar momentum): enough to exercise the stages.
const all = loadRealBars();
const n = 3000;
const bars = { ts: all.ts.subarray(0, n), close: all.close.subarray(0, n), high: all.high.subarray(0, n), low: all.low.subarray(0, n) };
const momentum = Float64Array.from(bars.close, (c, i) => (i >= 6 ? Math.log(c / bars.close[i - 6]!) : Number.NaN));
const funding = fundingPerBar(bars.ts, loadRealFunding(), 0.0001);
const from = 300;
const to = 2500;
const regime = fitSizerRegimeModel(bars.close, 0, to, { seed: 1, ...SMALL_CURRICULUM_CONFIG.regimeFit });
const series = buildSizingSeries(bars, funding, scaleSignal(momentum), regime);
const input: CurriculumInput = { regime, series, from, to };

describe('trainCurriculum', () => {
  const progress: CurriculumProgress[] = [];
  const first = trainCurriculum(input, SMALL_CURRICULUM_CONFIG, (p) => progress.push(p));

  it('runs synthetic → calm → full with the configured steps and reports progress with rate and ETA', () => {
    expect(first.stages.map((s) => [s.stage, s.steps])).toEqual([
      ['synthetic', 800],
      ['calm', 400],
      ['full', 800],
    ]);
    expect(first.agent.steps).toBe(curriculumSteps(SMALL_CURRICULUM_CONFIG));
    expect(progress.map((p) => p.stage)).toEqual(['synthetic', 'synthetic', 'calm', 'full', 'full']);
    expect(progress.map((p) => p.done)).toEqual([500, 800, 1200, 1700, 2000]);
    for (const p of progress) {
      expect(p.total).toBe(2000);
      expect(p.rate).toBeGreaterThan(0);
      expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(progress[progress.length - 1]!.etaSeconds).toBe(0);
    // the mean recorded funding of the training bars (assumed 0.0001 before Dec 2023) drives the synthetic paths
    expect(first.syntheticFundingRate).toBeCloseTo(0.0001, 10);
  });

  it('is deterministic for a seed (byte-identical weights), and the seed matters', () => {
    const again = trainCurriculum(input, SMALL_CURRICULUM_CONFIG);
    expect(JSON.stringify(again.agent)).toBe(JSON.stringify(first.agent));
    const other = trainCurriculum(input, { ...SMALL_CURRICULUM_CONFIG, seed: 8 });
    expect(JSON.stringify(other.agent)).not.toBe(JSON.stringify(first.agent));
  });

  it('never reads a bar at or after `to`: poisoning those bars changes nothing', () => {
    const poison = (a: Float64Array, k = 1) => a.map((v, i) => (i >= to * k ? Number.NaN : v));
    const poisoned = {
      ...input,
      series: {
        ts: series.ts,
        close: poison(series.close),
        high: poison(series.high),
        low: poison(series.low),
        funding: poison(series.funding),
        signal: poison(series.signal),
        volatility: poison(series.volatility),
        regimeProbabilities: poison(series.regimeProbabilities, 4),
      },
    };
    const result = trainCurriculum(poisoned, SMALL_CURRICULUM_CONFIG);
    expect(JSON.stringify(result.agent)).toBe(JSON.stringify(first.agent));
  });

  it('calm windows are the lower half by mean GARCH volatility', () => {
    const L = 128;
    const calm = calmEpisodeStarts(series.volatility, from, to, L);
    const total = to - L - from;
    expect(calm.length).toBeGreaterThan(total * 0.45);
    expect(calm.length).toBeLessThan(total * 0.55);
    const meanVol = (s: number) => series.volatility.subarray(s, s + L).reduce((a, b) => a + b, 0) / L;
    const calmSet = new Set(calm);
    let calmMax = 0;
    let otherMin = Infinity;
    for (let s = from; s < to - L; s++) {
      if (calmSet.has(s)) calmMax = Math.max(calmMax, meanVol(s));
      else otherMin = Math.min(otherMin, meanVol(s));
    }
    expect(calmMax).toBeLessThanOrEqual(otherMin + 1e-12);
  });

  it('on synthetic paths with an informative signal it learns to size with the signal', () => {
    const config: CurriculumConfig = {
      ...SMALL_CURRICULUM_CONFIG,
      sac: { ...SMALL_CURRICULUM_CONFIG.sac, gamma: 0.5 },
      env: { drawdownPenalty: 0 },
      synthetic: { ...SMALL_CURRICULUM_CONFIG.synthetic, steps: 3500, paths: 4, icRange: [0.5, 0.5], horizon: 1 },
      calm: { steps: 0 },
      full: { steps: 0 },
    };
    const { agent } = trainCurriculum(input, config);
    const act = (z: number) =>
      agent.actor.deterministicAction(
        buildSacObservation({ signal: z, confidence: Math.min(1, Math.abs(z) / 2), regimeProbabilities: [0.2, 0.5, 0.2, 0.1], volatility: 0.01, position: 0, drawdown: 0 }),
      );
    expect(act(2) - act(-2)).toBeGreaterThan(0.5);
    expect(act(2)).toBeGreaterThan(0);
    expect(act(-2)).toBeLessThan(0);
  });
});
