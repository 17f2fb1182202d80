import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { fileSymbolOf, readFundingCsv } from '@lib/data';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import { HotSwappingModelSource, LocalArtifactStore, ModelRegistry, ResilientModelLoader, dvolFileName, readDvolCsv, toFundingPoint, type DvolCandle, type DvolIndex, type FundingPoint, type ModelRegistryStore } from '@lib/ml';
import type { Instrument } from '@lib/model';
import { MlSignalStrategy, VolTargetTrendStrategy, type Strategy, type StrategyPortfolio } from '@lib/strategy';
import type { TraderConfig } from '@config';
import { TradingMetrics } from '../metrics/trading-metrics.js';

export interface StrategyDeps {
  readonly bus: MessageBus;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly portfolio: StrategyPortfolio;
  readonly registryStore: ModelRegistryStore;
}

/** DVOL and venue funding for the ML features, from the data folder (what the trainer used). */
async function loadMarketContext(dataDir: string, instruments: readonly Instrument[]) {
  const dvol = new Map<DvolIndex, DvolCandle[]>();
  for (const index of ['BTC', 'ETH'] as const) {
    const path = join(dataDir, dvolFileName(index));
    if (existsSync(path)) dvol.set(index, await readDvolCsv(path));
  }
  const funding = new Map<string, FundingPoint[]>();
  for (const instrument of instruments) {
    const path = join(dataDir, `bybit_${fileSymbolOf(instrument)}_funding_8h.csv`);
    if (!existsSync(path)) continue;
    const parsed = await readFundingCsv(path, instrument.id, 'bybit');
    funding.set(instrument.id, parsed.rows.map((r) => toFundingPoint(r.rate)));
  }
  return { dvol, funding };
}

/** Builds the configured strategy; the ML one with its models loaded through the four tiers. */
export async function createStrategy(config: TraderConfig, deps: StrategyDeps, instruments: readonly Instrument[], dataDir: string): Promise<Strategy> {
  if (config.strategy.name === 'vol-target-trend') {
    return new VolTargetTrendStrategy(deps.bus, deps.cache, deps.clock, deps.portfolio, instruments, config.strategy);
  }
  const logger = new Logger('ModelLoading');
  const metrics = TradingMetrics.shared();
  const loader = new ResilientModelLoader(
    new ModelRegistry(deps.registryStore),
    new LocalArtifactStore(process.env.TM_ARTIFACT_DIR ?? 'var/artifacts'),
    process.env.TM_MODEL_CACHE_DIR ?? 'var/model-cache',
    ({ name, tier, reason }) => {
      logger.warn(`${name}: serving tier ${tier} (${reason})`);
      metrics.modelFallbacks.inc({ model: name, tier });
    },
  );
  const source = new HotSwappingModelSource(loader);
  const strategy = new MlSignalStrategy(deps.bus, deps.cache, deps.clock, deps.portfolio, instruments, source, await loadMarketContext(dataDir, instruments));
  for (const name of strategy.modelNames()) await source.refresh(name);
  return strategy;
}
