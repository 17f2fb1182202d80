/**
 * SAC sizer benchmark: the default curriculum (synthetic → calm → full history, one SAC update per
 * step) on real BTC 4h bars with the walk-forward GBDT forecast. Target: ≤ 300 s on 2 cores.
 * `trainSeconds` is the curriculum alone; loading the data + forecast and fitting the regime
 * model are reported apart.
 */
import { loadConfig } from '@config';
import { instrumentFromSpec } from '@lib/model';
import { buildSizingSeries, DEFAULT_CURRICULUM_CONFIG, fitSizerRegimeModel, scaleSignal, trainCurriculum, type CurriculumStage } from '@lib/rl';
import { loadSacMarketData } from '../apps/trainer/src/sac/oos-signal.js';

export interface SacBenchFigures {
  /** Wall time of the whole curriculum. */
  readonly trainSeconds: number;
  readonly steps: number;
  readonly stepsPerSecond: number;
  readonly stageSeconds: Readonly<Record<CurriculumStage, number>>;
  /** Bars, funding and the walk-forward GBDT forecast. */
  readonly dataSeconds: number;
  /** GARCH + 4-state HMM on every bar. */
  readonly regimeSeconds: number;
  readonly alpha: number;
}

export async function benchSacTraining(dataDir = process.env.TM_DATA_DIR ?? '../shared/data'): Promise<SacBenchFigures> {
  const instruments = loadConfig({}).instruments.map((s) => instrumentFromSpec(s));
  const btc = instruments.find((i) => i.base === 'BTC')!;
  let t0 = performance.now();
  const market = await loadSacMarketData({ dataDir, source: 'binance', instrument: btc, btc, assumedFundingRate: 0.0001 });
  const dataSeconds = (performance.now() - t0) / 1000;
  const n = market.bars.close.length;
  const config = DEFAULT_CURRICULUM_CONFIG;
  t0 = performance.now();
  const regime = fitSizerRegimeModel(market.bars.close, 0, n, { seed: config.seed, ...config.regimeFit });
  const regimeSeconds = (performance.now() - t0) / 1000;
  const series = buildSizingSeries(market.bars, market.funding, scaleSignal(market.prediction), regime);
  const from = market.prediction.findIndex((p) => Number.isFinite(p));
  const result = trainCurriculum({ regime, series, from, to: n }, config);
  const stageSeconds = Object.fromEntries(result.stages.map((s) => [s.stage, s.seconds])) as Record<CurriculumStage, number>;
  return {
    trainSeconds: result.seconds,
    steps: result.steps,
    stepsPerSecond: result.steps / result.seconds,
    stageSeconds,
    dataSeconds,
    regimeSeconds,
    alpha: result.agent.alpha,
  };
}
