import type { JsonObject } from '@lib/model';

export interface BacktestRequest {
  /** Folder of CSV files; ignored when `catalog` is set. */
  readonly dataDir: string;
  /** Read bars and funding from the bar catalog in the store (filled by `npm run import` / `npm run ingest`). */
  readonly catalog?: boolean;
  readonly source: string;
  readonly interval: '1h' | '4h' | '1d';
  /** Instrument ids, e.g. BTCUSDT-PERP.BYBIT; empty = every configured instrument. */
  readonly instruments: readonly string[];
  readonly from: number | null;
  readonly to: number | null;
  readonly initialCapital: string;
  readonly runId?: string;
  /**
   * Prime regimes, the risk model and the strategy with the bars before `from` (default true).
   * Off, a run starts cold: what a comparison of two sources with different history needs.
   */
  readonly warmUp?: boolean;
}

export interface BacktestSummary extends JsonObject {
  runId: string;
  strategy: string;
  source: string;
  interval: string;
  instruments: string[];
  from: string | null;
  to: string | null;
  bars: number;
  barsRejected: number;
  rejectionsByReason: { [reason: string]: number };
  fundingEvents: number;
  orders: number;
  fills: number;
  denied: number;
  /** Orders canceled (e.g. working when the circuit breaker flattened the book). */
  canceled: number;
  deniedByReason: { [reason: string]: number };
  /** Times the drawdown circuit breaker opened (drawdown or operator). */
  breakerTrips: number;
  initialCapital: string;
  finalEquity: string;
  totalReturn: number | null;
  cagr: number | null;
  annualVolatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number | null;
  maxDrawdownPeak: string | null;
  maxDrawdownTrough: string | null;
  maxDrawdownRecovery: string | null;
  calmar: number | null;
  winRate: number | null;
  profitFactor: number | null;
  turnover: number | null;
  exposure: number | null;
  fees: string;
  funding: string;
  events: number;
  eventStreamHash: string;
  stateHash: string;
  wallSeconds: number;
  barsPerSec: number;
}
