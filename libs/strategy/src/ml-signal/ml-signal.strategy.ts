import { FeaturePipeline, featureSetVersion, featureSpecFor, toFeatureBar, type FeatureBar, type HotSwappingModelSource, type LoadedSignalModel } from '@lib/ml';
import { ModelTierChangedEvent, SignalPredictedEvent, SizingDecidedEvent, SizingTierChangedEvent, rawToNumber, strategyId, type ModelTier, type Bar, type Instrument, type InstrumentId, type SizingTierName } from '@lib/model';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import type { RegimeLabel } from '@lib/regime';
import { SignalScaler, signalConfidence } from '@lib/rl';
import { RollingIc, SizingDecisionEngine, type SizingDecision } from '@lib/sizing';
import { Strategy, type StrategyPortfolio } from '../base/strategy.js';
import { RollingVolatility } from '../indicators/rolling-volatility.js';
import { MarketContextCursor, type MarketContextData } from './market-context.js';

export interface MlSignalParams {
  /** Predictions kept to scale the signal (seeded at start-up, then rolling). */
  readonly signalHistory: number;
  /** Trade only when the position is off target by more than this share of the target. */
  readonly rebalanceThreshold: number;
}

export const DEFAULT_ML_SIGNAL_PARAMS: MlSignalParams = { signalHistory: 500, rebalanceThreshold: 0.25 };

/** A trained RL sizing policy (the SAC actor served by onnxruntime) and how to build its observation. */
export interface MlRlPolicy {
  readonly version: string;
  fraction(observation: Float32Array): Promise<number>;
  observe(o: { signal: number; confidence: number; regimeProbabilities: ArrayLike<number>; volatility: number; position: number; drawdown: number }): Float32Array;
}

/**
 * What sizing reads of the rest of the system at a bar, all as of that bar: the instrument's
 * regime reading, the circuit breaker, the hierarchical allocation, and an optional RL policy.
 * Without it the strategy sizes with Kelly alone, regime unknown, breaker closed, no allocation.
 */
export interface MlSizingContext {
  readonly engine: SizingDecisionEngine;
  readonly horizon: number;
  readonly icWindow: number;
  regime(id: InstrumentId): { readonly label: RegimeLabel | null; readonly probabilities: ArrayLike<number>; readonly volatility: number } | undefined;
  breaker(): { readonly state: 'CLOSED' | 'OPEN' | 'HALF_OPEN'; readonly sizeMultiplier: number; readonly drawdown: number };
  /** |fraction of equity| the instrument may hold from the allocation; Infinity when there is none. */
  allocationLimit(id: InstrumentId): number;
  readonly rl: MlRlPolicy | null;
}

export function defaultSizingContext(maxFraction = 1): MlSizingContext {
  return {
    engine: new SizingDecisionEngine({ maxFraction }),
    horizon: 6,
    icWindow: 120,
    regime: () => undefined,
    breaker: () => ({ state: 'CLOSED', sizeMultiplier: 1, drawdown: 0 }),
    allocationLimit: () => Infinity,
    rl: null,
  };
}

/**
 * Wall-clock latency of the two per-bar costs that matter in production, for metrics. It never
 * feeds a decision or an event (those depend on the injected clock only), so it cannot break
 * determinism.
 */
export interface MlLatencyObserver {
  features(instrumentId: InstrumentId, seconds: number): void;
  inference(instrumentId: InstrumentId, model: string, seconds: number): void;
}

/**
 * Receives the feature row of every traded bar (a copy: the pipeline reuses its buffer), for
 * consumers outside the strategy such as the Redis feature cache. `featureSet` is
 * `featureSetVersion(names)`. Never feeds a decision.
 */
export interface MlFeatureSink {
  features?(instrumentId: InstrumentId, tsEvent: number, featureSet: string, row: Float64Array): void;
  /** A model's output on a traded bar, with the model's own input vector (its selected features, in its order). */
  prediction?(instrumentId: InstrumentId, tsEvent: number, model: string, version: number, input: Float64Array, prediction: number): void;
}

const elapsedSeconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

interface InstrumentState {
  readonly instrument: Instrument;
  readonly pipeline: FeaturePipeline;
  readonly context: MarketContextCursor;
  readonly modelName: string;
  /** Prediction → z-score, exactly as the SAC sizer was trained (libs/rl SignalScaler). */
  readonly scaler: SignalScaler;
  columns: { readonly key: string; readonly index: Int32Array } | null;
  /** The tier and version last served, to store a `signal.model_tier_changed` event on every change. */
  served: string | null;
  readonly ic: RollingIc;
  readonly vol: RollingVolatility;
  sizingTier: SizingTierName | null;
  /** featureSetVersion of the pipeline's columns. */
  readonly featureSet: string;
}

const UNIFORM = [0.25, 0.25, 0.25, 0.25] as const;

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)).toString() : '0');

export function signalModelName(instrument: Pick<Instrument, 'symbol'>): string {
  return `signal-${instrument.symbol}`;
}

/**
 * The ML strategy: per bar, features (the trainer's own streaming definition) → ONNX inference
 * → prediction → regime-aware sizing → target position.
 * signal = prediction / RMS(last `signalHistory` predictions), clipped to ±3 (not demeaned, so
 * its sign is the forecast's; the same definition the SAC sizer trains on);
 * confidence = min(1, |signal| / 2). The decision engine (libs/sizing) picks the tier (full RL,
 * blended, pure Kelly, emergency flat) from confidence, the model's rolling IC, the RL policy and
 * the breaker; sizes with Kelly by regime and/or the RL policy; and cuts to the breaker multiplier
 * and the hierarchical allocation. The result is a fraction of equity. No model (tier FLAT) →
 * flat. Every bar stores `signal.predicted` and the decision record `sizing.decided`.
 */
export class MlSignalStrategy extends Strategy {
  private readonly states = new Map<InstrumentId, InstrumentState>();
  private readonly btcId: InstrumentId | null;
  private lastBtc: FeatureBar | null = null;
  private latency: MlLatencyObserver | null = null;
  private featureSink: MlFeatureSink | null = null;

  constructor(
    bus: MessageBus,
    cache: Cache,
    clock: Clock,
    portfolio: StrategyPortfolio,
    instruments: readonly Instrument[],
    private readonly models: HotSwappingModelSource,
    context: MarketContextData,
    private readonly params: MlSignalParams = DEFAULT_ML_SIGNAL_PARAMS,
    private readonly sizing: MlSizingContext = defaultSizingContext(),
    id = 'ML-001',
  ) {
    super(strategyId(id), bus, cache, clock, portfolio);
    this.btcId = instruments.find((i) => i.base === 'BTC')?.id ?? null;
    for (const instrument of instruments) {
      const spec = featureSpecFor(instrument.base);
      const pipeline = new FeaturePipeline(spec, { interval: '4h' });
      this.states.set(instrument.id, {
        instrument,
        pipeline,
        featureSet: featureSetVersion(pipeline.names),
        context: new MarketContextCursor(context.dvol.get(spec.dvolIndex) ?? [], context.funding.get(instrument.id) ?? []),
        modelName: signalModelName(instrument),
        scaler: new SignalScaler(params.signalHistory),
        columns: null,
        served: null,
        ic: new RollingIc(sizing.horizon, sizing.icWindow),
        vol: new RollingVolatility(60),
        sizingTier: null,
      });
    }
  }

  /** Reports feature and inference latency (metrics); optional. */
  observeLatency(observer: MlLatencyObserver): this {
    this.latency = observer;
    return this;
  }

  /** Hands every traded bar's feature row and prediction to `sink` (the Redis feature cache, the predictions table); optional. */
  observeFeatures(sink: MlFeatureSink): this {
    this.featureSink = sink;
    return this;
  }

  /** Names of the models this strategy serves (one per instrument). */
  modelNames(): string[] {
    return [...this.states.values()].map((s) => s.modelName);
  }

  /** Start-up seeding: runs features and predictions over recent bars without trading, so the first live bar has full context. */
  async warmUp(bars: readonly Bar[]): Promise<void> {
    for (const bar of bars) await this.evaluate(bar, false);
  }

  protected onBar(bar: Bar): Promise<void> | void {
    if (!this.states.has(bar.instrumentId)) return;
    return this.evaluate(bar, true);
  }

  private async evaluate(bar: Bar, trade: boolean): Promise<void> {
    const state = this.states.get(bar.instrumentId);
    if (!state) return;
    const featureBar = toFeatureBar(bar);
    if (bar.instrumentId === this.btcId) this.lastBtc = featureBar;
    const featuresStart = process.hrtime.bigint();
    const ctx = state.context.advanceTo(bar.tsClose);
    const row = state.pipeline.update({
      bar: featureBar,
      btcBar: this.lastBtc !== null && this.lastBtc.tsOpen === bar.tsOpen ? this.lastBtc : null,
      dvol: ctx.dvol,
      funding: ctx.funding,
    });
    if (trade) this.latency?.features(bar.instrumentId, elapsedSeconds(featuresStart));
    if (trade && row !== null && this.featureSink?.features) this.featureSink.features(bar.instrumentId, bar.tsClose, state.featureSet, Float64Array.from(row));
    const close = bar.close.toNumber();
    state.vol.update(close);
    if (row === null) return;
    const served = this.models.get(state.modelName);
    if (trade) this.recordTier(state, served ?? null);
    if (!served || served.model === null) {
      state.ic.push(Number.NaN, close);
      if (trade) await this.decide(state, bar, null, 0, 0, served ?? null);
      return;
    }
    const inferenceStart = process.hrtime.bigint();
    const input = this.select(state, served, row);
    const prediction = await served.model.predictOne(input);
    if (trade) this.latency?.inference(bar.instrumentId, state.modelName, elapsedSeconds(inferenceStart));
    if (trade && served.version !== null) this.featureSink?.prediction?.(bar.instrumentId, bar.tsClose, state.modelName, served.version, input, prediction);
    state.ic.push(prediction, close);
    const z = Math.max(-3, Math.min(3, state.scaler.push(prediction)));
    const confidence = signalConfidence(z);
    if (trade) await this.decide(state, bar, prediction, z, confidence, served);
  }

  /**
   * Signal → regime → tier → size → allocation: the decision engine turns the prediction into a
   * fraction of equity, the decision record is stored, and the position is traded toward it.
   */
  private async decide(state: InstrumentState, bar: Bar, prediction: number | null, signal: number, confidence: number, served: LoadedSignalModel | null): Promise<void> {
    const id = state.instrument.id;
    const close = bar.close.toNumber();
    const equity = this.portfolio.equityValue();
    const reading = this.sizing.regime(id);
    const regime = reading ?? { label: null, probabilities: UNIFORM, volatility: state.vol.value };
    const breaker = this.sizing.breaker();
    const position = equity > 0 ? (rawToNumber(this.portfolio.netQuantityRaw(id)) * close) / equity : 0;
    let rlFraction: number | null = null;
    const rl = this.sizing.rl;
    if (rl !== null && prediction !== null) {
      const observation = rl.observe({ signal, confidence, regimeProbabilities: regime.probabilities, volatility: regime.volatility, position, drawdown: breaker.drawdown });
      const value = await rl.fraction(observation);
      rlFraction = Number.isFinite(value) ? value : null;
    }
    const decision = this.sizing.engine.decide({
      instrumentId: id,
      tsClose: bar.tsClose,
      prediction,
      signal,
      confidence,
      regime,
      recentIc: state.ic.value,
      rlFraction,
      breaker: { state: breaker.state, sizeMultiplier: breaker.sizeMultiplier },
      allocationLimit: this.sizing.allocationLimit(id),
    });
    this.record(state, decision, served, prediction, confidence);
    if (!(equity > 0)) return;
    this.rebalanceTo(state.instrument, bar, (decision.finalFraction * equity) / close, this.params.rebalanceThreshold, 'ml');
  }

  private record(state: InstrumentState, d: SizingDecision, served: LoadedSignalModel | null, prediction: number | null, confidence: number): void {
    const tsEvent = this.clock.now();
    const instrumentId = state.instrument.id;
    this.bus.publish(
      new SignalPredictedEvent({
        instrumentId,
        strategyId: this.id,
        model: state.modelName,
        modelVersion: served?.version ?? null,
        tier: served?.tier ?? 'FLAT',
        prediction: fmt(prediction ?? 0),
        confidence: fmt(confidence),
        targetWeight: fmt(d.finalFraction),
        tsEvent,
      }),
    );
    if (d.tier !== state.sizingTier) {
      this.bus.publish(new SizingTierChangedEvent({ instrumentId, strategyId: this.id, from: state.sizingTier, to: d.tier, reason: d.tierReason, tsEvent }));
      state.sizingTier = d.tier;
    }
    this.bus.publish(
      new SizingDecidedEvent({
        instrumentId,
        strategyId: this.id,
        prediction: d.prediction === null ? null : fmt(d.prediction),
        signal: fmt(d.signal),
        confidence: fmt(d.confidence),
        regime: d.regime,
        regimeProbabilities: d.regimeProbabilities.map(fmt).join(','),
        volatility: fmt(d.volatility ?? 0),
        recentIc: d.recentIc === null ? null : fmt(d.recentIc),
        tier: d.tier,
        tierReason: d.tierReason,
        kellyFraction: fmt(d.kellyFraction),
        rlFraction: d.rlFraction === null ? null : fmt(d.rlFraction),
        rawFraction: fmt(d.rawFraction),
        allocationLimit: d.allocationLimit === null ? null : fmt(d.allocationLimit),
        finalFraction: fmt(d.finalFraction),
        cuts: d.cuts.join(','),
        tsEvent,
      }),
    );
  }

  private recordTier(state: InstrumentState, served: LoadedSignalModel | null): void {
    const tier = served?.tier ?? 'FLAT';
    const key = `${tier}:${served?.version ?? ''}`;
    if (key === state.served) return;
    const from = state.served === null ? null : (state.served.split(':')[0] as ModelTier);
    state.served = key;
    this.bus.publish(
      new ModelTierChangedEvent({ model: state.modelName, from, to: tier, modelVersion: served?.version ?? null, reason: served?.reason ?? 'no model loaded', tsEvent: this.clock.now() }),
    );
  }

  /** The model's inputs in its own order, picked from the pipeline's row (cached per model version). */
  private select(state: InstrumentState, served: LoadedSignalModel, row: Float64Array): Float64Array {
    const key = `${served.version}:${served.features.join(',')}`;
    if (state.columns?.key !== key) {
      const names = state.pipeline.names;
      const index = Int32Array.from(served.features, (f) => {
        const i = names.indexOf(f);
        if (i < 0) throw new Error(`model ${state.modelName} v${served.version} needs feature '${f}', which the pipeline does not compute`);
        return i;
      });
      state.columns = { key, index };
    }
    const out = new Float64Array(state.columns.index.length);
    for (let i = 0; i < out.length; i++) out[i] = row[state.columns.index[i]!]!;
    return out;
  }
}
