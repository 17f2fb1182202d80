/**
 * Why an ingestion from Bybit stopped. Every message names the symbol (and, for an exchange
 * rejection, Bybit's own retCode/retMsg), so a failed `npm run ingest` says what to fix.
 */
export type BybitHistoryErrorCode =
  /** Not one of the perpetuals in config/markets/bybit-linear.json. */
  | 'BYBIT.UNKNOWN_INSTRUMENT'
  /** Bybit answered with an error (ccxt ExchangeError / BadRequest / BadSymbol): not retried. */
  | 'BYBIT.REJECTED'
  /** Network errors, HTTP 5xx or rate limits persisted after every retry. */
  | 'BYBIT.RETRIES_EXHAUSTED'
  /** A response that is not in Bybit's v5 format (a field missing, a price that is not a decimal string). */
  | 'BYBIT.BAD_RESPONSE'
  /** Bad options (interval, dates, base URL, markets file). */
  | 'BYBIT.BAD_REQUEST';

export class BybitHistoryError extends Error {
  constructor(
    readonly code: BybitHistoryErrorCode,
    message: string,
    readonly symbol: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BybitHistoryError';
  }
}
