/**
 * Training run of the SAC position sizer for one instrument (no Nest, no database: the CLI adds
 * the registry when asked):
 *
 *   real bars + funding + walk-forward GBDT forecast → regime model (GARCH + HMM, all bars)
 *   → curriculum (synthetic → calm → full history) → deterministic actor to ONNX
 *   → walk-forward comparison against buy-and-hold, fixed-size signal and Kelly by regime.
 */
import { createHash } from 'node:crypto';
import type { Instrument } from '@lib/model';
import {
  buildSizingSeries,
  DEFAULT_WALK_FORWARD_CONFIG,
  exportSacActorToOnnx,
  fitSizerRegimeModel,
  scaleSignal,
  trainCurriculum,
  walkForwardComparison,
  type CurriculumConfig,
  type CurriculumProgress,
  type PolicyMetrics,
  type PolicyName,
  type StageReport,
  type WalkForwardConfig,
  type WalkForwardReport,
} from '@lib/rl';
import type { TrainingConfig } from '../pipeline/training-pipeline.js';
import { loadSacMarketData, type SacMarketData } from './oos-signal.js';

export const SAC_MODEL_NAME = 'sizer-sac';

export interface SacTrainingOptions {
  readonly dataDir: string;
  readonly source: string;
  readonly instrument: Instrument;
  readonly btc: Instrument;
  readonly seed: number;
  readonly maxFraction: number;
  /** λ of the reward's drawdown penalty (training only; the comparison's metrics do not use it). */
  readonly drawdownPenalty: number;
  readonly assumedFundingRate: number;
  readonly curriculum: CurriculumConfig;
  /** null = skip the walk-forward comparison. */
  readonly walkForward: WalkForwardConfig | null;
  /** Version written into the ONNX metadata. */
  readonly version: string;
  /** Overrides of the forecast's walk-forward (default: the weekly pipeline's 40 windows). */
  readonly forecast?: Partial<TrainingConfig>;
  readonly log: (line: string) => void;
}

export interface SacTrainingResult {
  readonly startedAt: string;
  readonly modelName: string;
  readonly instrumentId: string;
  readonly source: string;
  readonly seed: number;
  readonly data: {
    readonly bars: number;
    readonly fromTs: number;
    readonly toTs: number;
    readonly firstForecastTs: number;
    readonly forecastIc: number;
    readonly fundingRecordedFromTs: number | null;
    readonly assumedFundingRate: number;
    readonly horizon: number;
  };
  readonly regime: { readonly garch: { omega: number; alpha: number; beta: number }; readonly labels: readonly string[] };
  readonly curriculum: {
    readonly config: CurriculumConfig;
    readonly stages: readonly StageReport[];
    readonly steps: number;
    readonly seconds: number;
    readonly stepsPerSecond: number;
    readonly syntheticFundingRate: number;
    readonly trainFromTs: number;
    readonly trainToTs: number;
  };
  readonly model: { readonly version: string; readonly maxFraction: number; readonly sha256: string; readonly bytes: number };
  readonly walkForward: WalkForwardReport | null;
  readonly timings: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export interface SacTrainingOutput {
  readonly result: SacTrainingResult;
  readonly onnx: Uint8Array;
  readonly market: SacMarketData;
}

/** A progress line with rate and ETA, at most every `everySeconds`. */
function progressLine(prefix: string, log: (line: string) => void, everySeconds = 5): (p: CurriculumProgress) => void {
  let last = -Infinity;
  return (p) => {
    const final = p.done === p.total;
    if (!final && p.elapsedSeconds - last < everySeconds) return;
    last = p.elapsedSeconds;
    const pct = ((100 * p.done) / p.total).toFixed(1);
    log(`[${prefix}] ${p.stage} ${p.stageDone}/${p.stageTotal} · total ${p.done}/${p.total} (${pct}%) ${Math.round(p.rate)} steps/s elapsed ${p.elapsedSeconds.toFixed(1)}s ETA ${p.etaSeconds.toFixed(1)}s`);
  };
}

export async function runSacTraining(options: SacTrainingOptions): Promise<SacTrainingOutput> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = (performance.now() - s) / 1000;
    }
  };
  const { log } = options;

  const market = await timed('data', () =>
    loadSacMarketData({
      dataDir: options.dataDir,
      source: options.source,
      instrument: options.instrument,
      btc: options.btc,
      assumedFundingRate: options.assumedFundingRate,
      ...(options.forecast ? { training: options.forecast } : {}),
    }),
  );
  const n = market.bars.close.length;
  const firstForecast = market.prediction.findIndex((p) => Number.isFinite(p));
  log(`[sac] ${market.instrumentId}: ${n} bars, walk-forward GBDT forecast from bar ${firstForecast} (IC ${market.forecastIc.toFixed(4)}), ${timings.data!.toFixed(1)} s`);

  const env = { maxFraction: options.maxFraction, drawdownPenalty: options.drawdownPenalty };
  const curriculumConfig: CurriculumConfig = { ...options.curriculum, seed: options.seed, env: { ...options.curriculum.env, ...env } };
  const regime = await timed('regime', () => fitSizerRegimeModel(market.bars.close, 0, n, { seed: options.seed, ...curriculumConfig.regimeFit }));
  const signal = scaleSignal(market.prediction, options.walkForward?.signalWindow ?? DEFAULT_WALK_FORWARD_CONFIG.signalWindow);
  const series = buildSizingSeries(market.bars, market.funding, signal, regime);

  log(`[sac] curriculum: ${curriculumConfig.synthetic.steps} synthetic + ${curriculumConfig.calm.steps} calm + ${curriculumConfig.full.steps} full steps`);
  const curriculum = await timed('curriculum', () => trainCurriculum({ regime, series, from: firstForecast, to: n }, curriculumConfig, progressLine('sac train', log)));
  const steps = curriculum.steps;
  log(`[sac] curriculum done: ${steps} steps in ${curriculum.seconds.toFixed(1)} s (${Math.round(steps / curriculum.seconds)} steps/s), α ${curriculum.agent.alpha.toFixed(4)}`);

  const onnx = exportSacActorToOnnx(curriculum.agent.actor, {
    modelName: SAC_MODEL_NAME,
    version: options.version,
    maxFraction: options.maxFraction,
    seed: options.seed,
    extra: {
      instrument: market.instrumentId,
      trainedFrom: new Date(market.bars.ts[firstForecast]!).toISOString(),
      trainedTo: new Date(market.bars.ts[n - 1]!).toISOString(),
      steps: String(steps),
    },
  });

  let walkForward: WalkForwardReport | null = null;
  if (options.walkForward) {
    const wf: WalkForwardConfig = {
      ...options.walkForward,
      env: { ...options.walkForward.env, ...env },
      curriculum: { ...options.walkForward.curriculum, seed: options.seed },
    };
    log(`[sac] walk-forward: ${wf.windows} windows, ${wf.purge}-bar purge, ${wf.curriculum.synthetic.steps + wf.curriculum.calm.steps + wf.curriculum.full.steps} SAC steps per window`);
    const wfStart = performance.now();
    walkForward = await timed('walkForward', () =>
      walkForwardComparison({ bars: market.bars, funding: market.funding, prediction: market.prediction, horizon: market.horizon }, wf, (p) => {
        if (p.curriculum === null) {
          const elapsed = (performance.now() - wfStart) / 1000;
          const eta = p.window > 0 ? (elapsed / p.window) * (p.windows - p.window) : Number.NaN;
          log(`[sac walk-forward] window ${p.window + 1}/${p.windows}: fitting the regime model and training · elapsed ${elapsed.toFixed(1)}s${Number.isFinite(eta) ? ` ETA ${eta.toFixed(0)}s` : ''}`);
        } else if (p.curriculum.done === p.curriculum.total) {
          log(`[sac walk-forward] window ${p.window + 1}/${p.windows} trained: ${p.curriculum.total} steps in ${p.curriculum.elapsedSeconds.toFixed(1)} s (${Math.round(p.curriculum.rate)} steps/s)`);
        }
      }),
    );
    for (const [name, m] of Object.entries(walkForward.aggregate) as Array<[PolicyName, PolicyMetrics]>) log(`[sac walk-forward] ${formatPolicy(name, m)}`);
  }

  const result: SacTrainingResult = {
    startedAt,
    modelName: SAC_MODEL_NAME,
    instrumentId: market.instrumentId,
    source: options.source,
    seed: options.seed,
    data: {
      bars: n,
      fromTs: market.bars.ts[0]!,
      toTs: market.bars.ts[n - 1]!,
      firstForecastTs: market.bars.ts[firstForecast]!,
      forecastIc: market.forecastIc,
      fundingRecordedFromTs: market.fundingRecordedFrom === null ? null : market.bars.ts[market.fundingRecordedFrom]!,
      assumedFundingRate: options.assumedFundingRate,
      horizon: market.horizon,
    },
    regime: { garch: regime.garch, labels: regime.labels },
    curriculum: {
      config: curriculumConfig,
      stages: curriculum.stages,
      steps,
      seconds: curriculum.seconds,
      stepsPerSecond: steps / curriculum.seconds,
      syntheticFundingRate: curriculum.syntheticFundingRate,
      trainFromTs: market.bars.ts[firstForecast]!,
      trainToTs: market.bars.ts[n - 1]!,
    },
    model: { version: options.version, maxFraction: options.maxFraction, sha256: createHash('sha256').update(onnx).digest('hex'), bytes: onnx.byteLength },
    walkForward,
    timings,
    seconds: (performance.now() - t0) / 1000,
  };
  return { result, onnx, market };
}

export function formatPolicy(name: string, m: PolicyMetrics): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `${name.padEnd(13)} return ${pct(m.totalReturn).padStart(8)}  Sharpe ${m.sharpe.toFixed(2).padStart(6)}  maxDD ${pct(m.maxDrawdown).padStart(6)}  turnover ${m.turnover.toFixed(1).padStart(7)} (${m.annualTurnover.toFixed(1)}/yr)`;
}

