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
  deniedByReason: { [reason: string]: number };
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
