import type { TradingState } from '@lib/model';

/**
 * Drawdown circuit breaker: a pure three-state machine. Time is always passed in (`ts`, epoch ms);
 * nothing here reads a clock, so replays and backtests are deterministic.
 *
 * Rules (documented contract):
 * - CLOSED: every `mark` measures drawdown = (peak − adverseEquity) / peak, where `peak` is the highest
 *   close-valued equity seen at *earlier* marks (the first mark initialises it to that bar's `equity`) and
 *   `adverseEquity` is equity valued at the bar's adverse extreme for open positions (low for longs, high
 *   for shorts). It trips to OPEN when drawdown is strictly greater than `threshold` (default 0.05). After
 *   the check the peak is raised to max(peak, equity).
 * - On entering OPEN (drawdown or operator `trip`) the caller must FLATTEN_ALL and set the trading state
 *   to REDUCING; the size multiplier is 0.
 * - OPEN → HALF_OPEN at the first mark with ts − openedAt ≥ the cool-down in force. The cool-down
 *   escalates: a trip within `escalationWindowMs` (default 7 days) of the previous one multiplies the
 *   previous cool-down by `coolDownEscalation` (default 2), up to `maxCoolDownMs` (default 7 days); a
 *   trip after a quiet window starts again from `coolDownMs`. A market that keeps knocking the book
 *   down is left alone for longer each time instead of being re-entered every day. HALF_OPEN trades with size limits
 *   multiplied by `halfOpenSizeMultiplier` (default 0.5), trading state ACTIVE. The half-open baseline is the
 *   equity of that mark; it is raised by later close-valued highs.
 * - HALF_OPEN: drawdown from the half-open baseline (using the adverse extreme) > `threshold` → OPEN again.
 *   A bar whose half-open drawdown exceeds `threshold × recoveryDrawdownFraction` (default 0.5, i.e. 2.5%)
 *   restarts the recovery count; otherwise the bar counts as clean. After `recoveryBars` (default 6)
 *   consecutive clean bars → CLOSED, size multiplier 1, and the peak is rebased to the half-open baseline
 *   (the pre-trip peak is forgotten, otherwise the breaker would re-trip on the old loss at once).
 * - Operator `trip(reason, ts)` → OPEN from CLOSED/HALF_OPEN (no-op when already OPEN).
 *   Operator `reset(reason, ts)` → CLOSED from any state, clears the peak (the next mark re-initialises
 *   it) and the cool-down escalation.
 *   A reset while CLOSED is still returned as a transition (CLOSED → CLOSED) because the peak changed.
 * - At most one transition per call. Every transition is returned as plain data to store as an event.
 */
export const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export type BreakerTrigger = 'DRAWDOWN' | 'OPERATOR_TRIP' | 'COOL_DOWN' | 'RECOVERY' | 'HALF_OPEN_BREACH' | 'OPERATOR_RESET';

export type BreakerAction =
  | { readonly type: 'FLATTEN_ALL' }
  | { readonly type: 'SET_TRADING_STATE'; readonly state: TradingState }
  | { readonly type: 'SET_SIZE_MULTIPLIER'; readonly multiplier: number };

export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly trigger: BreakerTrigger;
  readonly reason: string;
  readonly ts: number;
  /** Drawdown that caused or accompanied the transition (fraction, ≥ 0 means loss). */
  readonly drawdown: number;
  readonly tradingState: TradingState;
  readonly sizeMultiplier: number;
  readonly actions: readonly BreakerAction[];
}

export interface BreakerMark {
  readonly ts: number;
  /** Equity with open positions valued at the bar close. */
  readonly equity: number;
  /** Equity with open positions valued at the bar's adverse extreme (≤ equity). Defaults to `equity`. */
  readonly adverseEquity?: number;
}

export interface BreakerResult {
  readonly state: BreakerState;
  /** Drawdown measured at this mark against the reference in force (peak, or half-open baseline). */
  readonly drawdown: number;
  readonly sizeMultiplier: number;
  readonly tradingState: TradingState;
  readonly transition?: BreakerTransition;
  /** Actions of the transition, if any (empty otherwise). */
  readonly actions: readonly BreakerAction[];
}

export interface CircuitBreakerConfig {
  readonly threshold: number;
  readonly coolDownMs: number;
  readonly halfOpenSizeMultiplier: number;
  readonly recoveryBars: number;
  readonly recoveryDrawdownFraction: number;
  readonly coolDownEscalation: number;
  readonly maxCoolDownMs: number;
  readonly escalationWindowMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_CONFIG: CircuitBreakerConfig = {
  threshold: 0.05,
  coolDownMs: 24 * 60 * 60 * 1000,
  halfOpenSizeMultiplier: 0.5,
  recoveryBars: 6,
  recoveryDrawdownFraction: 0.5,
  coolDownEscalation: 2,
  maxCoolDownMs: 7 * 24 * 60 * 60 * 1000,
  escalationWindowMs: 7 * 24 * 60 * 60 * 1000,
};

export interface CircuitBreakerSnapshot {
  readonly state: BreakerState;
  readonly peak: number | null;
  readonly openedAt: number | null;
  readonly halfOpenBase: number | null;
  readonly cleanBars: number;
  /** Cool-down of the current (or last) trip, ms. */
  readonly coolDownMs?: number;
  /** Time of the last trip, for escalation. */
  readonly lastTripAt?: number | null;
}

export class CircuitBreaker {
  readonly config: CircuitBreakerConfig;
  private _state: BreakerState = 'CLOSED';
  private peak: number | null = null;
  private openedAt: number | null = null;
  private halfOpenBase: number | null = null;
  private cleanBars = 0;
  private coolDown: number;
  private lastTripAt: number | null = null;

  constructor(config: Partial<CircuitBreakerConfig> = {}, snapshot?: CircuitBreakerSnapshot) {
    this.config = { ...DEFAULT_CIRCUIT_BREAKER_CONFIG, ...config };
    const c = this.config;
    if (!(c.threshold > 0 && c.threshold < 1)) throw new Error('threshold must be in (0,1)');
    if (!(c.coolDownMs >= 0)) throw new Error('coolDownMs must be ≥ 0');
    if (!(c.halfOpenSizeMultiplier >= 0 && c.halfOpenSizeMultiplier <= 1)) throw new Error('halfOpenSizeMultiplier must be in [0,1]');
    if (!(Number.isInteger(c.recoveryBars) && c.recoveryBars >= 1)) throw new Error('recoveryBars must be an integer ≥ 1');
    if (!(c.recoveryDrawdownFraction > 0 && c.recoveryDrawdownFraction <= 1)) throw new Error('recoveryDrawdownFraction must be in (0,1]');
    if (!(c.coolDownEscalation >= 1)) throw new Error('coolDownEscalation must be ≥ 1');
    if (!(c.maxCoolDownMs >= c.coolDownMs)) throw new Error('maxCoolDownMs must be ≥ coolDownMs');
    if (!(c.escalationWindowMs >= 0)) throw new Error('escalationWindowMs must be ≥ 0');
    this.coolDown = c.coolDownMs;
    if (snapshot) {
      this._state = snapshot.state;
      this.peak = snapshot.peak;
      this.openedAt = snapshot.openedAt;
      this.halfOpenBase = snapshot.halfOpenBase;
      this.cleanBars = snapshot.cleanBars;
      this.coolDown = snapshot.coolDownMs ?? this.coolDown;
      this.lastTripAt = snapshot.lastTripAt ?? null;
    }
  }

  get state(): BreakerState {
    return this._state;
  }

  /** Cool-down of the current (or last) trip, ms. */
  get coolDownMs(): number {
    return this.coolDown;
  }

  get currentPeak(): number | null {
    return this.peak;
  }

  get sizeMultiplier(): number {
    return sizeMultiplierOf(this._state, this.config);
  }

  get tradingState(): TradingState {
    return tradingStateOf(this._state);
  }

  snapshot(): CircuitBreakerSnapshot {
    return { state: this._state, peak: this.peak, openedAt: this.openedAt, halfOpenBase: this.halfOpenBase, cleanBars: this.cleanBars, coolDownMs: this.coolDown, lastTripAt: this.lastTripAt };
  }

  mark(m: BreakerMark): BreakerResult {
    const { ts, equity } = m;
    const adverse = m.adverseEquity ?? equity;
    if (!Number.isFinite(equity) || !Number.isFinite(adverse)) throw new Error('equity must be finite');
    const { threshold } = this.config;

    switch (this._state) {
      case 'CLOSED': {
        const ref = this.peak ?? equity;
        const dd = drawdown(ref, adverse);
        this.peak = Math.max(ref, equity);
        if (dd > threshold) {
          return this.transition('OPEN', 'DRAWDOWN', `drawdown ${(dd * 100).toFixed(3)}% > ${(threshold * 100).toFixed(3)}%`, ts, dd);
        }
        return this.result(dd);
      }
      case 'OPEN': {
        const dd = this.peak === null ? 0 : drawdown(this.peak, adverse);
        if (this.openedAt !== null && ts - this.openedAt >= this.coolDown) {
          this.halfOpenBase = equity;
          this.cleanBars = 0;
          return this.transition('HALF_OPEN', 'COOL_DOWN', `cool-down of ${this.coolDown / 3_600_000} h elapsed`, ts, dd);
        }
        return this.result(dd);
      }
      case 'HALF_OPEN': {
        const base = this.halfOpenBase ?? equity;
        const dd = drawdown(base, adverse);
        this.halfOpenBase = Math.max(base, equity);
        if (dd > threshold) {
          return this.transition('OPEN', 'HALF_OPEN_BREACH', `half-open drawdown ${(dd * 100).toFixed(3)}% > ${(threshold * 100).toFixed(3)}%`, ts, dd);
        }
        if (dd > threshold * this.config.recoveryDrawdownFraction) this.cleanBars = 0;
        else this.cleanBars += 1;
        if (this.cleanBars >= this.config.recoveryBars) {
          const bars = this.cleanBars;
          this.peak = this.halfOpenBase;
          return this.transition('CLOSED', 'RECOVERY', `${bars} consecutive clean bars in HALF_OPEN`, ts, dd);
        }
        return this.result(dd);
      }
    }
  }

  /** Operator trip. Returns no transition when already OPEN. */
  trip(reason: string, ts: number): BreakerResult {
    if (this._state === 'OPEN') return this.result(0);
    return this.transition('OPEN', 'OPERATOR_TRIP', reason, ts, 0);
  }

  /** Operator reset to CLOSED from any state; clears the peak (re-initialised at the next mark). */
  reset(reason: string, ts: number): BreakerResult {
    this.peak = null;
    // An operator reset is a fresh start: the next trip's cool-down is the base one again.
    this.lastTripAt = null;
    this.coolDown = this.config.coolDownMs;
    return this.transition('CLOSED', 'OPERATOR_RESET', reason, ts, 0);
  }

  private transition(to: BreakerState, trigger: BreakerTrigger, reason: string, ts: number, dd: number): BreakerResult {
    const from = this._state;
    this._state = to;
    if (to === 'OPEN') {
      const c = this.config;
      const escalate = this.lastTripAt !== null && ts - this.lastTripAt <= c.escalationWindowMs;
      this.coolDown = escalate ? Math.min(c.maxCoolDownMs, this.coolDown * c.coolDownEscalation) : c.coolDownMs;
      this.lastTripAt = ts;
      this.openedAt = ts;
      this.halfOpenBase = null;
      this.cleanBars = 0;
    } else if (to === 'CLOSED') {
      this.openedAt = null;
      this.halfOpenBase = null;
      this.cleanBars = 0;
    }
    const sizeMultiplier = sizeMultiplierOf(to, this.config);
    const tradingState = tradingStateOf(to);
    const actions: BreakerAction[] = [];
    if (to === 'OPEN') actions.push({ type: 'FLATTEN_ALL' });
    actions.push({ type: 'SET_TRADING_STATE', state: tradingState });
    actions.push({ type: 'SET_SIZE_MULTIPLIER', multiplier: sizeMultiplier });
    const transition: BreakerTransition = { from, to, trigger, reason, ts, drawdown: dd, tradingState, sizeMultiplier, actions };
    return { state: to, drawdown: dd, sizeMultiplier, tradingState, transition, actions };
  }

  private result(dd: number): BreakerResult {
    return { state: this._state, drawdown: dd, sizeMultiplier: this.sizeMultiplier, tradingState: this.tradingState, actions: [] };
  }
}

function drawdown(ref: number, value: number): number {
  if (ref <= 0) return value < ref ? 1 : 0;
  return (ref - value) / ref;
}

function sizeMultiplierOf(state: BreakerState, c: CircuitBreakerConfig): number {
  return state === 'CLOSED' ? 1 : state === 'HALF_OPEN' ? c.halfOpenSizeMultiplier : 0;
}

function tradingStateOf(state: BreakerState): TradingState {
  return state === 'OPEN' ? 'REDUCING' : 'ACTIVE';
}
