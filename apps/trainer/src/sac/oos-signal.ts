/**
 * The SAC sizer's real-data inputs for one instrument: bars, funding per bar and an out-of-sample
 * forecast at every bar after the first walk-forward training window.
 *
 * The forecast is the weekly pipeline's model, refitted window by window: the same features
 * (`buildFeatureMatrix`), labels (6-bar forward log return), purged expanding walk-forward and
 * GBDT parameters as `trainInstrument`, but on every feature — the pipeline's Boruta step
 * (~5 s per instrument) is skipped, since the sizer only needs an honest out-of-sample forecast,
 * not the production feature set. Every bar's forecast comes from a model whose training labels
 * end `purge + horizon` bars before it.
 */
import {
  GradientBoostedTrees,
  PurgedWalkForwardSplitter,
  buildFeatureMatrix,
  forwardLogReturns,
  pearsonIc,
  predictBatch,
  testRows,
  trainingRows,
} from '@lib/ml';
import type { Instrument } from '@lib/model';
import { fundingPerBar, type BarArrays } from '@lib/rl';
import { loadTrainingHistory } from '../pipeline/training-data.js';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from '../pipeline/training-pipeline.js';

export interface SacMarketData {
  readonly instrumentId: string;
  readonly bars: BarArrays;
  /** Funding rate per bar (Bybit history; the assumed rate before it starts). */
  readonly funding: Float64Array;
  /** First bar with recorded (not assumed) funding, or null when there is no funding file. */
  readonly fundingRecordedFrom: number | null;
  /** Out-of-sample forecast of the `horizon`-bar log return at each bar's close; NaN where none. */
  readonly prediction: Float64Array;
  readonly horizon: number;
  /** Walk-forward IC of the forecast (Pearson, over every bar with a forecast and a realised label). */
  readonly forecastIc: number;
  readonly seconds: number;
}

export interface SacDataOptions {
  readonly dataDir: string;
  readonly source: string;
  readonly instrument: Instrument;
  readonly btc: Instrument;
  /** Funding per 8h charged before the venue's recorded history starts (Bybit's baseline 0.01 %). */
  readonly assumedFundingRate: number;
  readonly training?: Partial<TrainingConfig>;
}

/** Loads the history and produces the walk-forward GBDT forecast (see the module comment). */
export async function loadSacMarketData(options: SacDataOptions): Promise<SacMarketData> {
  const t0 = performance.now();
  const config: TrainingConfig = { ...DEFAULT_TRAINING_CONFIG, ...options.training };
  const input = await loadTrainingHistory(options.dataDir, options.source, config.interval, options.instrument, options.btc);
  const bars = input.history.bars;
  const barArrays: BarArrays = {
    ts: Float64Array.from(bars, (b) => b.tsClose),
    close: Float64Array.from(bars, (b) => b.close),
    high: Float64Array.from(bars, (b) => b.high),
    low: Float64Array.from(bars, (b) => b.low),
  };
  const funding = fundingPerBar(barArrays.ts, input.history.funding, options.assumedFundingRate);
  const firstFunding = input.history.funding[0]?.ts;
  const fundingRecordedFrom = firstFunding === undefined ? null : barArrays.ts.findIndex((ts) => ts >= firstFunding);

  const matrix = buildFeatureMatrix(input.spec, input.history, { interval: config.interval });
  const barLabels = forwardLogReturns(barArrays.close, { horizon: config.horizon });
  const labels = Float64Array.from({ length: matrix.nRows }, (_, r) => barLabels[matrix.barIndex[r]!]!);
  const windows = new PurgedWalkForwardSplitter({ labelHorizon: config.horizon, windows: config.windows, purge: config.purge, mode: config.mode }).split(matrix.nRows);
  const prediction = new Float64Array(bars.length).fill(Number.NaN);
  const nF = matrix.nFeatures;
  const rowsOf = (rows: Int32Array): Float64Array => {
    const out = new Float64Array(rows.length * nF);
    rows.forEach((r, i) => out.set(matrix.values.subarray(r * nF, (r + 1) * nF), i * nF));
    return out;
  };
  for (const w of windows) {
    const train = trainingRows(w).filter((r) => Number.isFinite(labels[r]!));
    const test = testRows(w);
    const fit = new GradientBoostedTrees({ ...config.gbdt, seed: config.seed + w.index }).fit(
      { values: rowsOf(train), nRows: train.length, nFeatures: nF, featureNames: matrix.featureNames },
      Float64Array.from(train, (r) => labels[r]!),
    );
    const p = predictBatch(fit.model, rowsOf(test), test.length, nF);
    test.forEach((r, i) => {
      prediction[matrix.barIndex[r]!] = p[i]!;
    });
  }
  return {
    instrumentId: options.instrument.id,
    bars: barArrays,
    funding,
    fundingRecordedFrom: fundingRecordedFrom !== null && fundingRecordedFrom >= 0 ? fundingRecordedFrom : null,
    prediction,
    horizon: config.horizon,
    forecastIc: forecastIc(prediction, barLabels),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Pearson IC over the bars where both the forecast and the realised label exist. */
function forecastIc(prediction: ArrayLike<number>, label: ArrayLike<number>): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < prediction.length; i++) {
    if (Number.isFinite(prediction[i]!) && Number.isFinite(label[i]!)) {
      xs.push(prediction[i]!);
      ys.push(label[i]!);
    }
  }
  return xs.length >= 3 ? pearsonIc(xs, ys) : Number.NaN;
}
