/**
 * The SAC sizer's training curriculum, easiest first:
 *
 *   1. synthetic — paths sampled from the HMM fitted on the training bars, with a signal of known
 *      IC (drawn per path from `icRange`): plenty of varied regimes, and a signal that is sometimes
 *      useful, so the agent learns how signal, regime and volatility should move its size;
 *   2. calm — real training windows whose mean GARCH volatility is below the median window's;
 *   3. full — any real training window, crashes included.
 *
 * One agent carries its weights and replay buffer through the stages. Everything random comes from
 * the seed, so a config and a seed give the same weights.
 */
import { SeededRandom } from '@lib/ml';
import { syntheticSeries, type RegimeModel } from './market-inputs.js';
import { runSac, SacAgent, type SacConfig, type SacRunStats } from './sac.js';
import { EpisodeSampler, episodeStarts, SizingEnv, type EpisodeSegment, type SizingEnvConfig, type SizingSeries } from './sizing-env.js';

export type CurriculumStage = 'synthetic' | 'calm' | 'full';
export const CURRICULUM_STAGES: readonly CurriculumStage[] = ['synthetic', 'calm', 'full'];

export interface CurriculumConfig {
  readonly seed: number;
  readonly sac: Partial<SacConfig>;
  readonly env: Partial<SizingEnvConfig>;
  /** Bars per episode. */
  readonly episodeLength: number;
  readonly synthetic: {
    readonly steps: number;
    readonly paths: number;
    readonly pathLength: number;
    /** Each path's signal IC is drawn uniformly from this range. */
    readonly icRange: readonly [number, number];
    /** Bars the synthetic signal forecasts (the real signal's label horizon). */
    readonly horizon: number;
    /** Funding per 8h on synthetic paths; null = the mean recorded rate of the training bars. */
    readonly fundingRate: number | null;
  };
  readonly calm: { readonly steps: number };
  readonly full: { readonly steps: number };
  readonly regimeFit: { readonly restarts: number; readonly maxIter: number };
  /** Progress callback period, in environment steps. */
  readonly progressEvery: number;
}

/**
 * The default budget: 48k environment steps, one SAC update each (≈ 400–500 steps/s on one core of
 * a busy 2-core machine: 1.5–2 minutes; the curriculum is single-threaded).
 */
export const DEFAULT_CURRICULUM_CONFIG: CurriculumConfig = {
  seed: 7,
  sac: {},
  env: {},
  episodeLength: 256,
  synthetic: { steps: 16_000, paths: 16, pathLength: 2048, icRange: [0, 0.15], horizon: 6, fundingRate: null },
  calm: { steps: 10_000 },
  full: { steps: 22_000 },
  regimeFit: { restarts: 3, maxIter: 100 },
  progressEvery: 2000,
};

/** A budget for specs: trains in a few seconds. */
export const SMALL_CURRICULUM_CONFIG: CurriculumConfig = {
  ...DEFAULT_CURRICULUM_CONFIG,
  sac: { hiddenSizes: [16, 16], batchSize: 32, warmupSteps: 300, updateAfter: 300 },
  episodeLength: 128,
  synthetic: { ...DEFAULT_CURRICULUM_CONFIG.synthetic, steps: 800, paths: 2, pathLength: 512 },
  calm: { steps: 400 },
  full: { steps: 800 },
  regimeFit: { restarts: 1, maxIter: 30 },
  progressEvery: 500,
};

export interface CurriculumInput {
  /** Regime model fitted on the training bars only. */
  readonly regime: RegimeModel;
  /** Real bars with their signal, volatility and regime probabilities. */
  readonly series: SizingSeries;
  /** Training bars [from, to): no episode reads a bar at or after `to`. */
  readonly from: number;
  readonly to: number;
}

export interface CurriculumProgress {
  readonly stage: CurriculumStage;
  readonly stageDone: number;
  readonly stageTotal: number;
  /** Steps over the whole curriculum. */
  readonly done: number;
  readonly total: number;
  /** Steps per second so far. */
  readonly rate: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number;
}

export interface StageReport {
  readonly stage: CurriculumStage;
  readonly steps: number;
  readonly episodes: number;
  readonly meanReward: number;
  readonly seconds: number;
  readonly alpha: number;
  readonly entropy: number | null;
}

export interface CurriculumResult {
  readonly agent: SacAgent;
  readonly stages: readonly StageReport[];
  readonly steps: number;
  readonly seconds: number;
  /** Funding per 8h used on the synthetic paths. */
  readonly syntheticFundingRate: number;
}

/** Starts of the windows whose mean σ is below the median window's (ties excluded). */
export function calmEpisodeStarts(volatility: ArrayLike<number>, from: number, to: number, episodeLength: number): Int32Array {
  const starts = episodeStarts(from, to, episodeLength);
  if (starts.length === 0) return starts;
  const prefix = new Float64Array(volatility.length + 1);
  for (let i = 0; i < volatility.length; i++) prefix[i + 1] = prefix[i]! + volatility[i]!;
  const mean = Float64Array.from(starts, (s) => (prefix[s + episodeLength]! - prefix[s]!) / episodeLength);
  const sorted = Float64Array.from(mean).sort();
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return starts.filter((_, i) => mean[i]! < median);
}

/** Mean of the non-zero funding entries of bars [from, to) (one entry per settlement); fallback when none. */
function meanFundingRate(funding: ArrayLike<number>, from: number, to: number, fallback: number): number {
  let sum = 0;
  let count = 0;
  for (let i = from; i < to; i++) {
    if (funding[i]! !== 0) {
      sum += funding[i]!;
      count++;
    }
  }
  return count > 0 ? sum / count : fallback;
}

export function curriculumSteps(config: CurriculumConfig): number {
  return config.synthetic.steps + config.calm.steps + config.full.steps;
}

/** Trains a SAC agent through the three stages (see the module comment). */
export function trainCurriculum(input: CurriculumInput, config: CurriculumConfig = DEFAULT_CURRICULUM_CONFIG, onProgress?: (p: CurriculumProgress) => void): CurriculumResult {
  const { series, from, to } = input;
  const L = config.episodeLength;
  if (!(from >= 0 && to <= series.close.length && to - from > L + 1)) {
    throw new RangeError(`trainCurriculum: training bars [${from}, ${to}) must hold more than one ${L}-bar episode`);
  }
  const rng = new SeededRandom(config.seed);
  const agent = new SacAgent({ seed: config.seed, ...config.sac });
  const total = curriculumSteps(config);
  const started = performance.now();
  let doneBefore = 0;
  const fundingRate = config.synthetic.fundingRate ?? meanFundingRate(series.funding, from, to, 0.0001);

  // The real-data environment reads bars [from, to) only: later bars are cut off.
  const trainSeries = sliceSeries(series, 0, to);
  const realEnv = new SizingEnv(trainSeries, config.env);

  const segmentsFor = (stage: CurriculumStage): EpisodeSegment[] => {
    if (stage === 'synthetic') {
      const pathRng = rng.fork();
      const [lo, hi] = config.synthetic.icRange;
      return Array.from({ length: config.synthetic.paths }, () => {
        const ic = lo + (hi - lo) * pathRng.next();
        const path = syntheticSeries(input.regime, pathRng, { length: config.synthetic.pathLength, ic, horizon: config.synthetic.horizon, fundingRate });
        return { env: new SizingEnv(path, config.env), starts: episodeStarts(0, path.close.length, L) };
      });
    }
    if (stage === 'calm') return [{ env: realEnv, starts: calmEpisodeStarts(trainSeries.volatility, from, to, L) }];
    return [{ env: realEnv, starts: episodeStarts(from, to, L) }];
  };

  const stages: StageReport[] = [];
  for (const stage of CURRICULUM_STAGES) {
    const steps = config[stage].steps;
    const sampler = new EpisodeSampler(segmentsFor(stage), { episodeLength: L }, rng.fork());
    const t0 = performance.now();
    const report = (done: number): void => {
      if (!onProgress || (done % config.progressEvery !== 0 && done !== steps)) return;
      const elapsed = (performance.now() - started) / 1000;
      const all = doneBefore + done;
      const rate = elapsed > 0 ? all / elapsed : 0;
      onProgress({ stage, stageDone: done, stageTotal: steps, done: all, total, rate, elapsedSeconds: elapsed, etaSeconds: rate > 0 ? (total - all) / rate : 0 });
    };
    const run: SacRunStats = steps > 0 ? runSac(agent, sampler, steps, report) : { steps: 0, episodes: 0, meanReward: 0, last: null };
    doneBefore += steps;
    stages.push({
      stage,
      steps,
      episodes: run.episodes,
      meanReward: run.meanReward,
      seconds: (performance.now() - t0) / 1000,
      alpha: agent.alpha,
      entropy: run.last?.entropy ?? null,
    });
  }
  return { agent, stages, steps: total, seconds: (performance.now() - started) / 1000, syntheticFundingRate: fundingRate };
}

/** Bars [from, to) of a series (views, no copy). */
export function sliceSeries(s: SizingSeries, from: number, to: number): SizingSeries {
  return {
    ts: s.ts.subarray(from, to),
    close: s.close.subarray(from, to),
    high: s.high.subarray(from, to),
    low: s.low.subarray(from, to),
    funding: s.funding.subarray(from, to),
    signal: s.signal.subarray(from, to),
    regimeProbabilities: s.regimeProbabilities.subarray(4 * from, 4 * to),
    volatility: s.volatility.subarray(from, to),
  };
}
