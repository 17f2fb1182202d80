import { Counter, Gauge, register, type Registry } from 'prom-client';

/**
 * Process-wide trading metrics on the default prom-client registry (the one /metrics serves).
 * Created once per process: several backtest contexts in one trader share the same series,
 * told apart by their labels.
 */
export class TradingMetrics {
  readonly barsProcessed: Counter<'instrument'>;
  readonly barsRejected: Counter<'instrument' | 'reason'>;
  readonly orders: Counter<'instrument' | 'strategy' | 'status'>;
  readonly denials: Counter<'instrument' | 'reason'>;
  readonly fills: Counter<'instrument' | 'side'>;
  readonly equity: Gauge<'run'>;
  readonly runs: Counter<'mode' | 'status'>;
  readonly modelFallbacks: Counter<'model' | 'tier'>;

  private constructor(registry: Registry) {
    const registers = [registry];
    this.barsProcessed = new Counter({ name: 'tm_bars_processed_total', help: 'Bars accepted and published', labelNames: ['instrument'], registers });
    this.barsRejected = new Counter({ name: 'tm_bars_rejected_total', help: 'Bars rejected by validation', labelNames: ['instrument', 'reason'], registers });
    this.orders = new Counter({ name: 'tm_orders_total', help: 'Order lifecycle events by resulting status', labelNames: ['instrument', 'strategy', 'status'], registers });
    this.denials = new Counter({ name: 'tm_order_denials_total', help: 'Orders denied by pre-trade risk', labelNames: ['instrument', 'reason'], registers });
    this.fills = new Counter({ name: 'tm_fills_total', help: 'Fills reported by the venue', labelNames: ['instrument', 'side'], registers });
    this.equity = new Gauge({ name: 'tm_equity', help: 'Account equity marked at the last bar (settlement currency)', labelNames: ['run'], registers });
    this.modelFallbacks = new Counter({ name: 'tm_model_fallbacks_total', help: 'Model loads served below the Production tier, by tier', labelNames: ['model', 'tier'], registers });
    this.runs = new Counter({ name: 'tm_runs_total', help: 'Runs by mode and final status', labelNames: ['mode', 'status'], registers });
  }

  private static instance: TradingMetrics | null = null;

  static shared(): TradingMetrics {
    TradingMetrics.instance ??= new TradingMetrics(register);
    return TradingMetrics.instance;
  }
}
