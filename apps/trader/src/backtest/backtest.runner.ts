import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { FEATURE_CACHE, type FeatureCache } from '@lib/redis';
import {
  BAR_REPOSITORY,
  Cache,
  Clock,
  EVENT_STORE,
  EventStreamHasher,
  MessageBus,
  RUN_REPOSITORY,
  Stage,
  TestClock,
  readStreamPages,
  type BarRepository,
  type EventStore,
  type RunRepository,
} from '@lib/kernel';
import { BacktestFeed, BarValidator, DataEngine, loadCatalogFeed } from '@lib/data';
import { BAR_INTERVALS, BreakerTransitionedEvent, Money, OrderDeniedEvent, RegimeChangedEvent, type Bar, RunCompletedEvent, RunStartedEvent, instrumentFromSpec, type Instrument, type JsonObject } from '@lib/model';
import { PortfolioService, computeStatistics } from '@lib/portfolio';
import { EXECUTION_CLIENT } from '@lib/execution';
import type { SimulatedVenue } from '@lib/venues-sim';
import { redactConfig, type TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { ProgressReporter, type EquityChartMarkers } from '@lib/reporting';
import type { BacktestRequest, BacktestSummary } from './backtest.types.js';
import { newBacktestRunId } from './run-id.js';
import { createStrategy } from './strategy.factory.js';
import { MlSignalStrategy, type Strategy } from '@lib/strategy';
import { MODEL_REGISTRY_STORE } from '@lib/persistence';
import { CircuitBreakerService, PortfolioRiskService, TradingStateService } from '@lib/risk';
import { RegimeService } from '@lib/regime';
import type { ModelRegistryStore } from '@lib/ml';
import { RunRecordsProjection } from '../records/run-records.projection.js';

export interface BacktestOutcome {
  readonly summary: BacktestSummary;
  readonly equityCurve: ReadonlyArray<{ ts: number; equity: number; drawdown: number }>;
  /** What the equity chart shows behind the curve: the first instrument's regimes and the breaker trips. */
  readonly markers: EquityChartMarkers;
}

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

/**
 * The backtest driver (NautilusTrader's BacktestEngine): replays the catalog through the test
 * clock into the same kernel that trades live. Per input: advance the clock, hand the bar to
 * the DataEngine (validation → cache → simulated venue → publish), then let the bus write a
 * batch when one is full.
 */
@Injectable()
export class BacktestRunner {
  private readonly logger = new Logger(BacktestRunner.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    private readonly cache: Cache,
    private readonly data: DataEngine,
    private readonly portfolio: PortfolioService,
    @Inject(EXECUTION_CLIENT) private readonly venue: SimulatedVenue,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BAR_REPOSITORY) private readonly catalog: BarRepository,
    @Inject(MODEL_REGISTRY_STORE) private readonly models: ModelRegistryStore,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
    private readonly breaker: CircuitBreakerService,
    private readonly portfolioRisk: PortfolioRiskService,
    private readonly tradingState: TradingStateService,
    private readonly regimes: RegimeService,
    private readonly records: RunRecordsProjection,
    @Optional() @Inject(FEATURE_CACHE) private readonly featureCache?: FeatureCache,
  ) {}

  /**
   * A run that starts mid-history primes what needs history before its first bar, exactly as a
   * live start would from the catalog: the regime trackers, the portfolio risk model and the
   * strategy's own indicators see the bars before `from` (never after), nothing trades and
   * nothing is stored. Returns the number of bars used.
   */
  private async warmUp(request: BacktestRequest, instruments: readonly Instrument[], strategy: Strategy): Promise<number> {
    if (request.from === null || request.warmUp === false) return 0;
    const intervalMs = BAR_INTERVALS[request.interval];
    const count = Math.max(this.config.regime.enabled ? this.config.regime.minBars + 60 : 0, 400);
    const window = { interval: request.interval, instruments, from: request.from - count * intervalMs, to: request.from };
    const history = request.catalog
      ? await loadCatalogFeed(this.catalog, window)
      : await BacktestFeed.load({ dataDir: request.dataDir, source: request.source, ...window });
    const validator = BarValidator.forInstruments(instruments);
    const bars: Bar[] = [];
    for (const item of history) {
      if (item.kind !== 'bar') continue;
      // The same validation as the run: a bad bar is skipped here too, never half-used.
      const verdict = validator.check(item.bar);
      if (verdict.ok && verdict.bar.tsClose <= request.from) bars.push(verdict.bar);
    }
    for (const bar of bars) {
      this.regimes.prime(bar);
      this.portfolioRisk.prime(bar);
    }
    if (strategy instanceof MlSignalStrategy) await strategy.warmUp(bars);
    return bars.length;
  }

  async run(request: BacktestRequest, progress?: (line: string) => void): Promise<BacktestOutcome> {
    if (!(this.clock instanceof TestClock)) throw new Error('a backtest needs the test clock (KernelModule clock: "test")');
    const clock = this.clock;
    const instruments = this.selectInstruments(request.instruments);
    for (const instrument of instruments) this.cache.addInstrument(instrument);
    const feed = request.catalog
      ? await loadCatalogFeed(this.catalog, { interval: request.interval, instruments, from: request.from, to: request.to })
      : await BacktestFeed.load({ dataDir: request.dataDir, source: request.source, interval: request.interval, instruments, from: request.from, to: request.to });
    const where = request.catalog ? 'the catalog (run `npm run import` first)' : request.dataDir;
    if (feed.barCount === 0) throw new Error(`no ${request.source} ${request.interval} bars for ${instruments.map((i) => i.id).join(', ')} in ${where}`);

    const runId = request.runId ?? newBacktestRunId();
    const strategyName = this.config.strategy.name;
    const capital = Money.parse(request.initialCapital, instruments[0]!.settlement);
    const runConfig: JsonObject = {
      request: { source: request.catalog ? 'catalog' : request.source, interval: request.interval, instruments: instruments.map((i) => i.id), from: iso(request.from), to: iso(request.to) },
      strategy: { ...this.config.strategy },
      venue: { ...this.config.venue },
      risk: { ...this.config.risk },
    };
    await this.runs.create({
      runId,
      mode: 'backtest',
      strategy: strategyName,
      status: 'RUNNING',
      startedAt: Date.now(),
      finishedAt: null,
      config: { ...runConfig, trader: redactConfig(this.config) as unknown as JsonObject },
      summary: null,
      finalState: null,
      stateHash: null,
      eventStreamHash: null,
      error: null,
    });

    try {
      this.data.addSink(this.venue);
      const strategy = await createStrategy(this.config, { bus: this.bus, cache: this.cache, clock: this.clock, portfolio: this.portfolio, registryStore: this.models, risk: { breaker: this.breaker, portfolioRisk: this.portfolioRisk, tradingState: this.tradingState, regimes: this.regimes }, ...(this.featureCache ? { featureCache: this.featureCache } : {}), predictions: this.records }, instruments, request.dataDir);
      const warmed = await this.warmUp(request, instruments, strategy);
      if (warmed > 0) progress?.(`warm-up: ${warmed} bars before ${iso(request.from)} primed the regimes, the risk model and the strategy (no trading, no events)`);
      await this.bus.openStream(runId);
      clock.advanceTo(feed.startTs);
      this.bus.publish(
        new RunStartedEvent({ mode: 'backtest', strategy: strategyName, instruments: instruments.map((i) => i.id), initialCapital: capital, config: runConfig, tsEvent: clock.now() }),
      );
      strategy.start();
      const deniedByReason: Record<string, number> = {};
      this.bus.subscribe(OrderDeniedEvent, Stage.RECORDER, 'backtest.denials', (e) => {
        deniedByReason[e.reason] = (deniedByReason[e.reason] ?? 0) + 1;
      });

      const trips: number[] = [];
      this.bus.subscribe(BreakerTransitionedEvent, Stage.RECORDER, 'backtest.breaker', (e) => {
        if (e.to === 'OPEN') trips.push(e.tsEvent);
      });
      const charted = instruments[0]!.id;
      const segments: Array<{ from: number; to: number; label: string }> = [];
      this.bus.subscribe(RegimeChangedEvent, Stage.RECORDER, 'backtest.regimes', (e) => {
        if (e.instrumentId !== charted) return;
        const last = segments.at(-1);
        if (last) last.to = e.tsEvent;
        segments.push({ from: e.tsEvent, to: Number.POSITIVE_INFINITY, label: e.to });
      });

      const started = performance.now();
      const reporter = new ProgressReporter('backtest', feed.barCount, progress);
      let bars = 0;
      let funding = 0;
      for (const item of feed) {
        clock.advanceTo(item.ts);
        if (item.kind === 'bar') {
          this.data.process(item.bar);
          bars++;
          if ((bars & 1023) === 0) {
            reporter.tick(bars);
            // Give the event loop a turn: with a synchronous store (SQLite) a run would otherwise
            // starve HTTP requests, probes and SIGTERM until it ends.
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        } else {
          this.data.processFunding(item.funding);
          funding++;
        }
        // Asynchronous strategy work (model inference) finishes before the next input arrives.
        if (this.bus.hasInflight) await this.bus.settle();
        if (this.bus.pendingWrites >= this.config.eventBatchSize) await this.bus.checkpoint();
      }
      await this.bus.checkpoint();
      reporter.tick(bars, true);

      const stateHash = this.portfolio.projection.stateHash();
      const finalEquity = this.portfolio.projection.equity();
      const rejections = this.data.rejectionCounts();
      const barsRejected = Object.values(rejections).reduce((a, b) => a + b, 0);
      this.bus.publish(new RunCompletedEvent({ bars: this.data.acceptedCount, barsRejected, finalEquity, stateHash, tsEvent: clock.now() }));
      await this.bus.flush();
      // Decision records and portfolio snapshots are projections of the stored events: a failure is
      // reported, never fatal (they can be rebuilt from the stream).
      const records = await this.records.flush();
      if (records.failures > 0) this.logger.warn(`${records.failures} batch(es) of decision records / portfolio snapshots were not stored`);
      const wallSeconds = (performance.now() - started) / 1000;

      // The hash is computed over what the store holds, read back with gap detection.
      const hasher = new EventStreamHasher();
      for await (const page of readStreamPages(this.store, runId, 10_000)) for (const env of page) hasher.add(env);
      const eventStreamHash = hasher.digest();

      const summary = this.summarize({ runId, request, instruments, capital, bars, funding, barsRejected, rejections, deniedByReason, stateHash, eventStreamHash, events: hasher.events, wallSeconds });
      const finalState = JSON.stringify(this.portfolio.projection.snapshot());
      await this.runs.update(runId, { status: 'COMPLETED', finishedAt: Date.now(), summary, finalState, stateHash, eventStreamHash });
      const curve = this.portfolio.projection.equityCurve().map((p) => ({ ts: p.ts, equity: p.equity.toNumber(), drawdown: p.drawdown }));
      const end = curve.at(-1)?.ts ?? clock.now();
      for (const segment of segments) if (!Number.isFinite(segment.to)) segment.to = end;
      const markers: EquityChartMarkers = { trips, ...(segments.length > 0 ? { regimes: { instrument: charted.split('-')[0]!, segments } } : {}) };
      return { summary, equityCurve: curve, markers };
    } catch (err) {
      this.logger.error(`backtest ${runId} failed: ${(err as Error).message}`);
      await this.bus.flush().catch(() => undefined);
      await this.records.flush().catch(() => undefined);
      await this.runs.update(runId, { status: 'FAILED', finishedAt: Date.now(), error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  private selectInstruments(ids: readonly string[]): Instrument[] {
    const all = this.config.instruments.map((spec) => instrumentFromSpec(spec));
    if (ids.length === 0) return all;
    return ids.map((id) => {
      const found = all.find((i) => i.id === id || i.symbol === id || i.symbol.replace(/-PERP$/, '') === id);
      if (!found) throw new Error(`unknown instrument '${id}'; configured: ${all.map((i) => i.id).join(', ')}`);
      return found;
    });
  }

  private summarize(input: {
    runId: string;
    request: BacktestRequest;
    instruments: Instrument[];
    capital: Money;
    bars: number;
    funding: number;
    barsRejected: number;
    rejections: Record<string, number>;
    deniedByReason: Record<string, number>;
    stateHash: string;
    eventStreamHash: string;
    events: number;
    wallSeconds: number;
  }): BacktestSummary {
    const projection = this.portfolio.projection;
    const stats = computeStatistics({
      equityCurve: projection.equityCurve(),
      trades: projection.trades(),
      interval: input.request.interval,
      turnover: projection.turnover(),
    });
    const orders = this.cache.orders();
    const denied = orders.filter((o) => o.status === 'DENIED');
    const positions = projection.positions();
    const sum = (pick: (p: (typeof positions)[number]) => Money) => positions.reduce((acc, p) => acc.plus(pick(p)), Money.zero(input.capital.currency));
    return {
      runId: input.runId,
      strategy: this.config.strategy.name,
      source: input.request.source,
      interval: input.request.interval,
      instruments: input.instruments.map((i) => i.id),
      from: iso(input.request.from),
      to: iso(input.request.to),
      bars: this.data.acceptedCount,
      barsRejected: input.barsRejected,
      rejectionsByReason: input.rejections,
      fundingEvents: input.funding,
      orders: orders.length,
      fills: projection.fillCount(),
      denied: denied.length,
      canceled: orders.filter((o) => o.status === 'CANCELED').length,
      deniedByReason: { ...input.deniedByReason },
      breakerTrips: this.breaker.status().trips,
      initialCapital: input.capital.toString(),
      finalEquity: projection.equity().toString(),
      totalReturn: stats.totalReturn,
      cagr: stats.cagr,
      annualVolatility: stats.annualVolatility,
      sharpe: stats.sharpe,
      sortino: stats.sortino,
      maxDrawdown: stats.maxDrawdown,
      maxDrawdownPeak: iso(stats.maxDrawdownPeakTs),
      maxDrawdownTrough: iso(stats.maxDrawdownTroughTs),
      maxDrawdownRecovery: iso(stats.maxDrawdownRecoveryTs),
      calmar: stats.calmar,
      winRate: stats.winRate,
      profitFactor: stats.profitFactor,
      turnover: stats.turnover,
      exposure: stats.exposure,
      fees: sum((p) => p.fees).toString(),
      funding: sum((p) => p.funding).toString(),
      events: input.events,
      eventStreamHash: input.eventStreamHash,
      stateHash: input.stateHash,
      wallSeconds: Number(input.wallSeconds.toFixed(3)),
      barsPerSec: Math.round(input.bars / Math.max(input.wallSeconds, 1e-9)),
    };
  }
}
