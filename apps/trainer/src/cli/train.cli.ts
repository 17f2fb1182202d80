import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { ModelRegistry, createArtifactStore, type ModelRegistryStore } from '@lib/ml';
import { MODEL_REGISTRY_STORE, PersistenceModule } from '@lib/persistence';
import { instrumentFromSpec } from '@lib/model';
import { renderTrainingReport } from '../report/training-report.js';
import { runTraining } from '../pipeline/run-training.js';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from '../pipeline/training-pipeline.js';

const USAGE = `usage: npm run train -- [--data <dir>] [--source binance] [--instruments BTCUSDT,ETHUSDT,SOLUSDT]
                         [--windows 40] [--purge 200] [--horizon 6] [--boruta-rounds 100] [--seed 7] [--out reports]
  Weekly pipeline: features → Boruta → purged walk-forward → gates → ONNX → registry (DATABASE_URL),
  artifacts in TM_ARTIFACT_DIR, or S3 with TM_ARTIFACT_STORE=s3 (default var/artifacts); writes <out>/<timestamp>/report.html and result.json.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      data: { type: 'string' },
      source: { type: 'string' },
      instruments: { type: 'string' },
      windows: { type: 'string' },
      purge: { type: 'string' },
      horizon: { type: 'string' },
      'boruta-rounds': { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const int = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: '${text}' is not a non-negative integer`);
    return n;
  };
  const config = loadConfig();
  const training: TrainingConfig = {
    ...DEFAULT_TRAINING_CONFIG,
    windows: int('windows', values.windows, DEFAULT_TRAINING_CONFIG.windows),
    purge: int('purge', values.purge, DEFAULT_TRAINING_CONFIG.purge),
    horizon: int('horizon', values.horizon, DEFAULT_TRAINING_CONFIG.horizon),
    seed: int('seed', values.seed, DEFAULT_TRAINING_CONFIG.seed),
    boruta: { ...DEFAULT_TRAINING_CONFIG.boruta, maxRounds: int('boruta-rounds', values['boruta-rounds'], DEFAULT_TRAINING_CONFIG.boruta.maxRounds) },
  };
  const instruments = config.instruments.map((spec) => instrumentFromSpec(spec));
  const wanted = values.instruments ? values.instruments.split(',').map((s) => s.trim()) : null;
  const chosen = wanted ? wanted.map((w) => instruments.find((i) => i.symbol.replace(/-PERP$/, '') === w || i.id === w) ?? fail(w, instruments.map((i) => i.id))) : instruments;

  @Module({ imports: [PersistenceModule.forRoot({ url: config.databaseUrl, timeSeries: false })] })
  class TrainerModule {}
  const app = await NestFactory.createApplicationContext(TrainerModule, { logger: ['error', 'warn'] });
  try {
    const registry = new ModelRegistry(app.get<ModelRegistryStore>(MODEL_REGISTRY_STORE));
    const artifacts = createArtifactStore(config.artifacts);
    const run = await runTraining({
      dataDir: values.data ?? process.env.TM_DATA_DIR ?? '../shared/data',
      source: values.source ?? 'binance',
      instruments: chosen,
      btc: instruments.find((i) => i.base === 'BTC')!,
      config: training,
      stores: { registry, artifacts },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const dir = join(values.out ?? 'reports', run.startedAt.replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'report.html'), renderTrainingReport(run));
    writeFileSync(join(dir, 'result.json'), `${JSON.stringify({ ...run, instruments: run.instruments.map(({ oosEquity: _o, ...r }) => r) }, null, 2)}\n`);
    for (const r of run.instruments) {
      console.log(
        `${r.instrumentId}: IC ${r.aggregate.meanIc.toFixed(4)}  ICIR ${r.aggregate.icir.toFixed(2)}  t ${r.aggregate.tStat.toFixed(2)}  Sharpe ${r.aggregate.sharpe.toFixed(2)}  features ${r.selected.length}/${r.featureNames.length}  → ${r.modelName} v${r.model.version} ${r.model.stage}${r.gates.promotable ? '' : ` (gates failed: ${r.gates.reasons.join(' ')})`}`,
      );
    }
    console.log(`\nreport: ${join(dir, 'report.html')}\ntotal ${run.seconds.toFixed(1)} s (${Object.entries(run.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
    return 0;
  } finally {
    await app.close();
  }
}

function fail(symbol: string, known: string[]): never {
  throw new Error(`unknown instrument '${symbol}'; configured: ${known.join(', ')}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`training failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
