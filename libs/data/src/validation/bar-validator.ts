import {
  BAR_INTERVALS,
  FixedPointError,
  Price,
  Quantity,
  isBarInterval,
  type Bar,
  type BarInterval,
  type BarRejectionReason,
  type Instrument,
  type InstrumentId,
} from '@lib/model';
import { isRawBar, type BarCandidate, type BarGap, type BarRejection, type BarVerdict, type RawBar, type SourcedBar } from './bar-candidate.js';

const EXPECTED_COLUMNS = 6;
const RAW_STRING_FIELDS = ['instrumentId', 'interval', 'open', 'high', 'low', 'close', 'volume'] as const;
const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;
const INTEGER = /^-?\d+$/;
const MAX_DATE_MS = 8.64e15;
const iso = (ts: number): string => (Math.abs(ts) <= MAX_DATE_MS ? new Date(ts).toISOString() : String(ts));

/** A bar whose content is valid (order not yet judged). */
export type ParsedBarContent = { readonly ok: true; readonly bar: SourcedBar } | BarRejection;
type Content = { readonly ok: true; readonly bar: Bar } | BarRejection;

const anyInstrument = (): boolean => true;

/**
 * The pure, stateless half of validation: shape, numbers, prices, alignment (everything but
 * order). A raw bar that passes becomes a parsed Bar carrying its source and line, so it can be
 * parsed once (e.g. when a backtest loads its files) and re-checked cheaply later.
 */
export function parseBarCandidate(candidate: BarCandidate, isKnownInstrument: (instrumentId: string) => boolean = anyInstrument): ParsedBarContent {
  const content = contentOf(candidate, isKnownInstrument);
  if (!content.ok) return content;
  return { ok: true, bar: { ...content.bar, source: candidate.source ?? 'unknown', line: candidate.line ?? null } };
}

/** Content checks; an accepted bar is a plain Bar (provenance stays out of the cache). */
function contentOf(candidate: BarCandidate, isKnownInstrument: (instrumentId: string) => boolean): Content {
  return isRawBar(candidate) ? parseRaw(candidate, isKnownInstrument) : checkParsed(candidate, isKnownInstrument);
}

/**
 * Validates bars one at a time (plain TypeScript, no I/O). Content checks are pure; the order
 * checks (duplicate, out of order, gap) remember the last ACCEPTED open time per
 * (instrument, interval): a rejected bar leaves that state untouched.
 *
 * A gap is not a rejection: the bar is accepted and the verdict says how many bars are missing.
 */
export class BarValidator {
  private readonly lastTsOpen = new Map<string, number>();

  constructor(private readonly isKnownInstrument: (instrumentId: string) => boolean) {}

  static forInstruments(instruments: Iterable<Instrument | InstrumentId | string>): BarValidator {
    const known = new Set<string>();
    for (const i of instruments) known.add(typeof i === 'string' ? i : i.id);
    return new BarValidator((id) => known.has(id));
  }

  check(candidate: BarCandidate): BarVerdict {
    const content = contentOf(candidate, this.isKnownInstrument);
    if (!content.ok) return content;
    const bar = content.bar;
    const key = `${bar.instrumentId}|${bar.interval}`;
    const last = this.lastTsOpen.get(key);
    let gap: BarGap | null = null;
    if (last !== undefined) {
      if (bar.tsOpen === last) return reject(candidate, bar.tsOpen, 'BAR.DUPLICATE', `tsOpen ${iso(bar.tsOpen)} (${bar.tsOpen}) equals the last accepted bar`);
      if (bar.tsOpen < last) {
        return reject(candidate, bar.tsOpen, 'BAR.OUT_OF_ORDER', `tsOpen ${iso(bar.tsOpen)} (${bar.tsOpen}) is before the last accepted ${iso(last)} (${last})`);
      }
      const ms = BAR_INTERVALS[bar.interval];
      if (bar.tsOpen > last + ms) {
        gap = { instrumentId: bar.instrumentId, interval: bar.interval, fromTsOpen: last + ms, toTsOpen: bar.tsOpen - ms, missingBars: (bar.tsOpen - last) / ms - 1 };
      }
    }
    this.lastTsOpen.set(key, bar.tsOpen);
    return { ok: true, bar, gap };
  }

  /** Open time of the last accepted bar, or null before the first. */
  lastAccepted(instrumentId: string, interval: BarInterval): number | null {
    return this.lastTsOpen.get(`${instrumentId}|${interval}`) ?? null;
  }

  reset(): void {
    this.lastTsOpen.clear();
  }
}

function parseRaw(raw: RawBar, isKnownInstrument: (instrumentId: string) => boolean): Content {
  if (raw.columns !== undefined && raw.columns !== EXPECTED_COLUMNS) {
    return reject(raw, null, 'BAR.MALFORMED', `expected ${EXPECTED_COLUMNS} columns (timestamp,open,high,low,close,volume), got ${raw.columns}`);
  }
  for (const field of RAW_STRING_FIELDS) {
    if (typeof raw[field] !== 'string') return reject(raw, null, 'BAR.MALFORMED', `missing field '${field}'`);
  }
  if (typeof raw.ts !== 'string' && typeof raw.ts !== 'number') return reject(raw, null, 'BAR.MALFORMED', `missing field 'ts'`);
  if (!isBarInterval(raw.interval)) return reject(raw, null, 'BAR.MALFORMED', `unknown interval '${raw.interval}'`);
  if (!isKnownInstrument(raw.instrumentId)) return reject(raw, null, 'BAR.UNKNOWN_INSTRUMENT', `instrument '${raw.instrumentId}' is not configured`);

  let tsOpen: number;
  if (typeof raw.ts === 'number') {
    if (!Number.isSafeInteger(raw.ts)) return reject(raw, null, 'BAR.NOT_A_NUMBER', `timestamp ${raw.ts} is not an integer`);
    tsOpen = raw.ts;
  } else {
    const text = raw.ts.trim();
    tsOpen = INTEGER.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(tsOpen)) return reject(raw, null, 'BAR.NOT_A_NUMBER', `timestamp '${raw.ts}' is not an integer`);
  }

  const open = parsePrice(raw.open, 'open');
  if (typeof open === 'string') return reject(raw, tsOpen, 'BAR.NOT_A_NUMBER', open);
  const high = parsePrice(raw.high, 'high');
  if (typeof high === 'string') return reject(raw, tsOpen, 'BAR.NOT_A_NUMBER', high);
  const low = parsePrice(raw.low, 'low');
  if (typeof low === 'string') return reject(raw, tsOpen, 'BAR.NOT_A_NUMBER', low);
  const close = parsePrice(raw.close, 'close');
  if (typeof close === 'string') return reject(raw, tsOpen, 'BAR.NOT_A_NUMBER', close);
  let volume: Quantity | null = null;
  try {
    volume = Quantity.parse(raw.volume);
  } catch (err) {
    // A negative volume is reported after the price checks; anything else is not a number.
    if (!(err instanceof FixedPointError) || err.code !== 'QUANTITY.NEGATIVE') return reject(raw, tsOpen, 'BAR.NOT_A_NUMBER', `volume: ${(err as Error).message}`);
  }

  const failure = checkPrices(open, high, low, close);
  if (failure) return reject(raw, tsOpen, failure.reason, failure.detail);
  if (volume === null) return reject(raw, tsOpen, 'BAR.NEGATIVE_VOLUME', `volume ${raw.volume.trim()} < 0`);
  const interval: BarInterval = raw.interval;
  const misaligned = checkAlignment(tsOpen, interval);
  if (misaligned) return reject(raw, tsOpen, 'BAR.MISALIGNED', misaligned);

  return {
    ok: true,
    bar: {
      instrumentId: raw.instrumentId as InstrumentId,
      interval,
      tsOpen,
      tsClose: tsOpen + BAR_INTERVALS[interval],
      open,
      high,
      low,
      close,
      volume,
    },
  };
}

function checkParsed(bar: SourcedBar, isKnownInstrument: (instrumentId: string) => boolean): Content {
  for (const field of PRICE_FIELDS) {
    if (!(bar[field] instanceof Price)) return reject(bar, null, 'BAR.MALFORMED', `field '${field}' is not a Price`);
  }
  if (!(bar.volume instanceof Quantity)) return reject(bar, null, 'BAR.MALFORMED', `field 'volume' is not a Quantity`);
  if (typeof bar.instrumentId !== 'string') return reject(bar, null, 'BAR.MALFORMED', `missing field 'instrumentId'`);
  if (typeof bar.interval !== 'string' || !isBarInterval(bar.interval)) return reject(bar, null, 'BAR.MALFORMED', `unknown interval '${String(bar.interval)}'`);
  if (!isKnownInstrument(bar.instrumentId)) return reject(bar, null, 'BAR.UNKNOWN_INSTRUMENT', `instrument '${bar.instrumentId}' is not configured`);
  if (!Number.isSafeInteger(bar.tsOpen)) return reject(bar, null, 'BAR.NOT_A_NUMBER', `tsOpen ${bar.tsOpen} is not an integer`);
  if (bar.tsClose !== bar.tsOpen + BAR_INTERVALS[bar.interval]) {
    return reject(bar, bar.tsOpen, 'BAR.MALFORMED', `tsClose ${bar.tsClose} is not tsOpen ${bar.tsOpen} + ${bar.interval}`);
  }
  const failure = checkPrices(bar.open, bar.high, bar.low, bar.close);
  if (failure) return reject(bar, bar.tsOpen, failure.reason, failure.detail);
  const misaligned = checkAlignment(bar.tsOpen, bar.interval);
  if (misaligned) return reject(bar, bar.tsOpen, 'BAR.MISALIGNED', misaligned);
  if (bar.source === undefined && bar.line === undefined) return { ok: true, bar };
  const { instrumentId, interval, tsOpen, tsClose, open, high, low, close, volume } = bar;
  return { ok: true, bar: { instrumentId, interval, tsOpen, tsClose, open, high, low, close, volume } };
}

/** Returns the price or, if the text is not an exact decimal, the reason why. */
function parsePrice(text: string, field: string): Price | string {
  try {
    return Price.parse(text);
  } catch (err) {
    if (err instanceof FixedPointError) return `${field} '${text}' is not a decimal number (${err.message})`;
    throw err;
  }
}

type PriceFailure = { readonly reason: BarRejectionReason; readonly detail: string };

function checkPrices(open: Price, high: Price, low: Price, close: Price): PriceFailure | null {
  if (open.raw <= 0n) return nonPositive('open', open);
  if (high.raw <= 0n) return nonPositive('high', high);
  if (low.raw <= 0n) return nonPositive('low', low);
  if (close.raw <= 0n) return nonPositive('close', close);
  if (high.raw < low.raw) return { reason: 'BAR.HIGH_BELOW_LOW', detail: `high ${high} < low ${low}` };
  if (open.raw < low.raw || open.raw > high.raw) return { reason: 'BAR.OPEN_OUTSIDE_RANGE', detail: `open ${open} outside [low ${low}, high ${high}]` };
  if (close.raw < low.raw || close.raw > high.raw) return { reason: 'BAR.CLOSE_OUTSIDE_RANGE', detail: `close ${close} outside [low ${low}, high ${high}]` };
  return null;
}

const nonPositive = (name: string, p: Price): PriceFailure => ({ reason: 'BAR.NON_POSITIVE_PRICE', detail: `${name} ${p} is not positive` });

function checkAlignment(tsOpen: number, interval: BarInterval): string | null {
  const ms = BAR_INTERVALS[interval];
  const off = ((tsOpen % ms) + ms) % ms;
  return off === 0 ? null : `tsOpen ${iso(tsOpen)} (${tsOpen}) is not on the ${interval} grid (${off} ms past ${iso(tsOpen - off)})`;
}

function reject(candidate: BarCandidate, tsOpen: number | null, reason: BarRejectionReason, detail: string): BarRejection {
  return {
    ok: false,
    reason,
    detail,
    instrumentId: typeof candidate.instrumentId === 'string' ? candidate.instrumentId : '',
    interval: typeof candidate.interval === 'string' ? candidate.interval : '',
    source: candidate.source ?? 'unknown',
    line: candidate.line ?? null,
    tsOpen,
  };
}
