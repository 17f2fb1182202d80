import type { Instrument } from '@lib/model';
import { ProgressReporter } from '@lib/reporting';
import { loadTrainingHistory } from './training-data.js';
import { trainInstrument, type PipelineStores, type TrainingConfig } from './training-pipeline.js';
import type { InstrumentTrainingResult, TrainingRunResult } from './training.types.js';

export interface TrainingRequest {
  readonly dataDir: string;
  readonly source: string;
  readonly instruments: readonly Instrument[];
  readonly btc: Instrument;
  readonly config: TrainingConfig;
  readonly stores: PipelineStores;
  readonly log: (line: string) => void;
}

/** Runs the pipeline for every instrument in turn, with a progress line per stage (rate and ETA). */
export async function runTraining(request: TrainingRequest): Promise<TrainingRunResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const results: InstrumentTrainingResult[] = [];
  const reporters = new Map<string, ProgressReporter>();
  for (const instrument of request.instruments) {
    const input = await loadTrainingHistory(request.dataDir, request.source, request.config.interval, instrument, request.btc);
    const result = await trainInstrument(input, request.config, request.stores, (stage, done, total) => {
      let reporter = reporters.get(stage);
      if (!reporter) {
        reporter = new ProgressReporter(`train ${stage}`, total, request.log, 2000);
        reporters.set(stage, reporter);
      }
      reporter.tick(done, done === total);
    });
    request.log(`[train] ${instrument.id}: IC ${result.aggregate.meanIc.toFixed(4)}, Sharpe ${result.aggregate.sharpe.toFixed(2)}, v${result.model.version} ${result.model.stage}`);
    results.push(result);
  }
  const timings: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.timings)) timings[k] = (timings[k] ?? 0) + v;
  return {
    startedAt,
    source: request.source,
    interval: request.config.interval,
    horizon: request.config.horizon,
    config: { ...request.config },
    instruments: results,
    seconds: (performance.now() - t0) / 1000,
    timings,
  };
}
