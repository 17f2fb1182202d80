import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { fileSymbolOf, readFundingCsv } from '@lib/data';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import { HotSwappingModelSource, ModelRegistry, createArtifactStore, ResilientModelLoader, dvolFileName, readDvolCsv, toFundingPoint, type DvolCandle, type DvolIndex, type FundingPoint, type LoadedSignalModel, type ModelRegistryStore } from '@lib/ml';
import type { Instrument, InstrumentId } from '@lib/model';
import type { RegimeService } from '@lib/regime';
import type { CircuitBreakerService, PortfolioRiskService, TradingStateService } from '@lib/risk';
import { OnnxSacActor, buildSacObservation } from '@lib/rl';
import { SizingDecisionEngine } from '@lib/sizing';
import { BuyAndHoldStrategy, MlSignalStrategy, VolTargetTrendStrategy, type MlRlPolicy, type MlSizingContext, type Strategy, type StrategyPortfolio, type StrategyRiskView } from '@lib/strategy';
import type { TraderConfig } from '@config';
import { NO_FEATURE_CACHE, type FeatureCache } from '@lib/redis';
import { TradingMetrics, artifactObserver } from '@lib/observability';

export interface StrategyDeps {
  readonly bus: MessageBus;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly portfolio: StrategyPortfolio;
  readonly registryStore: ModelRegistryStore;
  readonly risk: StrategyRiskDeps;
  /** Where the ML strategy leaves each bar's feature row for other consumers (Redis, with a TTL). */
  readonly featureCache?: FeatureCache;
  /** Where the ML strategy's predictions are stored with their input vectors (model_predictions). */
  readonly predictions?: { recordPrediction(instrumentId: string, ts: number, model: string, version: number, input: ArrayLike<number>, prediction: number): void };
}

/** The risk and analytics services strategies read (never write) at each bar. */
export interface StrategyRiskDeps {
  readonly breaker: CircuitBreakerService;
  readonly portfolioRisk: PortfolioRiskService;
  readonly tradingState: TradingStateService;
  readonly regimes: RegimeService;
}

/**
 * What a strategy may read of risk: the allocation limit (scaled down while the breaker is
 * half-open: at most its multiplier of equity across all instruments), and whether orders may
 * increase exposure at all.
 */
export function strategyRiskView(risk: StrategyRiskDeps, instrumentCount: number): StrategyRiskView {
  return {
    exposureLimit: (id: InstrumentId) => {
      const allocation = risk.portfolioRisk.allocationFraction(id) ?? Infinity;
      if (risk.breaker.state !== 'HALF_OPEN') return allocation;
      return Math.min(allocation, risk.breaker.sizeMultiplier / Math.max(1, instrumentCount));
    },
    canIncrease: () => risk.tradingState.current === 'ACTIVE',
  };
}

function sizingContext(config: TraderConfig, risk: StrategyRiskDeps, view: StrategyRiskView, rl: MlRlPolicy | null): MlSizingContext {
  const s = config.sizing;
  return {
    engine: new SizingDecisionEngine({
      horizon: s.horizon,
      maxFraction: s.maxFraction,
      tierThresholds: { fullConfidence: s.fullConfidence, lowConfidence: s.lowConfidence, fullIc: s.fullIc, lowIc: s.lowIc },
    }),
    horizon: s.horizon,
    icWindow: s.icWindow,
    regime: (id) => risk.regimes.reading(id),
    breaker: () => {
      const status = risk.breaker.status();
      return { state: status.state, sizeMultiplier: status.sizeMultiplier, drawdown: Math.max(0, status.lastDrawdown) };
    },
    // The same limit the strategy's risk view enforces, so the decision record shows every cut.
    allocationLimit: (id) => view.exposureLimit(id),
    rl,
  };
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
  const view = strategyRiskView(deps.risk, instruments.length);
  if (config.strategy.name === 'vol-target-trend') {
    return new VolTargetTrendStrategy(deps.bus, deps.cache, deps.clock, deps.portfolio, instruments, config.strategy).useRisk(view);
  }
  if (config.strategy.name === 'buy-and-hold') {
    return new BuyAndHoldStrategy(deps.bus, deps.cache, deps.clock, deps.portfolio, instruments, { leverage: config.strategy.maxLeverage, rebalanceThreshold: config.strategy.rebalanceThreshold }).useRisk(view);
  }
  const logger = new Logger('ModelLoading');
  const metrics = TradingMetrics.shared();
  const registry = new ModelRegistry(deps.registryStore);
  const loader = new ResilientModelLoader(
    registry,
    createArtifactStore(config.artifacts, process.env, artifactObserver(config.artifacts.kind)),
    process.env.TM_MODEL_CACHE_DIR ?? 'var/model-cache',
    ({ name, tier, reason }) => {
      logger.warn(`${name}: serving tier ${tier} (${reason})`);
      metrics.modelFallbacks.inc({ model: name, tier });
    },
  );
  const source = new HotSwappingModelSource(loader);
  const rl = config.sizing.rlPolicyPath === null ? null : await loadRlPolicy(config.sizing.rlPolicyPath, logger);
  const strategy = new MlSignalStrategy(
    deps.bus, deps.cache, deps.clock, deps.portfolio, instruments, source, await loadMarketContext(dataDir, instruments),
    undefined, sizingContext(config, deps.risk, view, rl),
  )
    .useRisk(view)
    .observeLatency(metrics.latencyObserver());
  const cache = deps.featureCache !== undefined && deps.featureCache !== NO_FEATURE_CACHE ? deps.featureCache : null;
  const predictions = deps.predictions ?? null;
  strategy.observeFeatures({
    // Fire and forget: the cache never throws and a miss only means a consumer recomputes.
    ...(cache ? { features: (instrumentId, tsEvent, version, row) => void cache.set({ instrumentId, tsEvent, version }, row) } : {}),
    ...(predictions ? { prediction: (instrumentId, tsEvent, model, version, input, prediction) => predictions.recordPrediction(instrumentId, tsEvent, model, version, input, prediction) } : {}),
  });
  for (const name of strategy.modelNames()) {
    await source.refresh(name);
    await reportServedModel(registry, source.get(name) ?? null, name, metrics);
  }
  return strategy;
}

/** tm_model_info / tm_model_age_seconds / tm_model_loads_total for the model a strategy will serve. */
async function reportServedModel(registry: ModelRegistry, served: LoadedSignalModel | null, name: string, metrics: TradingMetrics): Promise<void> {
  if (served === null || served.model === null || served.version === null) {
    metrics.modelLoadFailed(name);
    return;
  }
  const version = await registry.find(name, served.version).catch(() => null);
  metrics.modelLoaded(name, served.version, served.tier, version?.createdAt);
}

/**
 * The SAC actor, served by onnxruntime. A missing or corrupt policy is not fatal: sizing falls
 * back to Kelly (tier PURE_KELLY, reason NO_RL_POLICY), which is logged and visible in every
 * decision record.
 */
async function loadRlPolicy(path: string, logger: Logger): Promise<MlRlPolicy | null> {
  try {
    const actor = await OnnxSacActor.load(path);
    return { version: actor.version, fraction: (o) => actor.fraction(o), observe: (o) => buildSacObservation(o) };
  } catch (err) {
    logger.error(`RL sizing policy ${path} could not be loaded (${(err as Error).message}); sizing falls back to Kelly`);
    return null;
  }
}
