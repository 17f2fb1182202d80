import { FeaturePipeline, featureSpecFor, toFeatureBar, type FeatureBar, type HotSwappingModelSource, type LoadedSignalModel } from '@lib/ml';
import { ModelTierChangedEvent, SignalPredictedEvent, strategyId, type ModelTier, type Bar, type Instrument, type InstrumentId } from '@lib/model';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import { Strategy, type StrategyPortfolio } from '../base/strategy.js';
import { MarketContextCursor, type MarketContextData } from './market-context.js';

export interface MlSignalParams {
  /** Share of the instrument's equity sleeve (equity / N) at full conviction. */
  readonly maxWeight: number;
  /** Predictions kept to scale the signal (seeded at start-up, then rolling). */
  readonly signalHistory: number;
  /** Trade only when the position is off target by more than this share of the target. */
  readonly rebalanceThreshold: number;
}

export const DEFAULT_ML_SIGNAL_PARAMS: MlSignalParams = { maxWeight: 1, signalHistory: 200, rebalanceThreshold: 0.25 };

interface InstrumentState {
  readonly instrument: Instrument;
  readonly pipeline: FeaturePipeline;
  readonly context: MarketContextCursor;
  readonly modelName: string;
  readonly predictions: Float64Array;
  count: number;
  columns: { readonly key: string; readonly index: Int32Array } | null;
  /** The tier and version last served, to store a `signal.model_tier_changed` event on every change. */
  served: string | null;
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)).toString() : '0');

export function signalModelName(instrument: Pick<Instrument, 'symbol'>): string {
  return `signal-${instrument.symbol}`;
}

/**
 * The ML strategy: per bar, features (the trainer's own streaming definition) → ONNX inference
 * → prediction → target position. Mapping (deliberately simple until regime-aware sizing lands):
 * scale = 2 × the standard deviation of the last `signalHistory` predictions;
 * confidence = min(1, |prediction| / scale); target weight = sign(prediction) × confidence ×
 * maxWeight of the instrument's equity sleeve. No model (tier FLAT) → target flat.
 * Every prediction is stored as a `signal.predicted` event.
 */
export class MlSignalStrategy extends Strategy {
  private readonly states = new Map<InstrumentId, InstrumentState>();
  private readonly btcId: InstrumentId | null;
  private lastBtc: FeatureBar | null = null;

  constructor(
    bus: MessageBus,
    cache: Cache,
    clock: Clock,
    portfolio: StrategyPortfolio,
    instruments: readonly Instrument[],
    private readonly models: HotSwappingModelSource,
    context: MarketContextData,
    private readonly params: MlSignalParams = DEFAULT_ML_SIGNAL_PARAMS,
    id = 'ML-001',
  ) {
    super(strategyId(id), bus, cache, clock, portfolio);
    this.btcId = instruments.find((i) => i.base === 'BTC')?.id ?? null;
    for (const instrument of instruments) {
      const spec = featureSpecFor(instrument.base);
      this.states.set(instrument.id, {
        instrument,
        pipeline: new FeaturePipeline(spec, { interval: '4h' }),
        context: new MarketContextCursor(context.dvol.get(spec.dvolIndex) ?? [], context.funding.get(instrument.id) ?? []),
        modelName: signalModelName(instrument),
        predictions: new Float64Array(params.signalHistory),
        count: 0,
        columns: null,
        served: null,
      });
    }
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
    const ctx = state.context.advanceTo(bar.tsClose);
    const row = state.pipeline.update({
      bar: featureBar,
      btcBar: this.lastBtc !== null && this.lastBtc.tsOpen === bar.tsOpen ? this.lastBtc : null,
      dvol: ctx.dvol,
      funding: ctx.funding,
    });
    if (row === null) return;
    const served = this.models.get(state.modelName);
    if (trade) this.recordTier(state, served ?? null);
    if (!served || served.model === null) {
      if (trade) this.decide(state, bar, 0, 0, 0, served ?? null);
      return;
    }
    const input = this.select(state, served, row);
    const prediction = await served.model.predictOne(input);
    const scale = 2 * this.spread(state);
    state.predictions[state.count % state.predictions.length] = prediction;
    state.count++;
    const confidence = scale > 0 ? Math.min(1, Math.abs(prediction) / scale) : 0;
    const weight = Math.sign(prediction) * confidence * this.params.maxWeight;
    if (trade) this.decide(state, bar, prediction, confidence, weight, served);
  }

  private decide(state: InstrumentState, bar: Bar, prediction: number, confidence: number, weight: number, served: LoadedSignalModel | null): void {
    this.bus.publish(
      new SignalPredictedEvent({
        instrumentId: state.instrument.id,
        strategyId: this.id,
        model: state.modelName,
        modelVersion: served?.version ?? null,
        tier: served?.tier ?? 'FLAT',
        prediction: fmt(prediction),
        confidence: fmt(confidence),
        targetWeight: fmt(weight),
        tsEvent: this.clock.now(),
      }),
    );
    const equity = this.portfolio.equityValue();
    if (!(equity > 0)) return;
    const close = bar.close.toNumber();
    const targetQty = (weight * equity) / this.states.size / close;
    this.rebalanceTo(state.instrument, bar, targetQty, this.params.rebalanceThreshold, 'ml');
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

  /** Standard deviation of the recent predictions (two passes); 0 for a model that predicts a constant. */
  private spread(state: InstrumentState): number {
    const n = Math.min(state.count, state.predictions.length);
    if (n < 20) return 0;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += state.predictions[i]!;
    const mean = sum / n;
    let sq = 0;
    let constant = true;
    for (let i = 0; i < n; i++) {
      const d = state.predictions[i]! - mean;
      sq += d * d;
      if (state.predictions[i] !== state.predictions[0]) constant = false;
    }
    return constant ? 0 : Math.sqrt(sq / n);
  }
}
