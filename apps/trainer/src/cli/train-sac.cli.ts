import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { ModelRegistry, createArtifactStore, type ModelRegistryStore } from '@lib/ml';
import { instrumentFromSpec, type Instrument } from '@lib/model';
import { MODEL_REGISTRY_STORE, PersistenceModule } from '@lib/persistence';
import { DEFAULT_CURRICULUM_CONFIG, DEFAULT_SIZING_ENV_CONFIG, DEFAULT_WALK_FORWARD_CONFIG, POLICY_NAMES, SMALL_CURRICULUM_CONFIG, type CurriculumConfig, type WalkForwardConfig } from '@lib/rl';
import { registerSacActor } from '../sac/sac-registry.js';
import { renderSacReport } from '../sac/sac-report.js';
import { formatPolicy, runSacTraining, SAC_MODEL_NAME } from '../sac/sac-training.js';

const USAGE = `usage: npm run train:sac -- [--data-dir <dir>] [--source binance] [--instrument BTCUSDT] [--out var/models/sac]
                             [--seed 7] [--max-fraction 1] [--drawdown-penalty 0.25] [--assumed-funding 0.0001]
                             [--synthetic-steps 16000] [--calm-steps 10000] [--full-steps 22000] [--small]
                             [--windows 4] [--purge 200] [--skip-eval] [--register]
  Trains the SAC position sizer (synthetic HMM paths → calm real periods → full history) on the
  instrument's walk-forward GBDT forecast, exports the deterministic actor to <out>/sac-actor.onnx,
  compares it out of sample with buy-and-hold, fixed-size signal and Kelly by regime, and writes
  <out>/sac-report.json and <out>/sac-report.html. --register also stores it in the model registry
  (DATABASE_URL, artifacts in TM_ARTIFACT_DIR, or S3 with TM_ARTIFACT_STORE=s3) as '${SAC_MODEL_NAME}': Staging, Production only when
  SAC with tiers beats pure Kelly on walk-forward Sharpe. --small: the seconds-long test budget.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      'data-dir': { type: 'string' },
      data: { type: 'string' },
      source: { type: 'string' },
      instrument: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'max-fraction': { type: 'string' },
      'drawdown-penalty': { type: 'string' },
      'assumed-funding': { type: 'string' },
      'synthetic-steps': { type: 'string' },
      'calm-steps': { type: 'string' },
      'full-steps': { type: 'string' },
      small: { type: 'boolean' },
      windows: { type: 'string' },
      purge: { type: 'string' },
      'skip-eval': { type: 'boolean' },
      register: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const int = (flag: string, fallback: number): number => {
    const text = values[flag as keyof typeof values];
    if (typeof text !== 'string') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: '${text}' is not a non-negative integer`);
    return n;
  };
  const num = (flag: string, fallback: number): number => {
    const text = values[flag as keyof typeof values];
    if (typeof text !== 'string') return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag}: '${text}' is not a non-negative number`);
    return n;
  };

  const config = loadConfig();
  const instruments = config.instruments.map((spec) => instrumentFromSpec(spec));
  const wanted = values.instrument ?? 'BTCUSDT';
  const instrument = instruments.find((i) => i.symbol.replace(/-PERP$/, '') === wanted || i.id === wanted) ?? fail(wanted, instruments);
  const btc = instruments.find((i) => i.base === 'BTC')!;

  const base = values.small ? SMALL_CURRICULUM_CONFIG : DEFAULT_CURRICULUM_CONFIG;
  const curriculum: CurriculumConfig = {
    ...base,
    synthetic: { ...base.synthetic, steps: int('synthetic-steps', base.synthetic.steps) },
    calm: { steps: int('calm-steps', base.calm.steps) },
    full: { steps: int('full-steps', base.full.steps) },
  };
  const walkForward: WalkForwardConfig | null = values['skip-eval']
    ? null
    : {
        ...DEFAULT_WALK_FORWARD_CONFIG,
        ...(values.small ? { curriculum: SMALL_CURRICULUM_CONFIG } : {}),
        windows: int('windows', DEFAULT_WALK_FORWARD_CONFIG.windows),
        purge: int('purge', DEFAULT_WALK_FORWARD_CONFIG.purge),
      };
  const outDir = values.out ?? 'var/models/sac';
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const train = (version: string) =>
    runSacTraining({
      dataDir: values['data-dir'] ?? values.data ?? process.env.TM_DATA_DIR ?? '../shared/data',
      source: values.source ?? 'binance',
      instrument,
      btc,
      seed: int('seed', DEFAULT_CURRICULUM_CONFIG.seed),
      maxFraction: num('max-fraction', 1),
      drawdownPenalty: num('drawdown-penalty', DEFAULT_SIZING_ENV_CONFIG.drawdownPenalty),
      assumedFundingRate: num('assumed-funding', 0.0001),
      curriculum,
      walkForward,
      version,
      log,
    });

  let registered: { version: number; stage: string; reasons: readonly string[] } | null = null;
  let output: Awaited<ReturnType<typeof train>>;
  if (values.register) {
    @Module({ imports: [PersistenceModule.forRoot({ url: config.databaseUrl, timeSeries: false })] })
    class SacTrainerModule {}
    const app = await NestFactory.createApplicationContext(SacTrainerModule, { logger: ['error', 'warn'] });
    try {
      const registry = new ModelRegistry(app.get<ModelRegistryStore>(MODEL_REGISTRY_STORE));
      const next = ((await registry.latest(SAC_MODEL_NAME))?.version ?? 0) + 1;
      output = await train(String(next));
      const r = await registerSacActor(output.result, output.onnx, { registry, artifacts: createArtifactStore(config.artifacts) });
      registered = { version: r.version, stage: r.stage, reasons: r.gates.reasons };
    } finally {
      await app.close();
    }
  } else {
    output = await train(`local-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  }

  const { result, onnx } = output;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'sac-actor.onnx'), onnx);
  const json = { ...result, walkForward: result.walkForward ? { ...result.walkForward, equity: undefined } : null, registered };
  writeFileSync(join(outDir, 'sac-report.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(outDir, 'sac-report.html'), renderSacReport(result));

  console.log(`SAC sizer ${result.instrumentId}: ${result.curriculum.steps} steps in ${result.curriculum.seconds.toFixed(1)} s (${Math.round(result.curriculum.stepsPerSecond)} steps/s)`);
  if (result.walkForward) {
    console.log(`walk-forward, ${result.walkForward.windows.length} out-of-sample windows chained (${result.walkForward.aggregate['sac'].bars} bars):`);
    for (const p of POLICY_NAMES) console.log(`  ${formatPolicy(p, result.walkForward.aggregate[p])}`);
  }
  if (registered) console.log(`registry: ${SAC_MODEL_NAME} v${registered.version} ${registered.stage} (${registered.reasons.join('; ')})`);
  console.log(`\nactor:  ${join(outDir, 'sac-actor.onnx')} (sha256 ${result.model.sha256})\nreport: ${join(outDir, 'sac-report.html')}\ntotal ${result.seconds.toFixed(1)} s (${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
  return 0;
}

function fail(symbol: string, known: readonly Instrument[]): never {
  throw new Error(`unknown instrument '${symbol}'; configured: ${known.map((i) => i.id).join(', ')}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`SAC training failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
