import { allocate, DEFAULT_REGIME_EXPOSURE } from './hraa.js';

/**
 * Per-bar hierarchical allocation (issue 4): turns the risk model's covariance and the current regime into
 * per-instrument exposure limits (|fraction of equity|) for the sizing decision.
 *
 * HRP weights move slowly, so they are recomputed every `recomputeEveryBars` bars, and at once when the
 * regime or the requested directions change (a move into Crisis must cut exposure on that bar, not up to
 * six bars later). Before the covariance is ready every limit is `maxWeight`.
 */

export type RegimeExposureLabel = keyof typeof DEFAULT_REGIME_EXPOSURE;

/** What the tracker needs from the risk model (PortfolioRiskModel satisfies it). */
export interface CovarianceSource {
  readonly instruments: readonly string[];
  readonly ready: boolean;
  covariance(): number[][];
}

export interface AllocationTrackerOptions {
  /** Bars between HRP recomputations. Default 6 (one day of 4h bars). */
  recomputeEveryBars: number;
  /** Per-instrument cap on |weight|, also the limit before the covariance is ready. Default 1. */
  maxWeight: number;
  /** Cap on Σ|weight|. Default Infinity. */
  maxGross: number;
  /** Cap on |Σ weight|. Default Infinity. */
  maxNet: number;
  /** Gross exposure at regime multiplier 1. Default 1. */
  budget: number;
  /** Exposure multiplier per regime; a null regime (not yet fitted) uses Neutral. */
  regimeExposure: Readonly<Record<RegimeExposureLabel, number>>;
}

export const DEFAULT_ALLOCATION_TRACKER_OPTIONS: Readonly<AllocationTrackerOptions> = Object.freeze({
  recomputeEveryBars: 6,
  maxWeight: 1,
  maxGross: Number.POSITIVE_INFINITY,
  maxNet: Number.POSITIVE_INFINITY,
  budget: 1,
  regimeExposure: DEFAULT_REGIME_EXPOSURE,
});

export interface AllocationState {
  /** False until the covariance source is ready (limits are then maxWeight, weights 0). */
  ready: boolean;
  /** Regime the allocation was computed for; 'Unknown' when none was given. */
  regime: RegimeExposureLabel | 'Unknown';
  regimeMultiplier: number;
  /** |fraction of equity| allowed per instrument. */
  limits: Record<string, number>;
  /** Signed HRP weights after regime scaling and caps (0 before ready). */
  weights: Record<string, number>;
  gross: number;
  net: number;
}

export interface AllocationUpdate extends AllocationState {
  /** True when any limit differs from the previous bar's. */
  changed: boolean;
  /** True when the allocation was recomputed on this bar. */
  recomputed: boolean;
}

type Directions = Readonly<Record<string, 1 | -1>>;

export class AllocationTracker {
  readonly instruments: readonly string[];
  readonly options: Readonly<AllocationTrackerOptions>;
  private readonly columns: number[];
  private state: AllocationState;
  private barsSinceCompute = 0;
  private computedFor: { regime: string; directions: string } | null = null;

  constructor(
    instruments: readonly string[],
    private readonly source: CovarianceSource,
    options: Partial<AllocationTrackerOptions> = {},
  ) {
    const o: AllocationTrackerOptions = { ...DEFAULT_ALLOCATION_TRACKER_OPTIONS, ...options };
    if (!(Number.isInteger(o.recomputeEveryBars) && o.recomputeEveryBars >= 1)) throw new RangeError(`recomputeEveryBars must be an integer ≥ 1 (got ${o.recomputeEveryBars})`);
    for (const k of ['maxWeight', 'maxGross', 'maxNet', 'budget'] as const) if (!(o[k] >= 0)) throw new RangeError(`${k} must be ≥ 0 (got ${o[k]})`);
    for (const [k, v] of Object.entries(o.regimeExposure)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`regimeExposure.${k} must be a finite number ≥ 0 (got ${v})`);
    if (instruments.length === 0) throw new RangeError('AllocationTracker: no instruments');
    this.columns = instruments.map((id) => {
      const i = source.instruments.indexOf(id);
      if (i < 0) throw new RangeError(`AllocationTracker: ${id} is not covered by the covariance source`);
      return i;
    });
    this.instruments = Object.freeze([...instruments]);
    this.options = Object.freeze({ ...o, regimeExposure: Object.freeze({ ...o.regimeExposure }) });
    this.state = this.notReady(null);
  }

  /** Allocation in force (without advancing a bar). */
  get current(): AllocationState {
    return copy(this.state);
  }

  /**
   * One bar: the regime label (null before the regime model's first fit) and, optionally, the direction
   * of each instrument's intended position (default long), which the net cap depends on.
   */
  update(regimeLabel: RegimeExposureLabel | null, directions: Directions = {}): AllocationUpdate {
    const previous = this.state;
    this.barsSinceCompute++;
    let recomputed = false;
    if (!this.source.ready) {
      this.state = this.notReady(regimeLabel);
      this.computedFor = null;
    } else {
      const key = { regime: String(regimeLabel), directions: this.instruments.map((id) => directions[id] ?? 1).join(',') };
      const due =
        this.computedFor === null ||
        this.barsSinceCompute >= this.options.recomputeEveryBars ||
        key.regime !== this.computedFor.regime ||
        key.directions !== this.computedFor.directions;
      if (due) {
        this.state = this.compute(regimeLabel, directions);
        this.computedFor = key;
        this.barsSinceCompute = 0;
        recomputed = true;
      }
    }
    const changed = this.instruments.some((id) => this.state.limits[id] !== previous.limits[id]);
    return { ...copy(this.state), changed, recomputed };
  }

  private compute(regimeLabel: RegimeExposureLabel | null, directions: Directions): AllocationState {
    const full = this.source.covariance();
    const covariance = this.columns.map((i) => this.columns.map((j) => full[i]![j]!));
    const { regime, regimeMultiplier } = this.regime(regimeLabel);
    const o = this.options;
    const a = allocate({
      instruments: this.instruments,
      covariance,
      regimeMultiplier,
      budget: o.budget,
      maxWeight: o.maxWeight,
      maxGross: o.maxGross,
      maxNet: o.maxNet,
      directions,
    });
    return { ready: true, regime, regimeMultiplier, limits: a.limits, weights: a.weights, gross: a.gross, net: a.net };
  }

  private notReady(regimeLabel: RegimeExposureLabel | null): AllocationState {
    const { regime, regimeMultiplier } = this.regime(regimeLabel);
    const each = (v: number) => Object.fromEntries(this.instruments.map((id) => [id, v]));
    return { ready: false, regime, regimeMultiplier, limits: each(this.options.maxWeight), weights: each(0), gross: 0, net: 0 };
  }

  private regime(label: RegimeExposureLabel | null): { regime: RegimeExposureLabel | 'Unknown'; regimeMultiplier: number } {
    const known = label !== null && Object.hasOwn(this.options.regimeExposure, label);
    return known ? { regime: label, regimeMultiplier: this.options.regimeExposure[label] } : { regime: 'Unknown', regimeMultiplier: this.options.regimeExposure.Neutral };
  }
}

function copy(s: AllocationState): AllocationState {
  return { ...s, limits: { ...s.limits }, weights: { ...s.weights } };
}
