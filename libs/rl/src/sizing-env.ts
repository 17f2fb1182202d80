/**
 * The position-sizing environment: one instrument, one decision per bar close.
 *
 * At the close of bar t the agent sees the observation built from data up to t only (signal,
 * regime probabilities and GARCH volatility of bar t, its own position and drawdown) and picks a
 * target fraction f of equity. Then, with the simulated venue's costs:
 *
 *   1. trading |f − p_t| of equity costs |f − p_t|·E_t·(takerFee + slippage)  (fills at the close,
 *      which on a 24/7 market is the next bar's open the venue fills at, to within a tick);
 *   2. the position earns f·R over bar t+1, R = close_{t+1}/close_t − 1;
 *   3. funding settling during bar t+1 is paid on the notional marked at close_{t+1}:
 *      −f·(1 + R)·rate (longs pay a positive rate), as the venue's fundingAmount does;
 *   4. the position drifts with the price: p_{t+1} = f·(1 + R)·E'/E_{t+1}.
 *
 * Reward = ln(E_{t+1}/E_t) − λ·max(0, DD_{t+1} − DD_t), DD the drawdown from the episode's peak.
 */
import { signalConfidence, writeSacObservation, SAC_OBSERVATION_SIZE } from './observation.js';
import type { SeededRandom } from '@lib/ml';
import type { RlEnvironment } from './sac.js';

/** Bybit linear perpetual taker fee (config/instruments.json). */
export const BYBIT_TAKER_FEE = 0.00055;

export interface SizingCosts {
  /** Fee per unit of traded notional. */
  readonly takerFee: number;
  /** Adverse slippage per trade, in basis points of the traded notional (the venue's default is 2). */
  readonly slippageBps: number;
}

export const DEFAULT_SIZING_COSTS: SizingCosts = { takerFee: BYBIT_TAKER_FEE, slippageBps: 2 };

/** Cost per unit of traded notional. */
export const costRate = (c: SizingCosts): number => c.takerFee + c.slippageBps / 10_000;

/** Everything the environment reads, one entry per bar (index = bar). */
export interface SizingSeries {
  /** Bar close times (ms UTC): when each bar's data becomes known. */
  readonly ts: Float64Array;
  readonly close: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  /** Funding rate settling during bar i (at or before its close), 0 when none; see {@link fundingPerBar}. */
  readonly funding: Float64Array;
  /** Prediction z-score known at the close of bar i. */
  readonly signal: Float64Array;
  /** Filtered regime probabilities at the close of bar i, n × 4 row-major (Bear, Neutral, Bull, Crisis). */
  readonly regimeProbabilities: Float64Array;
  /** GARCH σ for bar i+1, forecast at the close of bar i. */
  readonly volatility: Float64Array;
}

export interface SizingEnvConfig {
  readonly costs: SizingCosts;
  /** λ: penalty per unit of drawdown increase. */
  readonly drawdownPenalty: number;
  /** Action 1 means this fraction of equity (long). */
  readonly maxFraction: number;
}

/**
 * λ = 0.25. Every down bar below the peak adds to the drawdown, so holding f costs about
 * λ·f·E[max(0, −r)] ≈ 0.4·λ·σ·f per bar: a first-order hurdle the expected return must clear before
 * any position pays. λ = 2 puts it at 0.8σ, which no realistic forecast clears (IC 0.1 at |z| = 2
 * gives ≈ 0.2σ) and trains an always-flat sizer; λ = 0.25 sets it at 0.1σ.
 */
export const DEFAULT_SIZING_ENV_CONFIG: SizingEnvConfig = { costs: DEFAULT_SIZING_COSTS, drawdownPenalty: 0.25, maxFraction: 1 };

export interface SizingStepInfo {
  /** Bar whose close the new observation belongs to. */
  readonly bar: number;
  readonly equity: number;
  /** Position after the bar (drifted with the price), fraction of equity. */
  readonly position: number;
  /** Target fraction chosen for the bar. */
  readonly target: number;
  readonly drawdown: number;
  /** |target − previous position|: traded notional as a fraction of equity. */
  readonly turnover: number;
  readonly tradingCost: number;
  readonly fundingCost: number;
  readonly logReturn: number;
}

export interface SizingStep {
  readonly observation: Float32Array;
  readonly reward: number;
  /** The episode is over (end of window or ruin). */
  readonly done: boolean;
  /** Ruin only: equity wiped out, nothing to bootstrap from. */
  readonly terminal: boolean;
  readonly info: SizingStepInfo;
}

/** Smallest equity (as a share of the starting equity) before the episode counts as ruined. */
const RUIN = 1e-6;

export class SizingEnv {
  readonly config: SizingEnvConfig;
  readonly length: number;
  private readonly rate: number;
  private bar = 0;
  private end = 0;
  private equity = 1;
  private peak = 1;
  private position = 0;
  private readonly obs = new Float32Array(SAC_OBSERVATION_SIZE);
  private readonly probs = new Float64Array(4);

  constructor(
    readonly series: SizingSeries,
    config: Partial<SizingEnvConfig> = {},
  ) {
    this.config = { ...DEFAULT_SIZING_ENV_CONFIG, ...config };
    const n = series.close.length;
    for (const key of ['ts', 'high', 'low', 'funding', 'signal', 'volatility'] as const) {
      if (series[key].length !== n) throw new RangeError(`SizingSeries.${key} has ${series[key].length} entries, close has ${n}`);
    }
    if (series.regimeProbabilities.length !== 4 * n) throw new RangeError(`SizingSeries.regimeProbabilities must be n × 4 (${4 * n}), got ${series.regimeProbabilities.length}`);
    if (!(this.config.maxFraction >= 0) || !Number.isFinite(this.config.maxFraction)) throw new RangeError(`maxFraction must be finite and ≥ 0`);
    this.length = n;
    this.rate = costRate(this.config.costs);
  }

  /** Starts an episode at the close of bar `start`, ending at the close of bar `end` (default: the last bar). */
  begin(start: number, options: { end?: number; position?: number } = {}): Float32Array {
    const end = options.end ?? this.length - 1;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end >= this.length || end <= start) {
      throw new RangeError(`SizingEnv.begin: need 0 ≤ start < end < ${this.length}, got start ${start}, end ${end}`);
    }
    this.bar = start;
    this.end = end;
    this.equity = 1;
    this.peak = 1;
    this.position = clamp(options.position ?? 0, -this.config.maxFraction, this.config.maxFraction);
    return this.observation();
  }

  get currentBar(): number {
    return this.bar;
  }

  get currentPosition(): number {
    return this.position;
  }

  get currentEquity(): number {
    return this.equity;
  }

  get currentDrawdown(): number {
    return 1 - this.equity / this.peak;
  }

  /** Regime probabilities of the current bar (a copy-free view, valid until the next step). */
  regimeProbabilities(bar = this.bar): Float64Array {
    const p = this.series.regimeProbabilities;
    for (let k = 0; k < 4; k++) this.probs[k] = p[4 * bar + k]!;
    return this.probs;
  }

  /** The observation at the close of the current bar: only series values at index ≤ bar are read. */
  observation(): Float32Array {
    const t = this.bar;
    const z = this.series.signal[t]!;
    writeSacObservation(
      {
        signal: z,
        confidence: signalConfidence(z),
        regimeProbabilities: this.regimeProbabilities(t),
        volatility: this.series.volatility[t]!,
        position: this.position,
        drawdown: this.currentDrawdown,
      },
      this.obs,
      0,
    );
    return Float32Array.from(this.obs);
  }

  /** Applies an actor action in [-1, 1] (scaled by maxFraction). */
  step(action: number): SizingStep {
    return this.stepFraction((Number.isFinite(action) ? clamp(action, -1, 1) : 0) * this.config.maxFraction);
  }

  /** Moves to a target fraction of equity (clipped to ±maxFraction), then lives through the next bar. */
  stepFraction(target: number): SizingStep {
    if (this.bar >= this.end) throw new Error('SizingEnv.step: the episode is over; call begin()');
    const s = this.series;
    const t = this.bar;
    const f = Number.isFinite(target) ? clamp(target, -this.config.maxFraction, this.config.maxFraction) : 0;
    const e0 = this.equity;
    const dd0 = this.currentDrawdown;
    const turnover = Math.abs(f - this.position);
    const tradingCost = turnover * e0 * this.rate;
    const afterTrade = e0 - tradingCost;
    const R = s.close[t + 1]! / s.close[t]! - 1;
    const fundingCost = f * afterTrade * (1 + R) * s.funding[t + 1]!;
    let e1 = afterTrade * (1 + f * R) - fundingCost;
    const ruined = !(e1 > RUIN);
    if (ruined) e1 = RUIN;
    this.position = ruined ? 0 : (f * afterTrade * (1 + R)) / e1;
    this.equity = e1;
    this.peak = Math.max(this.peak, e1);
    this.bar = t + 1;
    const dd1 = this.currentDrawdown;
    const logReturn = Math.log(e1 / e0);
    const reward = logReturn - this.config.drawdownPenalty * Math.max(0, dd1 - dd0);
    return {
      observation: this.observation(),
      reward,
      done: ruined || this.bar >= this.end,
      terminal: ruined,
      info: { bar: this.bar, equity: e1, position: this.position, target: f, drawdown: dd1, turnover, tradingCost, fundingCost, logReturn },
    };
  }
}

/** Where episodes may start in one environment (each start must leave episodeLength bars after it). */
export interface EpisodeSegment {
  readonly env: SizingEnv;
  readonly starts: Int32Array;
}

export interface EpisodeSamplerOptions {
  readonly episodeLength: number;
  /**
   * Probability of starting with a random position in ±maxFraction instead of flat, so the agent
   * sees what holding and unwinding cost from any position. Default 0.5.
   */
  readonly randomPositionProbability?: number;
}

/**
 * An {@link RlEnvironment} over one or more SizingEnvs: each episode is a window of fixed length
 * at a uniformly drawn start (segments weighted by their number of starts).
 */
export class EpisodeSampler implements RlEnvironment {
  readonly observationSize = SAC_OBSERVATION_SIZE;
  private readonly cumulative: number[] = [];
  private current: SizingEnv | null = null;

  constructor(
    private readonly segments: readonly EpisodeSegment[],
    private readonly options: EpisodeSamplerOptions,
    private readonly rng: SeededRandom,
  ) {
    let total = 0;
    for (const { env, starts } of segments) {
      for (const s of starts) {
        if (s < 0 || s + options.episodeLength >= env.length) throw new RangeError(`EpisodeSampler: start ${s} leaves fewer than ${options.episodeLength} bars`);
      }
      total += starts.length;
      this.cumulative.push(total);
    }
    if (total === 0) throw new RangeError('EpisodeSampler: no episode starts');
  }

  /** Number of distinct episode starts. */
  get startCount(): number {
    return this.cumulative[this.cumulative.length - 1]!;
  }

  reset(): Float32Array {
    let k = this.rng.int(this.startCount);
    let seg = 0;
    while (k >= this.cumulative[seg]!) seg++;
    if (seg > 0) k -= this.cumulative[seg - 1]!;
    const { env, starts } = this.segments[seg]!;
    const start = starts[k]!;
    const randomPosition = this.rng.next() < (this.options.randomPositionProbability ?? 0.5);
    const max = env.config.maxFraction;
    const position = randomPosition ? (2 * this.rng.next() - 1) * max : 0;
    this.current = env;
    return env.begin(start, { end: start + this.options.episodeLength, position });
  }

  step(action: number): SizingStep {
    if (this.current === null) throw new Error('EpisodeSampler.step before reset');
    return this.current.step(action);
  }
}

/** Every bar in [from, to − episodeLength) as a start (to exclusive). */
export function episodeStarts(from: number, to: number, episodeLength: number): Int32Array {
  const n = Math.max(0, to - episodeLength - from);
  return Int32Array.from({ length: n }, (_, i) => from + i);
}

export interface FundingEvent {
  readonly ts: number;
  readonly rate: number;
}

const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/**
 * Funding per bar: the sum of the rates settling in (close_{i−1}, close_i], i.e. paid by the
 * position held through bar i. Before the first recorded rate, `assumedRate` (if given) is charged
 * at every 8h boundary (00, 08, 16 UTC) — the venue's baseline when no history was recorded.
 */
export function fundingPerBar(barCloseTs: ArrayLike<number>, events: readonly FundingEvent[], assumedRate = 0): Float64Array {
  const n = barCloseTs.length;
  const out = new Float64Array(n);
  const first = events.length > 0 ? events[0]!.ts : Number.POSITIVE_INFINITY;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const hi = barCloseTs[i]!;
    // bar 0 covers one bar length before its close (the spacing of the next close)
    const lo = i > 0 ? barCloseTs[i - 1]! : hi - (n > 1 ? barCloseTs[1]! - hi : 4 * 3_600_000);
    while (j < events.length && events[j]!.ts <= lo) j++;
    let sum = 0;
    while (j < events.length && events[j]!.ts <= hi) sum += events[j++]!.rate;
    if (assumedRate !== 0 && hi < first) {
      // 8h boundaries inside (lo, hi] (bars are 4h: at most one)
      const lastBoundary = Math.floor(hi / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
      if (lastBoundary > lo && lastBoundary < first) sum += assumedRate;
    }
    out[i] = sum;
  }
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
