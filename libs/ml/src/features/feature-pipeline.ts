import { BAR_INTERVALS, type BarInterval } from '@lib/model';
import { DAY_MS, dvolKnownAt, FeatureInputError, type DvolCandle, type FeatureBar, type FundingPoint } from './feature-inputs.js';
import {
  ATR_PERIOD,
  BOLLINGER,
  BTC_RETURN_HORIZONS,
  DVOL_CHANGE_DAYS,
  DVOL_RV_WINDOW,
  featureNames,
  FUNDING_SUM_WINDOWS,
  MACD_PERIODS,
  RETURN_HORIZONS,
  RSI_PERIOD,
  RV_WINDOWS,
  VOLUME_Z_WINDOWS,
  type FeatureSpec,
} from './feature-spec.js';
import { Macd, RingWindow, WilderAtr, WilderRsi } from './streaming-indicators.js';

/** What becomes known at one bar's close. */
export interface FeatureInputs {
  readonly bar: FeatureBar;
  /** The BTC bar with the same open time; required when the spec is cross-asset, ignored otherwise. */
  readonly btcBar?: FeatureBar | null;
  /**
   * DVOL candles received since the previous update. A candle is held back until its day has
   * closed (bar.tsClose >= dayOpen + 24h), however early it is handed in; pushing the same
   * day again before then replaces it (a live feed may send the day's candle more than once).
   */
  readonly dvol?: readonly DvolCandle[];
  /** Funding settlements received since the previous update; each is held back until bar.tsClose >= ts. */
  readonly funding?: readonly FundingPoint[];
}

/**
 * - `zero`: before the first settlement is known, funding counts as 0 (and the rolling sums
 *   treat unseen settlements as 0). Needed to train on Binance 2022+ when funding history starts
 *   2023-12-18; with live data funding is always there and the mode makes no difference.
 * - `warm-up`: no row until `funding_sum_21` has 21 real settlements.
 */
export type FundingBeforeFirst = 'zero' | 'warm-up';

export interface FeatureOptions {
  /** Bar interval of the instrument's bars (default 4h); annualisation follows it. */
  readonly interval?: BarInterval;
  readonly fundingBeforeFirst?: FundingBeforeFirst;
  /**
   * The newest usable DVOL value or funding settlement may be at most this old at a bar's close
   * (default 2 days); older, the feed has stopped and the pipeline emits no row rather than a
   * stale one. Normal ages are < 24h (DVOL) and < 8h (funding).
   */
  readonly maxInputAgeMs?: number;
}

export interface ResolvedFeatureOptions {
  readonly interval: BarInterval;
  readonly fundingBeforeFirst: FundingBeforeFirst;
  readonly maxInputAgeMs: number;
}

export function resolveFeatureOptions(options: FeatureOptions = {}): ResolvedFeatureOptions {
  const resolved = { interval: options.interval ?? '4h', fundingBeforeFirst: options.fundingBeforeFirst ?? 'zero', maxInputAgeMs: options.maxInputAgeMs ?? 2 * DAY_MS };
  if (!(resolved.maxInputAgeMs > 0)) throw new RangeError(`maxInputAgeMs must be positive, got ${resolved.maxInputAgeMs}`);
  return resolved;
}

const MAX_RETURN_HORIZON = Math.max(...RETURN_HORIZONS);
const MAX_BTC_HORIZON = Math.max(...BTC_RETURN_HORIZONS);
const LOG_RETURN_WINDOW = Math.max(...RV_WINDOWS, DVOL_RV_WINDOW);
const VOLUME_WINDOW = Math.max(...VOLUME_Z_WINDOWS);
const FUNDING_WINDOW = Math.max(...FUNDING_SUM_WINDOWS);
const MAX_DVOL_LOOKBACK_MS = Math.max(...DVOL_CHANGE_DAYS) * DAY_MS;
const TWO_PI = 2 * Math.PI;

interface DvolPoint {
  readonly dayOpen: number;
  /** DVOL as an annualised fraction (70.91 → 0.7091), the unit of `rv_*`. */
  readonly vol: number;
}

/**
 * The single feature definition for one instrument. Live, `update` is called once per closed
 * bar; in training, `buildFeatureMatrix` folds the very same `update` over the history, so the
 * two cannot disagree. Every value at bar t is a function of inputs known at t's close only:
 * bars up to t, DVOL days closed by then, funding settled by then. `null` means no row yet
 * (warm-up) or none possible (a stale DVOL/funding feed).
 */
export class FeaturePipeline {
  readonly names: readonly string[];
  readonly options: ResolvedFeatureOptions;
  private readonly intervalMs: number;
  private readonly annualise: number;

  private lastTsOpen: number | null = null;
  private barCount = 0;
  private readonly closes = new RingWindow(Math.max(MAX_RETURN_HORIZON, BOLLINGER.period) + 1);
  private readonly logReturns = new RingWindow(LOG_RETURN_WINDOW);
  private readonly logVolumes = new RingWindow(VOLUME_WINDOW);
  private readonly atr = new WilderAtr(ATR_PERIOD);
  private readonly rsi = new WilderRsi(RSI_PERIOD);
  private readonly macd = new Macd(MACD_PERIODS.fast, MACD_PERIODS.slow, MACD_PERIODS.signal);
  private readonly btcCloses = new RingWindow(MAX_BTC_HORIZON + 1);

  private readonly dvolPending: DvolCandle[] = [];
  private readonly dvolKnown: DvolPoint[] = [];
  private lastDvolDay = -Infinity;

  private readonly fundingPending: FundingPoint[] = [];
  private readonly fundingWindow = new RingWindow(FUNDING_WINDOW);
  private fundingSettled = 0;
  private lastFundingTs = -Infinity;
  private lastFundingPushed: FundingPoint | null = null;

  constructor(
    readonly spec: FeatureSpec,
    options: FeatureOptions = {},
  ) {
    this.options = resolveFeatureOptions(options);
    this.names = featureNames(spec);
    this.intervalMs = BAR_INTERVALS[this.options.interval];
    this.annualise = Math.sqrt((365 * DAY_MS) / this.intervalMs);
    if (this.options.fundingBeforeFirst === 'zero') this.fundingWindow.fill(0);
  }

  get width(): number {
    return this.names.length;
  }

  /** Bars consumed so far (emitted or not). */
  get barsSeen(): number {
    return this.barCount;
  }

  /**
   * Consumes one closed bar (and whatever DVOL/funding arrived with it) and returns that bar's
   * row, a fresh array the caller may keep. Bad inputs throw a FeatureInputError; the pipeline
   * is then in an unknown state and must be rebuilt (re-seeded), never reused.
   */
  update(inputs: FeatureInputs): Float64Array | null {
    const { bar } = inputs;
    this.checkBar(bar, 'bar');
    if (this.lastTsOpen !== null) {
      if (bar.tsOpen <= this.lastTsOpen) throw new FeatureInputError('FEATURES.BAR_OUT_OF_ORDER', `bar ${bar.tsOpen} is not after the previous bar ${this.lastTsOpen}`);
      if (bar.tsOpen !== this.lastTsOpen + this.intervalMs) {
        throw new FeatureInputError('FEATURES.BAR_GAP', `bar ${bar.tsOpen} follows ${this.lastTsOpen}: ${(bar.tsOpen - this.lastTsOpen) / this.intervalMs - 1} bar(s) missing; seed a new pipeline`);
      }
    }
    let btc: FeatureBar | null = null;
    if (this.spec.crossAsset) {
      btc = inputs.btcBar ?? null;
      if (btc === null) throw new FeatureInputError('FEATURES.MISSING_BTC_BAR', `no BTC bar for ${this.spec.base} bar ${bar.tsOpen}`);
      this.checkBar(btc, 'btcBar');
      if (btc.tsOpen !== bar.tsOpen) throw new FeatureInputError('FEATURES.BTC_BAR_MISALIGNED', `BTC bar ${btc.tsOpen} handed in with ${this.spec.base} bar ${bar.tsOpen}`);
    }
    for (const candle of inputs.dvol ?? []) this.receiveDvol(candle);
    for (const point of inputs.funding ?? []) this.receiveFunding(point);

    this.lastTsOpen = bar.tsOpen;
    this.barCount++;
    this.advanceBars(bar, btc);
    this.releaseDvol(bar.tsClose);
    this.releaseFunding(bar.tsClose);
    return this.ready(bar.tsClose) ? this.row(bar, btc) : null;
  }

  private advanceBars(bar: FeatureBar, btc: FeatureBar | null): void {
    if (this.closes.size > 0) this.logReturns.push(Math.log(bar.close / this.closes.get(0)));
    this.closes.push(bar.close);
    this.logVolumes.push(Math.log1p(bar.volume));
    this.atr.update(bar.high, bar.low, bar.close);
    this.rsi.update(bar.close);
    this.macd.update(bar.close);
    if (btc) this.btcCloses.push(btc.close);
  }

  private ready(tsClose: number): boolean {
    if (this.closes.size <= MAX_RETURN_HORIZON || !this.logReturns.full || !this.logVolumes.full) return false;
    if (!this.atr.ready || !this.rsi.ready || !this.macd.ready) return false;
    if (this.spec.crossAsset && this.btcCloses.size <= MAX_BTC_HORIZON) return false;
    const dvol = this.dvolKnown[this.dvolKnown.length - 1];
    if (!dvol || tsClose - dvolKnownAt(dvol) > this.options.maxInputAgeMs) return false;
    if (this.dvolAtOrBefore(dvol.dayOpen - MAX_DVOL_LOOKBACK_MS) === null) return false;
    if (this.fundingSettled > 0 && tsClose - this.lastFundingTs > this.options.maxInputAgeMs) return false;
    return this.options.fundingBeforeFirst === 'zero' || this.fundingSettled >= FUNDING_WINDOW;
  }

  private row(bar: FeatureBar, btc: FeatureBar | null): Float64Array {
    const out = new Float64Array(this.names.length);
    let j = 0;
    const c = bar.close;
    for (const h of RETURN_HORIZONS) out[j++] = Math.log(c / this.closes.get(h));
    for (const w of RV_WINDOWS) out[j++] = this.logReturns.rms(w) * this.annualise;
    out[j++] = this.atr.value / c;
    out[j++] = this.rsi.value;
    const line = this.macd.line;
    const signal = this.macd.signal;
    out[j++] = line / c;
    out[j++] = signal / c;
    out[j++] = (line - signal) / c;
    const bb = this.closes.meanStd(BOLLINGER.period);
    out[j++] = bb.std > 0 ? (c - (bb.mean - BOLLINGER.width * bb.std)) / (2 * BOLLINGER.width * bb.std) : 0.5;
    const logVolume = this.logVolumes.get(0);
    for (const w of VOLUME_Z_WINDOWS) {
      const v = this.logVolumes.meanStd(w);
      out[j++] = v.std > 0 ? (logVolume - v.mean) / v.std : 0;
    }
    const dvol = this.dvolKnown[this.dvolKnown.length - 1]!;
    out[j++] = dvol.vol;
    for (const d of DVOL_CHANGE_DAYS) out[j++] = Math.log(dvol.vol / this.dvolAtOrBefore(dvol.dayOpen - d * DAY_MS)!.vol);
    out[j++] = dvol.vol - this.logReturns.rms(DVOL_RV_WINDOW) * this.annualise;
    out[j++] = this.fundingWindow.get(0);
    for (const n of FUNDING_SUM_WINDOWS) out[j++] = this.fundingWindow.sum(n);
    if (btc) for (const h of BTC_RETURN_HORIZONS) out[j++] = Math.log(this.btcCloses.get(0) / this.btcCloses.get(h));
    // The bar's slot (its open time, as the data files key bars): "the 20:00 bar", "Sunday".
    const timeOfDay = (((bar.tsOpen % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
    const dayOfWeek = (((Math.floor(bar.tsOpen / DAY_MS) + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday = 0
    out[j++] = Math.sin(TWO_PI * timeOfDay);
    out[j++] = Math.cos(TWO_PI * timeOfDay);
    out[j++] = Math.sin((TWO_PI * dayOfWeek) / 7);
    out[j++] = Math.cos((TWO_PI * dayOfWeek) / 7);
    if (j !== out.length) throw new Error(`feature row filled ${j} of ${out.length} columns: names and values are out of step`);
    for (let k = 0; k < out.length; k++) {
      if (!Number.isFinite(out[k]!)) throw new FeatureInputError('FEATURES.NOT_FINITE', `${this.names[k]} = ${out[k]} at bar ${bar.tsOpen}`);
    }
    return out;
  }

  private receiveDvol(candle: DvolCandle): void {
    if (!Number.isSafeInteger(candle.dayOpen) || candle.dayOpen % DAY_MS !== 0) throw new FeatureInputError('FEATURES.BAD_DVOL', `DVOL day ${candle.dayOpen} is not a UTC day open`);
    if (!Number.isFinite(candle.close) || candle.close <= 0) throw new FeatureInputError('FEATURES.BAD_DVOL', `DVOL close ${candle.close} for day ${candle.dayOpen} is not a positive number`);
    if (candle.dayOpen > this.lastDvolDay) {
      this.dvolPending.push(candle);
      this.lastDvolDay = candle.dayOpen;
      return;
    }
    const pending = this.dvolPending[this.dvolPending.length - 1];
    if (candle.dayOpen === this.lastDvolDay && pending?.dayOpen === candle.dayOpen) {
      this.dvolPending[this.dvolPending.length - 1] = candle;
      return;
    }
    const known = this.dvolKnown[this.dvolKnown.length - 1];
    if (candle.dayOpen === this.lastDvolDay && known?.dayOpen === candle.dayOpen && known.vol === candle.close / 100) return; // a harmless re-send
    throw new FeatureInputError('FEATURES.DVOL_OUT_OF_ORDER', `DVOL day ${candle.dayOpen} arrived after day ${this.lastDvolDay} was received (or revises a day already in use)`);
  }

  private releaseDvol(tsClose: number): void {
    let n = 0;
    while (n < this.dvolPending.length && dvolKnownAt(this.dvolPending[n]!) <= tsClose) {
      const c = this.dvolPending[n++]!;
      this.dvolKnown.push({ dayOpen: c.dayOpen, vol: c.close / 100 });
    }
    if (n > 0) this.dvolPending.splice(0, n);
    // Keep only what the change features can still look up: the newest value at or before the longest lookback.
    const newest = this.dvolKnown[this.dvolKnown.length - 1];
    if (!newest) return;
    const horizon = newest.dayOpen - MAX_DVOL_LOOKBACK_MS;
    let drop = 0;
    while (drop + 1 < this.dvolKnown.length && this.dvolKnown[drop + 1]!.dayOpen <= horizon) drop++;
    if (drop > 0) this.dvolKnown.splice(0, drop);
  }

  /** The newest known DVOL whose day opened at or before `dayOpen` (robust to a missing day). */
  private dvolAtOrBefore(dayOpen: number): DvolPoint | null {
    for (let i = this.dvolKnown.length - 1; i >= 0; i--) if (this.dvolKnown[i]!.dayOpen <= dayOpen) return this.dvolKnown[i]!;
    return null;
  }

  private receiveFunding(point: FundingPoint): void {
    if (!Number.isSafeInteger(point.ts) || !Number.isFinite(point.rate)) throw new FeatureInputError('FEATURES.BAD_FUNDING', `funding ${point.rate} at ${point.ts} is not a number`);
    const last = this.lastFundingPushed;
    if (last !== null && point.ts <= last.ts) {
      if (point.ts === last.ts && point.rate === last.rate) return; // a harmless re-send
      throw new FeatureInputError('FEATURES.FUNDING_OUT_OF_ORDER', `funding at ${point.ts} arrived after ${last.ts}`);
    }
    this.fundingPending.push(point);
    this.lastFundingPushed = point;
  }

  private releaseFunding(tsClose: number): void {
    let n = 0;
    while (n < this.fundingPending.length && this.fundingPending[n]!.ts <= tsClose) {
      const p = this.fundingPending[n++]!;
      this.fundingWindow.push(p.rate);
      this.fundingSettled++;
      this.lastFundingTs = p.ts;
    }
    if (n > 0) this.fundingPending.splice(0, n);
  }

  private checkBar(bar: FeatureBar, what: string): void {
    const { tsOpen, tsClose, open, high, low, close, volume } = bar;
    const ok =
      Number.isSafeInteger(tsOpen) &&
      tsClose === tsOpen + this.intervalMs &&
      [open, high, low, close, volume].every(Number.isFinite) &&
      low > 0 &&
      high >= low &&
      open >= low &&
      open <= high &&
      close >= low &&
      close <= high &&
      volume >= 0;
    if (!ok) throw new FeatureInputError('FEATURES.BAD_BAR', `${what} ${JSON.stringify(bar)} is not a valid ${this.options.interval} bar`);
  }
}
