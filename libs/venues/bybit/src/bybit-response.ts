import { BybitHistoryError } from './bybit-errors.js';

/** One candle as Bybit printed it: open time in ms, prices and base volume as decimal strings. */
export interface OhlcvRow {
  readonly ts: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
}

/** One funding settlement: its time in ms and the rate (fraction per interval) as Bybit printed it. */
export interface FundingRow {
  readonly ts: number;
  readonly rate: string;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(symbol: string, what: string): never {
  throw new BybitHistoryError('BYBIT.BAD_RESPONSE', `${symbol}: unexpected Bybit response: ${what}`, symbol);
}

function resultList(response: unknown, symbol: string): unknown[] {
  if (!isRecord(response)) bad(symbol, 'not a JSON object');
  const result = response.result;
  if (!isRecord(result)) bad(symbol, 'no result object');
  const list = result.list;
  if (!Array.isArray(list)) bad(symbol, 'no result.list array');
  return list;
}

function decimal(value: unknown, symbol: string, field: string): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) bad(symbol, `${field} ${JSON.stringify(value)} is not a decimal string`);
  return value;
}

function timestamp(value: unknown, symbol: string, field: string): number {
  const ms = typeof value === 'string' && INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(ms)) bad(symbol, `${field} ${JSON.stringify(value)} is not a timestamp in ms`);
  return ms;
}

/**
 * Rows of a raw `GET /v5/market/kline` answer (`result.list` of
 * `[startTime, open, high, low, close, volume, turnover]`, newest first, every field a string).
 * The strings are kept exactly: this is the route by which no float ever touches a stored price
 * (ccxt's unified fetchOHLCV would turn them into JavaScript numbers).
 */
export function parseKlineResponse(response: unknown, symbol: string): OhlcvRow[] {
  return resultList(response, symbol).map((entry, i) => {
    if (!Array.isArray(entry) || entry.length < 6) bad(symbol, `kline list[${i}] is not [startTime, open, high, low, close, volume, …]`);
    const [ts, open, high, low, close, volume] = entry as unknown[];
    return {
      ts: timestamp(ts, symbol, `list[${i}].startTime`),
      open: decimal(open, symbol, `list[${i}].open`),
      high: decimal(high, symbol, `list[${i}].high`),
      low: decimal(low, symbol, `list[${i}].low`),
      close: decimal(close, symbol, `list[${i}].close`),
      volume: decimal(volume, symbol, `list[${i}].volume`),
    };
  });
}

/** Rows of a raw `GET /v5/market/funding/history` answer (`{symbol, fundingRate, fundingRateTimestamp}`, newest first). */
export function parseFundingResponse(response: unknown, symbol: string): FundingRow[] {
  return resultList(response, symbol).map((entry, i) => {
    if (!isRecord(entry)) bad(symbol, `funding list[${i}] is not an object`);
    if (entry.symbol !== undefined && entry.symbol !== symbol) bad(symbol, `funding list[${i}] is for ${String(entry.symbol)}`);
    return {
      ts: timestamp(entry.fundingRateTimestamp, symbol, `list[${i}].fundingRateTimestamp`),
      rate: decimal(entry.fundingRate, symbol, `list[${i}].fundingRate`),
    };
  });
}

/**
 * Bybit's retCode and retMsg from a ccxt exchange error, whose message is `bybit <response body>`;
 * null when the message carries no JSON body.
 */
export function bybitRetInfo(message: string): { retCode: string; retMsg: string } | null {
  const start = message.indexOf('{');
  if (start < 0) return null;
  try {
    const body: unknown = JSON.parse(message.slice(start));
    if (!isRecord(body)) return null;
    const code = body.retCode ?? body.ret_code;
    const msg = body.retMsg ?? body.ret_msg;
    if (code === undefined) return null;
    return { retCode: String(code), retMsg: typeof msg === 'string' ? msg : JSON.stringify(msg) };
  } catch {
    return null;
  }
}
