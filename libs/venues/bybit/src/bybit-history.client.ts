import { bybit as BybitExchange, DDoSProtection, ExchangeError, NetworkError, RateLimitExceeded } from 'ccxt';
import type { BarInterval } from '@lib/model';
import { BybitHistoryError } from './bybit-errors.js';
import { loadMarketsFixture, type BybitPerpetual } from './bybit-markets.js';
import { bybitRetInfo, parseFundingResponse, parseKlineResponse, type FundingRow, type OhlcvRow } from './bybit-response.js';
import { BYBIT_KLINE_INTERVALS, intervalMs } from './intervals.js';
import { fetchWindow, uniqueSorted, windows, type TimeWindow } from './paging.js';

/** Bybit's page maxima: klines 1000, funding history 200. */
export const BYBIT_KLINE_LIMIT = 1000;
export const BYBIT_FUNDING_LIMIT = 200;

export interface BybitRetryEvent {
  readonly symbol: string;
  readonly endpoint: string;
  /** 1-based number of the retry about to be made. */
  readonly attempt: number;
  readonly maxRetries: number;
  readonly delayMs: number;
  /** ccxt error class and message (public request: no credentials in it). */
  readonly error: string;
}

export interface BybitPageEvent {
  readonly symbol: string;
  readonly kind: 'ohlcv' | 'funding';
  /** Rows of this page inside the requested range. */
  readonly rows: number;
  /** Rows fetched so far for this symbol and kind (before de-duplication). */
  readonly fetched: number;
  readonly window: TimeWindow;
}

export interface BybitHistoryClientOptions {
  /** REST base URL, e.g. `http://127.0.0.1:4010`; default `env.BYBIT_API_URL`, else ccxt's `https://api.bybit.com`. */
  readonly baseUrl?: string;
  /** Where BYBIT_API_URL is read from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** ccxt markets JSON (default config/markets/bybit-linear.json). */
  readonly marketsFile?: string;
  /** Rows per kline request, 1..1000 (default 1000). */
  readonly klineLimit?: number;
  /** Rows per funding-history request, 1..200 (default 200). */
  readonly fundingLimit?: number;
  /** Retries after a NetworkError / RateLimitExceeded / DDoSProtection (default 5). */
  readonly maxRetries?: number;
  /** First backoff delay, doubled on each retry up to maxRetryDelayMs (defaults 500 and 8000). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** ccxt request timeout (default 10000). */
  readonly timeoutMs?: number;
  /** Wall clock, for dropping the candle still open (default Date.now). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (event: BybitRetryEvent) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const iso = (ms: number) => new Date(ms).toISOString();

function checkLimit(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${name} must be an integer in 1..${max}, got ${value}`);
  return value;
}

function normaliseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BybitHistoryError('BYBIT.BAD_REQUEST', `Bybit base URL '${text}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BybitHistoryError('BYBIT.BAD_REQUEST', `Bybit base URL '${text}' must be http(s)`);
  if (url.search !== '' || url.hash !== '') throw new BybitHistoryError('BYBIT.BAD_REQUEST', `Bybit base URL '${text}' must not carry a query or fragment`);
  return url.toString().replace(/\/+$/, '');
}

function isRetryable(err: unknown): boolean {
  return err instanceof NetworkError || err instanceof RateLimitExceeded || err instanceof DDoSProtection;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
}

/**
 * Public market history of Bybit USDT linear perpetuals through ccxt's `bybit` (no API key: the
 * exchange is constructed without credentials and only public endpoints are called).
 *
 * - Markets come from a shipped JSON file via `setMarkets`, so no instruments request is made.
 * - Candles and funding are fetched with ccxt's implicit v5 methods (`publicGetV5MarketKline`,
 *   `publicGetV5MarketFundingHistory`), which go through ccxt's signing, rate limiter and error
 *   mapping but return Bybit's JSON untouched: prices stay the exchange's decimal strings. (The
 *   unified `fetchOHLCV` / `fetchFundingRateHistory` parse them into floats.)
 * - Paging: consecutive time windows of at most `limit` rows each (limit 1000 for klines, 200 for
 *   funding), advancing from `from` until `to`; a full page that might have been cut short is
 *   narrowed and fetched again (see fetchWindow); overlaps are de-duplicated by timestamp and the
 *   result is sorted ascending.
 * - NetworkError / RateLimitExceeded / DDoSProtection (HTTP 5xx, timeouts, retCode 10006) are
 *   retried with exponential backoff, at most `maxRetries` times; an ExchangeError (BadRequest,
 *   BadSymbol, any other retCode) fails at once with the symbol and Bybit's retCode and message.
 */
export class BybitHistoryClient {
  /** The ccxt exchange (exposed so tests can guard its `fetch`). */
  readonly exchange: BybitExchange;
  /** Where requests go (scheme://host[:port][/path]). */
  readonly baseUrl: string;
  private readonly byId = new Map<string, BybitPerpetual>();
  private readonly bySymbol = new Map<string, BybitPerpetual>();
  private readonly klineLimit: number;
  private readonly fundingLimit: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRetry: ((event: BybitRetryEvent) => void) | undefined;

  constructor(options: BybitHistoryClientOptions = {}) {
    const env = options.env ?? process.env;
    this.klineLimit = checkLimit('klineLimit', options.klineLimit ?? BYBIT_KLINE_LIMIT, BYBIT_KLINE_LIMIT);
    this.fundingLimit = checkLimit('fundingLimit', options.fundingLimit ?? BYBIT_FUNDING_LIMIT, BYBIT_FUNDING_LIMIT);
    this.maxRetries = options.maxRetries ?? 5;
    if (!Number.isSafeInteger(this.maxRetries) || this.maxRetries < 0) throw new BybitHistoryError('BYBIT.BAD_REQUEST', `maxRetries must be an integer ≥ 0, got ${this.maxRetries}`);
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 8000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.onRetry = options.onRetry;

    const fixture = loadMarketsFixture(options.marketsFile);
    for (const p of fixture.perpetuals) {
      this.byId.set(p.id, p);
      this.bySymbol.set(p.symbol, p);
    }
    // No apiKey/secret: public data only, so there is nothing to leak into a log.
    this.exchange = new BybitExchange({ enableRateLimit: true, timeout: options.timeoutMs ?? 10_000 });
    this.exchange.setMarkets(fixture.markets);
    const override = options.baseUrl ?? (env.BYBIT_API_URL || undefined);
    if (override !== undefined) {
      this.baseUrl = normaliseBaseUrl(override);
      // Every REST family of the exchange (public, private, spot, …) at the override, so no request can reach bybit.com.
      const api = this.exchange.urls.api;
      for (const key of Object.keys(api)) api[key] = this.baseUrl;
    } else {
      const api = this.exchange.urls.api;
      const pub = typeof api.public === 'string' ? api.public : 'https://api.{hostname}';
      this.baseUrl = pub.replace('{hostname}', String(this.exchange.hostname ?? 'bybit.com'));
    }
  }

  /** The perpetuals of the markets file. */
  perpetuals(): BybitPerpetual[] {
    return [...this.byId.values()];
  }

  /** `BTCUSDT`, `BTC/USDT:USDT` or `BTCUSDT-PERP.BYBIT` → the perpetual; a clear error otherwise. */
  resolve(instrument: string): BybitPerpetual {
    const text = instrument.trim();
    const id = text.toUpperCase().replace(/-PERP(\.BYBIT)?$/, '');
    const found = this.bySymbol.get(text) ?? this.byId.get(id);
    if (found) return found;
    throw new BybitHistoryError(
      'BYBIT.UNKNOWN_INSTRUMENT',
      `unknown instrument '${instrument}': not a Bybit USDT linear perpetual of config/markets/bybit-linear.json (known: ${[...this.byId.keys()].join(', ')})`,
      text,
    );
  }

  /**
   * Closed candles opening in [from, to): only bars whose close time ≤ now (the candle still open is
   * dropped), unique, ascending, prices as Bybit's decimal strings.
   */
  async fetchOHLCV(instrument: string, interval: BarInterval, from: number, to: number, onPage?: (event: BybitPageEvent) => void): Promise<OhlcvRow[]> {
    const market = this.resolve(instrument);
    const code = BYBIT_KLINE_INTERVALS[interval];
    if (code === undefined) throw new BybitHistoryError('BYBIT.BAD_REQUEST', `interval '${interval}' is not a Bybit kline interval`, market.id);
    checkRange(from, to, market.id);
    const ms = intervalMs(interval);
    const now = this.now();
    const first = Math.ceil(from / ms) * ms;
    const lastOpen = Math.min(Math.floor((to - 1) / ms) * ms, Math.floor((now - ms) / ms) * ms);
    const rows: OhlcvRow[] = [];
    for (const window of windows(first, lastOpen, this.klineLimit * ms, (this.klineLimit - 1) * ms)) {
      const page = await this.fetchWindowOf(market.id, window, this.klineLimit, 'ohlcv', (w) =>
        this.request(market.id, '/v5/market/kline', { category: 'linear', symbol: market.id, interval: code, start: w.start, end: w.end, limit: this.klineLimit }).then((r) =>
          parseKlineResponse(r, market.id),
        ),
      );
      rows.push(...page);
      onPage?.({ symbol: market.id, kind: 'ohlcv', rows: page.length, fetched: rows.length, window });
    }
    return uniqueSorted(rows, (r) => r.ts).filter((r) => r.ts >= from && r.ts < to && r.ts + ms <= now);
  }

  /**
   * Funding settlements in (from, to] (the backtest's convention: a funding at `to` settles at the close
   * of the last bar), settled by now, unique, ascending, rates as Bybit's decimal strings.
   */
  async fetchFundingRateHistory(instrument: string, from: number, to: number, onPage?: (event: BybitPageEvent) => void): Promise<FundingRow[]> {
    const market = this.resolve(instrument);
    checkRange(from, to, market.id);
    const now = this.now();
    // Windows of (limit - 1) funding intervals: at most limit - 1 settlements on a regular schedule,
    // so a page is never full unless the interval shortened (then fetchWindow narrows and refetches).
    const span = Math.max(1, this.fundingLimit - 1) * market.fundingIntervalMinutes * 60_000;
    const rows: FundingRow[] = [];
    for (const window of windows(from + 1, Math.min(to, now), span)) {
      const page = await this.fetchWindowOf(market.id, window, this.fundingLimit, 'funding', (w) =>
        this.request(market.id, '/v5/market/funding/history', { category: 'linear', symbol: market.id, startTime: w.start, endTime: w.end, limit: this.fundingLimit }).then((r) =>
          parseFundingResponse(r, market.id),
        ),
      );
      rows.push(...page);
      onPage?.({ symbol: market.id, kind: 'funding', rows: page.length, fetched: rows.length, window });
    }
    return uniqueSorted(rows, (r) => r.ts).filter((r) => r.ts > from && r.ts <= to && r.ts <= now);
  }

  private async fetchWindowOf<T extends { ts: number }>(symbol: string, window: TimeWindow, limit: number, kind: string, page: (w: TimeWindow) => Promise<T[]>): Promise<T[]> {
    try {
      return await fetchWindow(window, limit, page, (r) => r.ts);
    } catch (err) {
      if (err instanceof RangeError) throw new BybitHistoryError('BYBIT.BAD_RESPONSE', `${symbol}: ${kind} ${iso(window.start)} → ${iso(window.end)}: ${err.message}`, symbol, { cause: err });
      throw err;
    }
  }

  /** One public GET through ccxt, retried on transient errors; an exchange rejection fails at once. */
  private async request(symbol: string, path: '/v5/market/kline' | '/v5/market/funding/history', params: Record<string, string | number>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response: unknown =
          path === '/v5/market/kline' ? await this.exchange.publicGetV5MarketKline(params) : await this.exchange.publicGetV5MarketFundingHistory(params);
        return response;
      } catch (err) {
        if (isRetryable(err)) {
          if (attempt >= this.maxRetries) {
            throw new BybitHistoryError(
              'BYBIT.RETRIES_EXHAUSTED',
              `${symbol}: GET ${path} still failing after ${this.maxRetries} ${this.maxRetries === 1 ? 'retry' : 'retries'}: ${describe(err)}`,
              symbol,
              { cause: err },
            );
          }
          const delayMs = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** attempt);
          this.onRetry?.({ symbol, endpoint: path, attempt: attempt + 1, maxRetries: this.maxRetries, delayMs, error: describe(err) });
          await this.sleep(delayMs);
          continue;
        }
        if (err instanceof ExchangeError) {
          const ret = bybitRetInfo(err.message);
          const reason = ret ? `retCode ${ret.retCode} "${ret.retMsg}"` : err.message;
          throw new BybitHistoryError('BYBIT.REJECTED', `${symbol}: Bybit rejected GET ${path} (${err.constructor.name}): ${reason}`, symbol, { cause: err });
        }
        throw err;
      }
    }
  }
}

function checkRange(from: number, to: number, symbol: string): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) {
    throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${symbol}: bad range ${from} → ${to} (need integer ms, from < to)`, symbol);
  }
}
