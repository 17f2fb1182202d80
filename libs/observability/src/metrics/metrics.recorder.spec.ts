import { register } from 'prom-client';
import { runBacktest } from '../../../../test/support/run-backtest.js';
import { DATA_DIR, tempSqlite } from '../../../../test/support/databases.js';
import { TradingMetrics, metricFamilies } from './trading-metrics.js';

/** Values of one family, as {labels, value} rows. */
async function series(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = register.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const data = await metric.get();
  return data.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}
const sum = (rows: Array<{ value: number }>): number => rows.reduce((acc, r) => acc + r.value, 0);
const one = async (name: string, labels: Record<string, string>): Promise<number | undefined> =>
  (await series(name)).find((r) => Object.entries(labels).every(([k, v]) => r.labels[k] === v))?.value;

const BTC = 'BTCUSDT-PERP.BYBIT';
const ETH = 'ETHUSDT-PERP.BYBIT';

describe('MetricsRecorder on a real backtest (bybit 4h, Jan-Apr 2024, with funding)', () => {
  const store = tempSqlite();
  let finalEquity = 0;
  let fills = 0;
  let bars = 0;

  beforeAll(async () => {
    TradingMetrics.shared();
    const run = await runBacktest(store.url, { dataDir: DATA_DIR, source: 'bybit', interval: '4h', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 3, 1), warmUp: false });
    finalEquity = Number(run.outcome.summary.finalEquity.split(' ')[0]);
    fills = run.outcome.summary.fills as number;
    bars = run.outcome.summary.bars as number;
  }, 120_000);
  afterAll(() => store.dispose());

  it('counts every bar per instrument and records the last bar time', async () => {
    const processed = await series('tm_bars_processed_total');
    expect(sum(processed)).toBe(bars);
    expect(processed.map((r) => r.labels.instrument).sort()).toEqual(expect.arrayContaining([BTC, ETH]));
    const last = await one('tm_last_bar_timestamp_seconds', { instrument: BTC });
    expect(last).toBeGreaterThan(Date.UTC(2024, 2, 30) / 1000);
    expect(last).toBeLessThanOrEqual(Date.UTC(2024, 3, 1) / 1000);
    // Wall-clock age of historical data: at least the time since the window ended.
    expect(await one('tm_market_data_age_seconds', { instrument: BTC })).toBeGreaterThan((Date.now() - Date.UTC(2024, 3, 1)) / 1000 - 1);
  });

  it('counts orders, fills by side, notional and fees consistent with the run summary', async () => {
    const fillRows = await series('tm_fills_total');
    expect(sum(fillRows)).toBe(fills);
    expect(fills).toBeGreaterThan(0);
    expect(fillRows.every((r) => r.labels.strategy !== undefined && (r.labels.side === 'BUY' || r.labels.side === 'SELL'))).toBe(true);
    const orders = await series('tm_orders_total');
    expect(sum(orders.filter((r) => r.labels.status === 'FILLED'))).toBeGreaterThan(0);
    expect(sum(orders.filter((r) => r.labels.status === 'INITIALIZED'))).toBeGreaterThanOrEqual(sum(orders.filter((r) => r.labels.status === 'FILLED')));
    const notional = sum(await series('tm_fill_notional_total'));
    expect(notional).toBeGreaterThan(1000);
    const fees = sum(await series('tm_fees_total'));
    // Taker fees are a few basis points of the traded notional.
    expect(fees / notional).toBeGreaterThan(0.00005);
    expect(fees / notional).toBeLessThan(0.002);
    for (const row of await series('tm_open_orders')) expect(row.value).toBe(0);
  });

  it('marks equity, drawdown and exposure at the last bar as the run ended', async () => {
    const equity = await one('tm_equity', { mode: 'backtest' });
    expect(equity).toBeCloseTo(finalEquity, 2);
    const drawdown = (await one('tm_drawdown_ratio', { mode: 'backtest' }))!;
    expect(drawdown).toBeGreaterThanOrEqual(0);
    expect(drawdown).toBeLessThan(1);
    const gross = (await one('tm_gross_exposure_ratio', { mode: 'backtest' }))!;
    expect(gross).toBeGreaterThanOrEqual(0);
    expect(gross).toBeLessThan(10);
  });

  it('tracks positions, PnL and funding per instrument', async () => {
    const quantities = await series('tm_position_quantity');
    expect(quantities.map((r) => r.labels.instrument)).toEqual(expect.arrayContaining([BTC, ETH]));
    const realized = sum(await series('tm_realized_pnl'));
    const unrealized = sum(await series('tm_unrealized_pnl'));
    const funding = sum(await series('tm_funding_paid'));
    // Equity = capital + realized + unrealized - fees - funding paid (fees of this run only: one run in this process).
    const fees = sum(await series('tm_fees_total'));
    expect(100_000 + realized + unrealized - fees - funding).toBeCloseTo(finalEquity, 0);
    for (const row of quantities) {
      const notional = await one('tm_position_notional', { instrument: String(row.labels.instrument) });
      expect(notional === 0).toBe(row.value === 0);
    }
  });

  it('shows the breaker and trading state, run activity and store progress', async () => {
    expect([0, 1, 2]).toContain(await one('tm_breaker_state', { mode: 'backtest' }));
    expect([0, 1, 2]).toContain(await one('tm_trading_state', { mode: 'backtest' }));
    expect(await one('tm_runs_active', { mode: 'backtest' })).toBe(0);
    const stored = sum(await series('tm_events_stored_total'));
    expect(stored).toBeGreaterThan(bars);
    expect(sum(await series('tm_event_store_lag_events'))).toBe(0);
    // The run's DataSource reported its statements, including the event store's appends.
    const appends = (await register.getSingleMetric('tm_event_store_append_seconds')!.get()).values.find((v) => (v as { metricName?: string }).metricName === 'tm_event_store_append_seconds_count');
    expect(appends?.value).toBeGreaterThan(0);
    const queries = (await register.getSingleMetric('tm_db_query_seconds')!.get()).values.filter((v) => (v as { metricName?: string }).metricName === 'tm_db_query_seconds_count');
    expect(queries.map((q) => q.labels.operation)).toEqual(expect.arrayContaining(['events.append', 'runs.create']));
  });

  it('registers at least 40 tm_ families, each once, with bounded label names', () => {
    const families = metricFamilies().filter((f) => f.name.startsWith('tm_'));
    expect(families.length).toBeGreaterThanOrEqual(40);
    for (const f of families) {
      expect(f.labels).not.toContain('run');
      expect(f.labels).not.toContain('runId');
      expect(f.labels).not.toContain('clientOrderId');
      expect(f.help.length).toBeGreaterThan(5);
    }
  });
});
