import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { BacktestModule } from '../apps/trader/src/backtest/backtest.module.js';
import { BacktestRunner } from '../apps/trader/src/backtest/backtest.runner.js';
import { ReplayService } from '../apps/trader/src/replay/replay.service.js';
import { measureCqrsBaseline } from './cqrs-baseline.js';
import { runMlBenchmarks } from './ml-bench.js';
import { benchSacTraining } from './sac-bench.js';
import { benchServices } from './services-bench.js';
import { fitRegimeModel } from '@lib/regime';
import { measureDecisionLatency, readCloses } from '../libs/sizing/src/decision/latency.js';

interface Figure {
  value: number;
  unit: string;
  target?: string;
}

const results: Record<string, Figure> = {};
const record = (name: string, value: number, unit: string, target?: string) => {
  results[name] = { value: Number(value.toFixed(3)), unit, ...(target ? { target } : {}) };
  console.log(`${name.padEnd(28)} ${value.toLocaleString('en-US', { maximumFractionDigits: 2 }).padStart(14)} ${unit}${target ? `   (target ${target})` : ''}`);
};

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

/**
 * The kernel figure (the workload of issue 2, plus the circuit breaker): every bar through
 * validation, cache, venue, portfolio, breaker, pre-trade risk and the strategy. The portfolio risk
 * models (VaR, allocation) and regime fits are measured separately: `riskModels` adds VaR and
 * allocation on the same data, `fullStack` runs the default configuration on 4h bars.
 */
async function backtestOnce(databaseUrl: string, dataDir: string, runId: string, to: number | null, riskModels = false) {
  const d = loadConfig({});
  const config = loadConfig(
    { ...process.env, DATABASE_URL: databaseUrl },
    {
      backtest: { source: 'bybit', interval: '1h' },
      regime: { ...d.regime, enabled: false },
      portfolioRisk: { ...d.portfolioRisk, varEnabled: riskModels, allocationEnabled: riskModels },
    },
  );
  const app = await NestFactory.createApplicationContext(BacktestModule.forRun(config), { logger: ['error'] });
  try {
    const outcome = await app.get(BacktestRunner).run(
      { dataDir, source: 'bybit', interval: '1h', instruments: [], from: null, to, initialCapital: '100000', runId },
      () => undefined,
    );
    // Replay three times and keep the median rate: one replay of 55k events takes ~0.5 s, short
    // enough for a passing hiccup on a shared 2-core machine to move a single figure by 20%.
    const replays = [];
    for (let i = 0; i < 3; i++) {
      const replay = await app.get(ReplayService).replay(runId);
      if (!replay.matches) throw new Error(`replay mismatch: ${replay.mismatches.join('; ')}`);
      replays.push(replay);
    }
    const rates = replays.map((r) => r.eventsPerSec).sort((a, b) => a - b);
    return { outcome, replay: replays[0]!, replayFirst: replays[0]!.eventsPerSec, replayMedian: rates[1]! };
  } finally {
    await app.close();
  }
}

/** Binance 4h, three instruments, default config: regimes, breaker, VaR and allocation all on. */
async function fullStackBacktest(databaseUrl: string, dataDir: string) {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl }, { backtest: { source: 'binance', interval: '4h' } });
  const app = await NestFactory.createApplicationContext(BacktestModule.forRun(config), { logger: ['error'] });
  try {
    const { summary } = await app.get(BacktestRunner).run(
      { dataDir, source: 'binance', interval: '4h', instruments: [], from: Date.parse('2022-07-01T00:00:00Z'), to: null, initialCapital: '100000', runId: 'bench-full-stack' },
      () => undefined,
    );
    return { bars: summary.bars, barsPerSec: summary.barsPerSec, breakerTrips: summary.breakerTrips };
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const dataDir = process.env.TM_DATA_DIR ?? '../shared/data';
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-'));
  const databaseUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
  console.log(`Trade-Matrix benchmarks (node ${process.version}, data ${dataDir})\n`);
  try {
    // Warm-up on the first quarter of the data, then the measured run on all of it.
    await backtestOnce(databaseUrl, dataDir, 'bench-warmup', Date.parse('2024-04-01T00:00:00Z'));
    const { outcome, replayFirst, replayMedian } = await backtestOnce(databaseUrl, dataDir, 'bench-full', null);
    const barsPerSec = outcome.summary.barsPerSec;
    record('backtest.bars', outcome.summary.bars, 'bars');
    record('backtest.events', outcome.summary.events, 'events');
    record('backtest.barsPerSec', barsPerSec, 'bars/s', '>= 20000');
    record('replay.eventsPerSec', replayMedian, 'events/s', '>= 100000');
    record('replay.firstPassEventsPerSec', replayFirst, 'events/s');
    const baseline = await measureCqrsBaseline(200_000);
    record('cqrs.baselinePerSec', baseline, 'commands/s');
    const eventsPerSec = outcome.summary.events / outcome.summary.wallSeconds;
    record('backtest.eventsPerSec', eventsPerSec, 'events/s');
    record('backtest.barsVsCqrsBaseline', barsPerSec / baseline, 'ratio');
    record('backtest.eventsVsCqrsBaseline', eventsPerSec / baseline, 'ratio');
    const withRisk = await backtestOnce(databaseUrl, dataDir, 'bench-risk-models', null, true);
    record('backtest.riskModelsBarsPerSec', withRisk.outcome.summary.barsPerSec, 'bars/s');
    const full = await fullStackBacktest(databaseUrl, dataDir);
    record('backtest.fullStackBars', full.bars, 'bars');
    record('backtest.fullStackBarsPerSec', full.barsPerSec, 'bars/s');
    record('backtest.fullStackBreakerTrips', full.breakerTrips, 'trips');
    const services = await benchServices(dataDir, (line) => console.log(line));
    if (services.postgresBarsPerSec !== null) record('backtest.postgresBarsPerSec', services.postgresBarsPerSec, 'bars/s');
    if (services.postgresEventsPerSec !== null) record('backtest.postgresEventsPerSec', services.postgresEventsPerSec, 'events/s');
    if (services.redisSessionWritesPerSec !== null) record('redis.sessionRecordsPerSec', services.redisSessionWritesPerSec, 'records/s (write-behind, flushed)');
    record('metrics.scrapeMillis', services.scrapeMillis, 'ms');
    record('metrics.families', services.metricFamilies, 'families');
    record('metrics.series', services.metricSeries, 'series');
    const closes = readCloses(join(dataDir, 'binance_BTCUSDT_4h.csv'));
    const fits = [1, 2, 3].map(() => fitRegimeModel(closes.close, { seed: 7 }).seconds);
    record('regime.fitSeconds', fits.sort((a, b) => a - b)[1]!, 's');
    record('regime.fitBars', closes.close.length, 'bars');
    const decision = measureDecisionLatency(Infinity, { bars: closes, tracker: { maxFitBars: 3000 } });
    record('sizing.decisionP50Micros', decision.p50Micros, 'µs');
    record('sizing.decisionMicros', decision.p99Micros, 'µs (p99)', '<= 1000');
    record('sizing.trackerRefitMeanSeconds', decision.fitSeconds.reduce((a, b) => a + b, 0) / Math.max(1, decision.fitSeconds.length), 's');
    const sac = await benchSacTraining(dataDir);
    record('sac.trainSeconds', sac.trainSeconds, 's', '<= 300');
    record('sac.steps', sac.steps, 'steps');
    record('sac.stepsPerSecond', sac.stepsPerSecond, 'steps/s');
    const ml = await runMlBenchmarks(dataDir);
    record('inference.p50Micros', ml.inference.p50Micros, 'µs');
    record('inference.p99Micros', ml.inference.p99Micros, 'µs', '<= 100');
    record('decision.p50Micros', ml.decisionP50Micros, 'µs');
    record('decision.p99Micros', ml.decisionP99Micros, 'µs', '<= 1000');
    record('gbdt.fitSeconds', ml.gbdtFitSeconds, 's');
    record('train.pipelineSeconds', ml.trainPipelineSeconds, 's', '<= 600');
    for (const [stage, seconds] of Object.entries(ml.trainBreakdown)) record(`train.${stage}Seconds`, seconds, 's');
    for (const w of ml.walkForward) {
      const key = w.instrument.split('-')[0];
      record(`walkForward.${key}.meanIc`, w.meanIc, 'IC');
      record(`walkForward.${key}.icir`, w.icir, 'ratio');
      record(`walkForward.${key}.sharpe`, w.sharpe, 'ratio');
      record(`walkForward.${key}.selectedFeatures`, w.selected, 'features');
    }
    record('process.peakRssMB', peakRss / 1024 / 1024, 'MB');
  } finally {
    clearInterval(sampler);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwritten bench/results.json');
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
