import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

/** Run modes, the only values the `mode` label takes. */
export const RUN_MODES = ['backtest', 'paper', 'live'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/**
 * Numeric encodings of the enum-valued gauges. Dashboards read these tables, so an index never
 * changes meaning: new names are appended, never inserted.
 */
export const REGIME_STATE_INDEX: Readonly<Record<string, number>> = { Bear: 0, Neutral: 1, Bull: 2, Crisis: 3, Unknown: -1 };
/** libs/sizing tiers (SIZING_TIER_NAMES), from most to least model-driven. */
export const SIZING_TIER_INDEX: Readonly<Record<string, number>> = { FULL_RL: 0, BLENDED: 1, PURE_KELLY: 2, EMERGENCY_FLAT: 3 };
export const BREAKER_STATE_INDEX: Readonly<Record<string, number>> = { CLOSED: 0, OPEN: 1, HALF_OPEN: 2 };
export const TRADING_STATE_INDEX: Readonly<Record<string, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/** Latency buckets for in-process work (feature pipeline, inference): 50 µs to 1 s. */
const FAST_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** I/O buckets (database, Redis, event store, HTTP): 0.5 ms to 10 s. */
const IO_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Artifact transfers (models, datasets): 5 ms to 2 min. */
const ARTIFACT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface MetricFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary';
  readonly labels: readonly string[];
  readonly help: string;
}

/**
 * Process-wide trading metrics on the default prom-client registry (the one /metrics serves).
 * Created once per process: several run contexts in one trader share the same series, told apart
 * by bounded labels only (instrument, strategy, mode, reason codes): never a run id, order id or
 * anything else that grows without bound, since each label value is a new time series.
 */
export class TradingMetrics {
  // Market data
  readonly barsProcessed: Counter<'instrument'>;
  readonly barsRejected: Counter<'instrument' | 'reason'>;
  readonly lastBarTimestamp: Gauge<'instrument'>;
  readonly marketDataAge: Gauge<'instrument'>;
  // Models, signals and sizing
  readonly featureLatency: Histogram<'instrument'>;
  readonly inferenceLatency: Histogram<'instrument' | 'model'>;
  readonly prediction: Gauge<'instrument' | 'strategy'>;
  readonly signalValue: Gauge<'instrument' | 'strategy'>;
  readonly signalConfidence: Gauge<'instrument' | 'strategy'>;
  readonly rollingIc: Gauge<'instrument' | 'strategy'>;
  readonly sizingTier: Gauge<'instrument' | 'strategy'>;
  readonly sizingTierChanges: Counter<'instrument' | 'strategy' | 'tier'>;
  readonly sizingFraction: Gauge<'instrument' | 'strategy' | 'kind'>;
  readonly sizingCuts: Counter<'instrument' | 'strategy' | 'reason'>;
  readonly signalsPublished: Counter<'instrument' | 'status'>;
  // Regimes
  readonly regimeState: Gauge<'instrument'>;
  readonly regimeProbability: Gauge<'instrument' | 'regime'>;
  readonly regimeChanges: Counter<'instrument' | 'regime'>;
  // Orders and fills
  readonly orders: Counter<'instrument' | 'strategy' | 'status'>;
  readonly openOrders: Gauge<'instrument' | 'strategy'>;
  readonly denials: Counter<'instrument' | 'strategy' | 'reason'>;
  readonly fills: Counter<'instrument' | 'strategy' | 'side'>;
  readonly fillNotional: Counter<'instrument' | 'side'>;
  readonly fees: Counter<'instrument'>;
  readonly fundingPaid: Gauge<'instrument'>;
  // Positions and account
  readonly positionQuantity: Gauge<'instrument'>;
  readonly positionNotional: Gauge<'instrument'>;
  readonly unrealizedPnl: Gauge<'instrument'>;
  readonly realizedPnl: Gauge<'instrument'>;
  readonly equity: Gauge<'mode'>;
  readonly drawdown: Gauge<'mode'>;
  readonly grossExposure: Gauge<'mode'>;
  // Risk
  readonly breakerState: Gauge<'mode'>;
  readonly breakerTrips: Counter<'mode'>;
  readonly tradingState: Gauge<'mode'>;
  readonly varRatio: Gauge<'mode'>;
  readonly allocationLimit: Gauge<'instrument'>;
  // Event store, database, Redis, artifacts
  readonly eventStoreAppend: Histogram<string>;
  readonly eventStoreLag: Gauge<string>;
  readonly eventsStored: Counter<string>;
  readonly eventStoreErrors: Counter<string>;
  readonly dbQuery: Histogram<'operation'>;
  readonly dbErrors: Counter<'operation'>;
  readonly redisUp: Gauge<string>;
  readonly redisCommand: Histogram<'command'>;
  readonly redisErrors: Counter<'command'>;
  readonly redisPendingWrites: Gauge<string>;
  readonly artifactOperation: Histogram<'operation' | 'store'>;
  readonly artifactErrors: Counter<'operation' | 'store'>;
  // Models
  readonly modelInfo: Gauge<'model' | 'version' | 'stage'>;
  readonly modelAge: Gauge<'model'>;
  readonly modelLoads: Counter<'model' | 'status'>;
  readonly modelFallbacks: Counter<'model' | 'tier'>;
  // Runs, HTTP, build
  readonly runs: Counter<'mode' | 'status'>;
  readonly runsActive: Gauge<'mode'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestSeconds: Histogram<'method' | 'route'>;
  readonly buildInfo: Gauge<'version' | 'node'>;

  /** Close time (ms) of the last bar per instrument: market-data age is computed at scrape time. */
  private readonly lastBarMs = new Map<string, number>();
  private readonly modelTrainedAtMs = new Map<string, number>();
  private varSource: { readonly mode: RunMode; readonly ratio: () => number | null } | null = null;
  private readonly currentModelVersion = new Map<string, { version: string; stage: string }>();

  private constructor(readonly registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) => new Histogram<L>({ name, help, labelNames, buckets, registers });
    const self = this;

    this.barsProcessed = counter('tm_bars_processed_total', 'Bars accepted and published', ['instrument']);
    this.barsRejected = counter('tm_bars_rejected_total', 'Bars rejected by validation, by reason code', ['instrument', 'reason']);
    this.lastBarTimestamp = gauge('tm_last_bar_timestamp_seconds', 'Close time of the last accepted bar (Unix seconds, data time)', ['instrument']);
    this.marketDataAge = new Gauge({
      name: 'tm_market_data_age_seconds',
      help: 'Wall-clock seconds since the close of the last accepted bar (meaningful in paper/live; a backtest reports the age of historical data)',
      labelNames: ['instrument'],
      registers,
      collect() {
        const now = Date.now();
        for (const [instrument, ts] of self.lastBarMs) this.set({ instrument }, Math.max(0, (now - ts) / 1000));
      },
    });

    this.featureLatency = histogram('tm_feature_latency_seconds', 'Wall-clock time of the per-bar feature pipeline', ['instrument'], FAST_BUCKETS);
    this.inferenceLatency = histogram('tm_inference_latency_seconds', 'Wall-clock time of one model inference', ['instrument', 'model'], FAST_BUCKETS);
    this.prediction = gauge('tm_prediction', 'Last raw model prediction (forecast return)', ['instrument', 'strategy']);
    this.signalValue = gauge('tm_signal_value', 'Last trading signal in [-1, 1] fed to sizing', ['instrument', 'strategy']);
    this.signalConfidence = gauge('tm_signal_confidence', 'Confidence of the last signal in [0, 1]', ['instrument', 'strategy']);
    this.rollingIc = gauge('tm_rolling_ic', 'Recent information coefficient of the model (rank correlation of forecast vs realized)', ['instrument', 'strategy']);
    this.sizingTier = gauge('tm_sizing_tier', 'Sizing tier in force: 0 FULL_RL, 1 BLENDED, 2 PURE_KELLY, 3 EMERGENCY_FLAT', ['instrument', 'strategy']);
    this.sizingTierChanges = counter('tm_sizing_tier_changes_total', 'Sizing tier changes, by the tier entered', ['instrument', 'strategy', 'tier']);
    this.sizingFraction = gauge('tm_sizing_fraction', 'Position size as a signed fraction of equity: kelly, rl (policy output) and final (after every cut)', ['instrument', 'strategy', 'kind']);
    this.sizingCuts = counter('tm_sizing_cuts_total', 'Sizing decisions cut, by coded reason', ['instrument', 'strategy', 'reason']);
    this.signalsPublished = counter('tm_signals_published_total', 'Signals fanned out to subscribers (Redis), by outcome', ['instrument', 'status']);

    this.regimeState = gauge('tm_regime_state', 'Most likely regime: 0 Bear, 1 Neutral, 2 Bull, 3 Crisis, -1 Unknown', ['instrument']);
    this.regimeProbability = gauge('tm_regime_probability', 'Filtered regime probability', ['instrument', 'regime']);
    this.regimeChanges = counter('tm_regime_changes_total', 'Regime changes, by the regime entered', ['instrument', 'regime']);

    this.orders = counter('tm_orders_total', 'Order lifecycle events by resulting status', ['instrument', 'strategy', 'status']);
    this.openOrders = gauge('tm_open_orders', 'Working (not yet terminal) orders', ['instrument', 'strategy']);
    this.denials = counter('tm_order_denials_total', 'Orders denied by pre-trade risk, by reason code', ['instrument', 'strategy', 'reason']);
    this.fills = counter('tm_fills_total', 'Fills reported by the venue', ['instrument', 'strategy', 'side']);
    this.fillNotional = counter('tm_fill_notional_total', 'Filled notional (quantity x price, settlement currency)', ['instrument', 'side']);
    this.fees = counter('tm_fees_total', 'Commissions paid (settlement currency; maker rebates are not subtracted)', ['instrument']);
    this.fundingPaid = gauge('tm_funding_paid', 'Cumulative funding of the current run, signed: positive = paid by us, negative = received', ['instrument']);

    this.positionQuantity = gauge('tm_position_quantity', 'Net position quantity, signed (positive long, negative short)', ['instrument']);
    this.positionNotional = gauge('tm_position_notional', 'Absolute position notional at the last mark (settlement currency)', ['instrument']);
    this.unrealizedPnl = gauge('tm_unrealized_pnl', 'Unrealized PnL of the open position at the last mark', ['instrument']);
    this.realizedPnl = gauge('tm_realized_pnl', 'Realized PnL of the current run (before fees and funding)', ['instrument']);
    this.equity = gauge('tm_equity', 'Account equity marked at the last bar (settlement currency)', ['mode']);
    this.drawdown = gauge('tm_drawdown_ratio', 'Drawdown from the equity peak, as a fraction of the peak', ['mode']);
    this.grossExposure = gauge('tm_gross_exposure_ratio', 'Gross exposure (sum of |notional|) as a fraction of equity', ['mode']);

    this.breakerState = gauge('tm_breaker_state', 'Drawdown circuit breaker: 0 CLOSED, 1 OPEN, 2 HALF_OPEN', ['mode']);
    this.breakerTrips = counter('tm_breaker_trips_total', 'Circuit breaker transitions to OPEN', ['mode']);
    this.tradingState = gauge('tm_trading_state', 'Trading state: 0 ACTIVE, 1 REDUCING, 2 HALTED', ['mode']);
    this.varRatio = new Gauge({
      name: 'tm_var_ratio',
      help: '1-day 99% VaR of the book as a fraction of equity (computed at scrape time)',
      labelNames: ['mode'],
      registers,
      collect() {
        const source = self.varSource;
        if (!source) return;
        try {
          const ratio = source.ratio();
          if (ratio !== null && Number.isFinite(ratio)) this.set({ mode: source.mode }, ratio);
        } catch {
          // A scrape must never fail because the risk model could not answer.
        }
      },
    });
    this.allocationLimit = gauge('tm_allocation_limit_ratio', 'Hierarchical allocation limit per instrument, as an absolute fraction of equity', ['instrument']);

    this.eventStoreAppend = histogram('tm_event_store_append_seconds', 'Event store batch append latency', [], IO_BUCKETS);
    this.eventStoreLag = gauge('tm_event_store_lag_events', 'Events published on the bus and not yet stored');
    this.eventsStored = counter('tm_events_stored_total', 'Events written to the event store');
    this.eventStoreErrors = counter('tm_event_store_errors_total', 'Failed event store appends');
    this.dbQuery = histogram('tm_db_query_seconds', 'Database operation latency, by bounded operation name', ['operation'], IO_BUCKETS);
    this.dbErrors = counter('tm_db_errors_total', 'Failed database operations', ['operation']);
    this.redisUp = gauge('tm_redis_up', '1 when the Redis connection is ready, 0 otherwise');
    this.redisCommand = histogram('tm_redis_command_seconds', 'Redis command latency', ['command'], IO_BUCKETS);
    this.redisErrors = counter('tm_redis_errors_total', 'Failed Redis commands', ['command']);
    this.redisPendingWrites = gauge('tm_redis_pending_writes', 'Session-state writes buffered in memory while Redis is unavailable');
    this.artifactOperation = histogram('tm_artifact_operation_seconds', 'Artifact store operation latency', ['operation', 'store'], ARTIFACT_BUCKETS);
    this.artifactErrors = counter('tm_artifact_errors_total', 'Failed artifact store operations', ['operation', 'store']);

    this.modelInfo = gauge('tm_model_info', 'Model version and registry stage being served (value always 1)', ['model', 'version', 'stage']);
    this.modelAge = new Gauge({
      name: 'tm_model_age_seconds',
      help: 'Seconds since the served model was trained',
      labelNames: ['model'],
      registers,
      collect() {
        const now = Date.now();
        for (const [model, ts] of self.modelTrainedAtMs) this.set({ model }, Math.max(0, (now - ts) / 1000));
      },
    });
    this.modelLoads = counter('tm_model_loads_total', 'Model loads, by outcome', ['model', 'status']);
    this.modelFallbacks = counter('tm_model_fallbacks_total', 'Model loads served below the Production tier, by tier', ['model', 'tier']);

    this.runs = counter('tm_runs_total', 'Runs by mode and final status', ['mode', 'status']);
    this.runsActive = gauge('tm_runs_active', 'Runs in progress', ['mode']);
    this.httpRequests = counter('tm_http_requests_total', 'HTTP requests, by route template and status code', ['method', 'route', 'status']);
    this.httpRequestSeconds = histogram('tm_http_request_seconds', 'HTTP request latency, by route template', ['method', 'route'], IO_BUCKETS);
    this.buildInfo = gauge('tm_build_info', 'Build version and Node.js version (value always 1)', ['version', 'node']);
    this.buildInfo.set({ version: process.env.npm_package_version ?? process.env.TM_VERSION ?? '0.1.0', node: process.version }, 1);

    // Families that have no label set until something happens start at 0, so alerts on them
    // (`rate(...) > 0`, `== 0`) see a series from the first scrape.
    this.eventStoreLag.set(0);
    this.eventsStored.inc(0);
    this.eventStoreErrors.inc(0);
    this.redisUp.set(0);
    this.redisPendingWrites.set(0);
  }

  private static instance: TradingMetrics | null = null;

  static shared(): TradingMetrics {
    TradingMetrics.instance ??= new TradingMetrics(register);
    return TradingMetrics.instance;
  }

  /** Records an accepted bar's close time (ms) for the last-bar and market-data-age gauges. */
  barClosed(instrument: string, tsCloseMs: number): void {
    this.lastBarMs.set(instrument, tsCloseMs);
    this.lastBarTimestamp.set({ instrument }, tsCloseMs / 1000);
  }

  /** Binds tm_var_ratio to a live risk model until `release` is called (the run context closes). */
  bindVar(mode: RunMode, ratio: () => number | null): () => void {
    const source = { mode, ratio };
    this.varSource = source;
    return () => {
      if (this.varSource !== source) return;
      // Keep the last value visible after the run: the gauge then stops moving.
      try {
        const last = ratio();
        if (last !== null && Number.isFinite(last)) this.varRatio.set({ mode }, last);
      } catch {
        // the value stays as last scraped
      }
      this.varSource = null;
    };
  }

  // Setters for gauges driven by code outside the trading path.

  setRedisUp(up: boolean): void {
    this.redisUp.set(up ? 1 : 0);
  }
  setRedisPendingWrites(count: number): void {
    this.redisPendingWrites.set(count);
  }
  setEventStoreLag(events: number): void {
    this.eventStoreLag.set(events);
  }
  setRunsActive(mode: RunMode, count: number): void {
    this.runsActive.set({ mode }, count);
  }
  signalPublished(instrument: string, status: 'published' | 'failed' | 'dropped'): void {
    this.signalsPublished.inc({ instrument, status });
  }

  /**
   * The model now served: tm_model_info{model,version,stage} = 1 (the previous version's series is
   * removed, so exactly one version per model is 1), tm_model_age_seconds from `trainedAtMs`.
   */
  modelLoaded(model: string, version: string | number, stage: string, trainedAtMs?: number): void {
    const previous = this.currentModelVersion.get(model);
    if (previous) this.modelInfo.remove({ model, ...previous });
    const current = { version: String(version), stage };
    this.currentModelVersion.set(model, current);
    this.modelInfo.set({ model, ...current }, 1);
    if (trainedAtMs !== undefined && Number.isFinite(trainedAtMs)) this.modelTrainedAtMs.set(model, trainedAtMs);
    this.modelLoads.inc({ model, status: 'loaded' });
  }
  /** The model version serving predictions (from the signal stream: no load is counted). */
  modelServed(model: string, version: string | number, stage: string): void {
    const previous = this.currentModelVersion.get(model);
    if (previous && previous.version === String(version) && previous.stage === stage) return;
    if (previous) this.modelInfo.remove({ model, ...previous });
    const current = { version: String(version), stage };
    this.currentModelVersion.set(model, current);
    this.modelInfo.set({ model, ...current }, 1);
  }
  modelLoadFailed(model: string): void {
    this.modelLoads.inc({ model, status: 'failed' });
  }

  /** The ML strategy's latency hook (MlLatencyObserver in @lib/strategy). */
  latencyObserver(): { features(instrumentId: string, seconds: number): void; inference(instrumentId: string, model: string, seconds: number): void } {
    return {
      features: (instrument, seconds) => this.featureLatency.observe({ instrument }, seconds),
      inference: (instrument, model, seconds) => this.inferenceLatency.observe({ instrument, model }, seconds),
    };
  }
}

/**
 * Every metric family on the default registry (tm_* plus prom-client defaults once collected),
 * read from the registry itself so the list cannot drift from what /metrics serves.
 */
export function metricFamilies(registry: Registry = TradingMetrics.shared().registry): MetricFamily[] {
  return registry
    .getMetricsAsArray()
    .map((m) => {
      const raw = m as unknown as { name: string; help: string; type: string; labelNames?: readonly string[] };
      return { name: raw.name, type: raw.type as MetricFamily['type'], labels: [...(raw.labelNames ?? [])], help: raw.help };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The tm_* families (the dashboard and alert contract), computed at import. */
export const METRIC_FAMILIES: readonly MetricFamily[] = Object.freeze(metricFamilies().filter((f) => f.name.startsWith('tm_')));
