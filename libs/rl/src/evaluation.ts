/**
 * Walk-forward, out-of-sample comparison of sizing policies on real bars.
 *
 * For each of K windows: fit the regime model and train SAC (small budget) on the bars before the
 * window minus a purge gap, then run every policy over the test block with identical costs
 * (the same SizingEnv): buy-and-hold, the signal at a fixed size, Kelly by regime, SAC alone and
 * SAC behind the sizing tiers. All policies start each block flat with equity 1.
 *
 * The forecasts must themselves be out of sample at every bar (e.g. a walk-forward model's test
 * predictions); this module only scales them causally.
 */
import { REGIMES, blendSize, regimeScaledKelly, selectSizingTier, SIZING_TIERS, type SizingTier } from '@lib/sizing';
import { curriculumSteps, trainCurriculum, DEFAULT_CURRICULUM_CONFIG, type CurriculumConfig, type CurriculumProgress, type StageReport } from './curriculum.js';
import { argmaxRegime, buildSizingSeries, fitSizerRegimeModel, rollingIc, scaleSignal, type BarArrays } from './market-inputs.js';
import { signalConfidence } from './observation.js';
import type { SacActor } from './sac.js';
import { DEFAULT_SIZING_ENV_CONFIG, SizingEnv, type SizingEnvConfig, type SizingSeries } from './sizing-env.js';

/** 4h bars per year (365 × 6). */
export const BARS_PER_YEAR_4H = 2190;

export const POLICY_NAMES = ['buy-and-hold', 'signal-fixed', 'kelly-regime', 'sac', 'sac-tiered'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface PolicyMetrics {
  /** E_end / E_start − 1. */
  readonly totalReturn: number;
  /** Annualised: mean / std of per-bar simple returns × √barsPerYear. */
  readonly sharpe: number;
  readonly maxDrawdown: number;
  /** Σ |Δposition|, in units of equity (1 = one equity's worth traded). */
  readonly turnover: number;
  readonly annualTurnover: number;
  readonly tradingCost: number;
  readonly fundingCost: number;
  /** Mean |position|. */
  readonly meanExposure: number;
  readonly bars: number;
}

/** Metrics of a per-bar equity path (equity[0] = start) with its trading statistics. */
export function equityMetrics(
  equity: ArrayLike<number>,
  trades: { turnover: number; tradingCost: number; fundingCost: number; exposure: number },
  barsPerYear = BARS_PER_YEAR_4H,
): PolicyMetrics {
  const n = equity.length - 1;
  let sum = 0;
  let sumSq = 0;
  let peak = equity[0]!;
  let maxDd = 0;
  for (let i = 1; i <= n; i++) {
    const r = equity[i]! / equity[i - 1]! - 1;
    sum += r;
    sumSq += r * r;
    peak = Math.max(peak, equity[i]!);
    maxDd = Math.max(maxDd, 1 - equity[i]! / peak);
  }
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  return {
    totalReturn: n > 0 ? equity[n]! / equity[0]! - 1 : 0,
    sharpe: std > 1e-15 ? (mean / std) * Math.sqrt(barsPerYear) : 0,
    maxDrawdown: maxDd,
    turnover: trades.turnover,
    annualTurnover: n > 0 ? (trades.turnover * barsPerYear) / n : 0,
    tradingCost: trades.tradingCost,
    fundingCost: trades.fundingCost,
    meanExposure: n > 0 ? trades.exposure / n : 0,
    bars: n,
  };
}

/** What a policy sees at a bar close before choosing its target fraction. */
export interface PolicyContext {
  readonly bar: number;
  readonly observation: Float32Array;
  readonly position: number;
}

export type Policy = (ctx: PolicyContext) => number;

export interface PolicyRun {
  readonly metrics: PolicyMetrics;
  /** Equity at the close of each bar in [start, end]; equity[0] = 1. */
  readonly equity: Float64Array;
  readonly positions: Float64Array;
}

/** Runs a policy as one continuous episode over decision bars [start, end) (last close read: `end`). */
export function runPolicy(env: SizingEnv, start: number, end: number, policy: Policy, barsPerYear = BARS_PER_YEAR_4H): PolicyRun {
  let observation = env.begin(start, { end });
  const equity = new Float64Array(end - start + 1);
  const positions = new Float64Array(end - start);
  equity[0] = 1;
  let turnover = 0;
  let tradingCost = 0;
  let fundingCost = 0;
  let exposure = 0;
  for (let t = start; t < end; t++) {
    const target = policy({ bar: t, observation, position: env.currentPosition });
    const step = env.stepFraction(target);
    equity[t - start + 1] = step.info.equity;
    positions[t - start] = step.info.target;
    turnover += step.info.turnover;
    tradingCost += step.info.tradingCost;
    fundingCost += step.info.fundingCost;
    exposure += Math.abs(step.info.target);
    observation = step.observation;
  }
  return { metrics: equityMetrics(equity, { turnover, tradingCost, fundingCost, exposure }, barsPerYear), equity, positions };
}

export interface WalkForwardInput {
  readonly bars: BarArrays;
  /** Funding rate per bar (see fundingPerBar). */
  readonly funding: Float64Array;
  /** Out-of-sample forecast of the `horizon`-bar log return per bar; NaN where there is none. */
  readonly prediction: Float64Array;
  readonly horizon: number;
}

export interface WalkForwardConfig {
  readonly windows: number;
  /** Bars between the end of SAC training and the test block. */
  readonly purge: number;
  /** SAC training needs at least this many bars with a forecast before the first test block. */
  readonly minTrainBars: number;
  readonly curriculum: CurriculumConfig;
  readonly env: Partial<SizingEnvConfig>;
  /** |fraction| of the fixed-size signal policy. */
  readonly fixedFraction: number;
  /** Trailing predictions used to z-score the forecast. */
  readonly signalWindow: number;
  /** Trailing (known) outcomes in the rolling IC the tiers use. */
  readonly icWindow: number;
  readonly barsPerYear: number;
}

/** A budget per window: ~15k steps (≈ 25–40 s on a shared 2-core machine). */
export const EVALUATION_CURRICULUM_CONFIG: CurriculumConfig = {
  ...DEFAULT_CURRICULUM_CONFIG,
  synthetic: { ...DEFAULT_CURRICULUM_CONFIG.synthetic, steps: 5000, paths: 8 },
  calm: { steps: 3000 },
  full: { steps: 7000 },
};

export const DEFAULT_WALK_FORWARD_CONFIG: WalkForwardConfig = {
  windows: 4,
  purge: 200,
  minTrainBars: 1000,
  curriculum: EVALUATION_CURRICULUM_CONFIG,
  env: {},
  fixedFraction: 0.5,
  signalWindow: 500,
  icWindow: 500,
  barsPerYear: BARS_PER_YEAR_4H,
};

export interface WindowComparison {
  readonly index: number;
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
  readonly testFromTs: number;
  readonly testToTs: number;
  readonly trainSeconds: number;
  readonly stages: readonly StageReport[];
  readonly policies: Readonly<Record<PolicyName, PolicyMetrics>>;
  /** Bars per sizing tier in the tiered SAC policy. */
  readonly tiers: Readonly<Record<SizingTier, number>>;
  /** Mean rolling IC over the test block (what the tiers saw). */
  readonly meanRollingIc: number;
}

export interface WalkForwardReport {
  readonly windows: readonly WindowComparison[];
  /** Over the concatenated test blocks. */
  readonly aggregate: Readonly<Record<PolicyName, PolicyMetrics>>;
  /** Chained equity over the test blocks, per policy: [close time, equity]. */
  readonly equity: Readonly<Record<PolicyName, ReadonlyArray<readonly [number, number]>>>;
  readonly tiers: Readonly<Record<SizingTier, number>>;
  readonly seconds: number;
  readonly stepsPerWindow: number;
}

export interface WalkForwardProgress {
  readonly window: number;
  readonly windows: number;
  readonly curriculum: CurriculumProgress | null;
}

export interface WalkForwardWindowSpan {
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
}

/**
 * Test blocks: K equal, contiguous blocks of decision bars ending at the second-to-last bar (the
 * last close is the final mark). Training for block k: [first forecast, testFrom − purge).
 */
export function walkForwardSpans(nBars: number, firstForecast: number, config: Pick<WalkForwardConfig, 'windows' | 'purge' | 'minTrainBars'>): WalkForwardWindowSpan[] {
  const lastDecision = nBars - 1;
  const available = lastDecision - firstForecast - config.minTrainBars - config.purge;
  const testLength = Math.floor(available / config.windows);
  if (testLength < 10) throw new RangeError(`walk-forward: ${nBars} bars (first forecast at ${firstForecast}) cannot hold ${config.windows} test blocks after ${config.minTrainBars} training bars and a ${config.purge}-bar purge`);
  const spans: WalkForwardWindowSpan[] = [];
  for (let k = 0; k < config.windows; k++) {
    const testTo = lastDecision - (config.windows - 1 - k) * testLength;
    const testFrom = testTo - testLength;
    spans.push({ trainFrom: firstForecast, trainTo: testFrom - config.purge, testFrom, testTo });
  }
  return spans;
}

const zeroTiers = (): Record<SizingTier, number> => Object.fromEntries(SIZING_TIERS.map((t) => [t, 0])) as Record<SizingTier, number>;

/** The policies compared, sharing one series (so identical costs and information). */
export function comparisonPolicies(
  series: SizingSeries,
  input: Pick<WalkForwardInput, 'prediction' | 'horizon'>,
  ic: Float64Array,
  actor: SacActor,
  options: { maxFraction: number; fixedFraction: number; tierCounts?: Record<SizingTier, number> },
): Record<PolicyName, Policy> {
  const { maxFraction, fixedFraction } = options;
  const kelly = (bar: number): number => {
    const sigma = series.volatility[bar]!;
    const regime = REGIMES[argmaxRegime(series.regimeProbabilities, bar)]!;
    return regimeScaledKelly({ expectedReturn: input.prediction[bar]!, variance: input.horizon * sigma * sigma }, regime, { maxFraction }).fraction;
  };
  const sac = (ctx: PolicyContext): number => actor.deterministicAction(ctx.observation) * maxFraction;
  return {
    'buy-and-hold': () => maxFraction,
    'signal-fixed': ({ bar }) => Math.sign(series.signal[bar]!) * fixedFraction,
    'kelly-regime': ({ bar }) => kelly(bar),
    sac,
    'sac-tiered': (ctx) => {
      const tier = selectSizingTier({ confidence: signalConfidence(series.signal[ctx.bar]!), recentIc: ic[ctx.bar]!, hasRlPolicy: true, breakerOpen: false }).tier;
      if (options.tierCounts) options.tierCounts[tier]++;
      return blendSize(tier, sac(ctx), kelly(ctx.bar));
    },
  };
}

/** The walk-forward comparison (see the module comment). */
export function walkForwardComparison(
  input: WalkForwardInput,
  config: WalkForwardConfig = DEFAULT_WALK_FORWARD_CONFIG,
  onProgress?: (p: WalkForwardProgress) => void,
): WalkForwardReport {
  const started = performance.now();
  const n = input.bars.close.length;
  for (const [name, arr] of [['funding', input.funding], ['prediction', input.prediction]] as const) {
    if (arr.length !== n) throw new RangeError(`walk-forward: ${name} has ${arr.length} entries for ${n} bars`);
  }
  const firstForecast = input.prediction.findIndex((p) => Number.isFinite(p));
  if (firstForecast < 0) throw new RangeError('walk-forward: no forecast');
  const spans = walkForwardSpans(n, firstForecast, config);
  const signal = scaleSignal(input.prediction, config.signalWindow);
  const ic = rollingIc(input.prediction, input.bars.close, input.horizon, { window: config.icWindow, from: spans[0]!.testFrom, to: n });
  const envConfig = { ...config.curriculum.env, ...config.env };
  const { maxFraction } = { ...DEFAULT_SIZING_ENV_CONFIG, ...envConfig };

  const windows: WindowComparison[] = [];
  const chained = Object.fromEntries(POLICY_NAMES.map((p) => [p, [] as Array<readonly [number, number]>])) as Record<PolicyName, Array<readonly [number, number]>>;
  const level = Object.fromEntries(POLICY_NAMES.map((p) => [p, 1])) as Record<PolicyName, number>;
  const totals = Object.fromEntries(POLICY_NAMES.map((p) => [p, { equity: [1] as number[], turnover: 0, tradingCost: 0, fundingCost: 0, exposure: 0 }])) as Record<
    PolicyName,
    { equity: number[]; turnover: number; tradingCost: number; fundingCost: number; exposure: number }
  >;
  const allTiers = zeroTiers();

  spans.forEach((span, index) => {
    onProgress?.({ window: index, windows: spans.length, curriculum: null });
    const t0 = performance.now();
    // Regime model on every bar before the purge (returns need no forecast), then filtered forward.
    const regime = fitSizerRegimeModel(input.bars.close, 0, span.trainTo, { seed: config.curriculum.seed + index, ...config.curriculum.regimeFit });
    const series = buildSizingSeries(input.bars, input.funding, signal, regime);
    const curriculum = trainCurriculum(
      { regime, series, from: span.trainFrom, to: span.trainTo },
      { ...config.curriculum, env: envConfig, seed: config.curriculum.seed + index },
      (p) => onProgress?.({ window: index, windows: spans.length, curriculum: p }),
    );
    const trainSeconds = (performance.now() - t0) / 1000;

    const env = new SizingEnv(series, envConfig);
    const tiers = zeroTiers();
    const policies = comparisonPolicies(series, input, ic, curriculum.agent.actor, { maxFraction, fixedFraction: config.fixedFraction, tierCounts: tiers });
    const metrics = {} as Record<PolicyName, PolicyMetrics>;
    for (const name of POLICY_NAMES) {
      const run = runPolicy(env, span.testFrom, span.testTo, policies[name], config.barsPerYear);
      metrics[name] = run.metrics;
      // Chain the blocks: each starts at the previous block's final equity (costs in units of the initial capital).
      const acc = totals[name];
      const startLevel = level[name];
      for (let i = 1; i < run.equity.length; i++) {
        acc.equity.push(startLevel * run.equity[i]!);
        chained[name].push([input.bars.ts[span.testFrom + i]!, startLevel * run.equity[i]!]);
      }
      level[name] = startLevel * run.equity[run.equity.length - 1]!;
      acc.turnover += run.metrics.turnover;
      acc.tradingCost += run.metrics.tradingCost * startLevel;
      acc.fundingCost += run.metrics.fundingCost * startLevel;
      acc.exposure += run.metrics.meanExposure * run.metrics.bars;
    }
    for (const t of SIZING_TIERS) allTiers[t] += tiers[t];
    let icSum = 0;
    let icCount = 0;
    for (let t = span.testFrom; t < span.testTo; t++) {
      if (Number.isFinite(ic[t]!)) {
        icSum += ic[t]!;
        icCount++;
      }
    }
    windows.push({
      index,
      ...span,
      testFromTs: input.bars.ts[span.testFrom]!,
      testToTs: input.bars.ts[span.testTo]!,
      trainSeconds,
      stages: curriculum.stages,
      policies: metrics,
      tiers,
      meanRollingIc: icCount > 0 ? icSum / icCount : Number.NaN,
    });
  });

  const aggregate = Object.fromEntries(
    POLICY_NAMES.map((p) => {
      const acc = totals[p];
      return [p, equityMetrics(acc.equity, { turnover: acc.turnover, tradingCost: acc.tradingCost, fundingCost: acc.fundingCost, exposure: acc.exposure }, config.barsPerYear)];
    }),
  ) as Record<PolicyName, PolicyMetrics>;
  return { windows, aggregate, equity: chained, tiers: allTiers, seconds: (performance.now() - started) / 1000, stepsPerWindow: curriculumSteps(config.curriculum) };
}
