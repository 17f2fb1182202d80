import { fitGarch11, garchFilter, type GarchParams } from '@lib/regime';
import { correlationFromCovariance } from '../allocation/hraa.js';
import {
  BARS_PER_DAY_4H,
  covarianceFromSigmas,
  historicalVarFromScenarios,
  overlappingSums,
  parametricVar,
  sampleCovariance,
  type VarModel,
} from './var.js';

/**
 * Rolling portfolio risk model over aligned bars (issue 4): per-bar log returns of every instrument over a
 * sliding window, GARCH(1,1) σ per instrument and the sample correlation, giving a per-bar covariance and
 * two 1-day VaR estimates. Pure and deterministic: no clock, no I/O.
 *
 * Alignment: closes are collected per bar close time; a row is complete when every instrument has a close
 * at that time. An older row still incomplete when a newer one completes is dropped (counted in
 * `skippedRows`), so the next return spans the gap: the price move is kept, not lost.
 *
 * VaR (positions = signed notional, account currency):
 *  - historical: `confidence` quantile of the loss over overlapping `horizonBars`-bar return sums in the window;
 *  - parametric: z · √(wᵀΣw) · √horizonBars with Σ = diag(σ_garch) · C_sample · diag(σ_garch) per bar;
 *  - varOf = max of the two (the more conservative).
 * GARCH is fitted on each instrument's window every `garchRefitBars` rows (first at `minBars`) and filtered
 * every row in between, so σ is the one-step-ahead forecast for the next bar.
 */
export interface PortfolioRiskModelOptions {
  /** Returns kept for VaR and correlation. Default 1080 (180 days of 4h bars). */
  windowBars: number;
  /** Rows between GARCH refits. Default 540 (90 days). */
  garchRefitBars: number;
  /** VaR confidence. Default 0.99. */
  confidence: number;
  /** VaR horizon in bars. Default 6 (4h → 1 day). */
  horizonBars: number;
  /** Returns needed before `ready` (and the first GARCH fit). Default 180 (30 days). */
  minBars: number;
}

export const DEFAULT_PORTFOLIO_RISK_MODEL_OPTIONS: Readonly<PortfolioRiskModelOptions> = Object.freeze({
  windowBars: 1080,
  garchRefitBars: 540,
  confidence: 0.99,
  horizonBars: BARS_PER_DAY_4H,
  minBars: 180,
});

export type RiskModelUpdate =
  /** The close was stored; its row still waits for other instruments. */
  | 'PENDING'
  /** The close completed its row: returns, σ and covariance moved on. */
  | 'COMPLETED';

export interface PortfolioRiskSnapshot {
  instruments: string[];
  ready: boolean;
  /** Complete rows seen (including the first, which has no return). */
  rows: number;
  skippedRows: number;
  windowReturns: number;
  lastTs: number | null;
  garchFits: number;
  garch: (GarchParams | null)[];
  sigmas: number[];
}

/** Variance used when a GARCH fit fails (e.g. constant prices): keeps Σ positive definite. */
const VARIANCE_FLOOR = 1e-12;

export class PortfolioRiskModel {
  readonly instruments: readonly string[];
  readonly options: Readonly<PortfolioRiskModelOptions>;
  private readonly index = new Map<string, number>();
  private readonly pending = new Map<number, Float64Array>();
  private readonly lastTsOf: Float64Array;
  private prevCloses: Float64Array | null = null;
  private lastCompleteTs: number | null = null;
  private readonly window: number[][] = [];
  private returnCount = 0;
  private rowCount = 0;
  private skipped = 0;
  private fits = 0;
  private readonly garch: (GarchParams | null)[];
  /** σ² forecast for the next bar per instrument. */
  private readonly nextVariance: Float64Array;
  private cache: { covariance: number[][]; correlation: number[][] } | null = null;
  /** Overlapping horizon sums, built only when historical VaR is asked for (not on every row). */
  private scenarios: number[][] | null = null;

  constructor(instruments: readonly string[], options: Partial<PortfolioRiskModelOptions> = {}) {
    if (instruments.length === 0) throw new RangeError('PortfolioRiskModel: no instruments');
    if (new Set(instruments).size !== instruments.length) throw new RangeError('PortfolioRiskModel: duplicate instruments');
    const o: PortfolioRiskModelOptions = { ...DEFAULT_PORTFOLIO_RISK_MODEL_OPTIONS, ...options };
    const int = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
    if (!int(o.horizonBars, 1)) throw new RangeError(`horizonBars must be an integer ≥ 1 (got ${o.horizonBars})`);
    if (!int(o.minBars, Math.max(20, o.horizonBars + 1))) throw new RangeError(`minBars must be an integer ≥ max(20, horizonBars + 1) (got ${o.minBars})`);
    if (!int(o.windowBars, o.minBars)) throw new RangeError(`windowBars must be an integer ≥ minBars (got ${o.windowBars})`);
    if (!int(o.garchRefitBars, 1)) throw new RangeError(`garchRefitBars must be an integer ≥ 1 (got ${o.garchRefitBars})`);
    if (!(o.confidence > 0 && o.confidence < 1)) throw new RangeError(`confidence must be in (0,1) (got ${o.confidence})`);
    this.instruments = Object.freeze([...instruments]);
    this.options = Object.freeze(o);
    instruments.forEach((id, i) => this.index.set(id, i));
    this.lastTsOf = new Float64Array(instruments.length).fill(Number.NEGATIVE_INFINITY);
    this.garch = instruments.map(() => null);
    this.nextVariance = new Float64Array(instruments.length);
  }

  /**
   * One instrument's close for the bar closing at `tsClose`. Throws (state untouched) on an unknown
   * instrument, a non-finite or non-positive close, or a timestamp not after that instrument's last one.
   */
  update(instrumentId: string, tsClose: number, close: number): RiskModelUpdate {
    const i = this.index.get(instrumentId);
    if (i === undefined) throw new RangeError(`PortfolioRiskModel: unknown instrument ${instrumentId}`);
    if (!Number.isFinite(tsClose)) throw new RangeError(`PortfolioRiskModel: tsClose must be finite (got ${tsClose})`);
    if (!(Number.isFinite(close) && close > 0)) throw new RangeError(`PortfolioRiskModel: close of ${instrumentId} must be a finite number > 0 (got ${close})`);
    if (tsClose <= this.lastTsOf[i]!) throw new RangeError(`PortfolioRiskModel: tsClose ${tsClose} for ${instrumentId} does not increase (last ${this.lastTsOf[i]})`);
    this.lastTsOf[i] = tsClose;

    let row = this.pending.get(tsClose);
    if (!row) {
      row = new Float64Array(this.instruments.length).fill(Number.NaN);
      this.pending.set(tsClose, row);
    }
    row[i] = close;
    if (row.some((c) => Number.isNaN(c))) return 'PENDING';

    for (const ts of [...this.pending.keys()]) {
      if (ts < tsClose) {
        this.pending.delete(ts);
        this.skipped++;
      }
    }
    this.pending.delete(tsClose);
    this.completeRow(tsClose, row);
    return 'COMPLETED';
  }

  /** True once `minBars` returns are in the window (and σ has been fitted). */
  get ready(): boolean {
    return this.returnCount >= this.options.minBars;
  }

  get skippedRows(): number {
    return this.skipped;
  }

  get lastTs(): number | null {
    return this.lastCompleteTs;
  }

  /** Per-bar log returns in the window, oldest first (rows = bars, columns = instruments). */
  windowReturns(): number[][] {
    return this.window.map((r) => [...r]);
  }

  /** One-step-ahead GARCH σ per bar for each instrument. */
  sigmas(): number[] {
    this.assertReady();
    return Array.from(this.nextVariance, (v) => Math.sqrt(v));
  }

  /** Sample correlation of the window's returns. */
  correlation(): number[][] {
    return this.derived().correlation.map((r) => [...r]);
  }

  /** Per-bar covariance: diag(σ_garch) · C_sample · diag(σ_garch). */
  covariance(): number[][] {
    return this.derived().covariance.map((r) => [...r]);
  }

  /** 1-day (horizonBars) historical VaR from overlapping horizon sums of the window's returns. */
  historicalVar(positionsNotional: readonly number[]): number {
    this.checkPositions(positionsNotional);
    this.assertReady();
    this.scenarios ??= overlappingSums(this.window, this.options.horizonBars);
    return historicalVarFromScenarios(positionsNotional, this.scenarios, this.options.confidence);
  }

  /** 1-day (horizonBars) Gaussian VaR with the GARCH σ and sample correlation (σ_1d = σ_bar · √horizonBars). */
  parametricVar(positionsNotional: readonly number[]): number {
    this.checkPositions(positionsNotional);
    return parametricVar(positionsNotional, this.derived().covariance, { confidence: this.options.confidence, horizonBars: this.options.horizonBars });
  }

  /** The more conservative of historical and parametric VaR. */
  varOf(positionsNotional: readonly number[]): number {
    return Math.max(this.historicalVar(positionsNotional), this.parametricVar(positionsNotional));
  }

  /** `varOf` as a VarModel, for postTradeVarCheck. */
  varModel(): VarModel {
    return (p) => this.varOf(p);
  }

  /** Notional per instrument id → vector in `instruments` order (missing ids are 0). */
  positionsVector(notionalById: Readonly<Record<string, number>>): number[] {
    return this.instruments.map((id) => notionalById[id] ?? 0);
  }

  snapshot(): PortfolioRiskSnapshot {
    return {
      instruments: [...this.instruments],
      ready: this.ready,
      rows: this.rowCount,
      skippedRows: this.skipped,
      windowReturns: this.window.length,
      lastTs: this.lastCompleteTs,
      garchFits: this.fits,
      garch: this.garch.map((g) => (g ? { ...g } : null)),
      sigmas: Array.from(this.nextVariance, (v) => Math.sqrt(v)),
    };
  }

  private completeRow(ts: number, closes: Float64Array): void {
    this.rowCount++;
    this.lastCompleteTs = ts;
    const prev = this.prevCloses;
    this.prevCloses = closes;
    if (prev === null) return;
    const r = Array.from(closes, (c, i) => Math.log(c / prev[i]!));
    this.window.push(r);
    if (this.window.length > this.options.windowBars) this.window.shift();
    this.returnCount++;
    this.cache = null;
    this.scenarios = null;

    const { minBars, garchRefitBars } = this.options;
    const n = this.returnCount;
    if (n >= minBars && (n - minBars) % garchRefitBars === 0) {
      this.refitGarch();
      return;
    }
    if (n < minBars) return;
    for (let i = 0; i < r.length; i++) {
      const g = this.garch[i]!;
      this.nextVariance[i] = g ? g.omega + g.alpha * r[i]! * r[i]! + g.beta * this.nextVariance[i]! : this.nextVariance[i]!;
    }
  }

  /** Fit GARCH(1,1) per instrument on the window and filter through it to get the next-bar σ². */
  private refitGarch(): void {
    this.fits++;
    for (let i = 0; i < this.instruments.length; i++) {
      const col = this.window.map((row) => row[i]!);
      let params: GarchParams | null;
      try {
        params = fitGarch11(col).params;
      } catch {
        params = this.garch[i] ?? null; // keep the previous fit; with none, fall back to the sample variance
      }
      this.garch[i] = params;
      if (params) {
        const v = garchFilter(col, params);
        this.nextVariance[i] = Math.max(v[col.length]!, VARIANCE_FLOOR);
      } else {
        let s2 = 0;
        for (const x of col) s2 += (x * x) / col.length;
        this.nextVariance[i] = Math.max(s2, VARIANCE_FLOOR);
      }
    }
  }

  private derived(): { covariance: number[][]; correlation: number[][] } {
    this.assertReady();
    if (this.cache === null) {
      const correlation = correlationFromCovariance(sampleCovariance(this.window));
      const sigmas = Array.from(this.nextVariance, (v) => Math.sqrt(v));
      this.cache = { correlation, covariance: covarianceFromSigmas(sigmas, correlation) };
    }
    return this.cache;
  }

  private assertReady(): void {
    if (!this.ready) throw new Error(`PortfolioRiskModel: not ready (${this.returnCount} of ${this.options.minBars} returns)`);
  }

  private checkPositions(p: readonly number[]): void {
    if (p.length !== this.instruments.length) throw new RangeError(`positions must have ${this.instruments.length} entries (got ${p.length})`);
    if (!p.every((x) => Number.isFinite(x))) throw new RangeError('positions must be finite');
  }
}
