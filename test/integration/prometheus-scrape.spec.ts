import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, tempSqlite } from '../support/databases.js';
import { startTrader, type TraderProcess } from '../support/trader-process.js';
import { eventually, startPrometheus, type PrometheusProcess } from '../support/prometheus.js';

const API_KEY = 'scrape-test-operate-key-0123456789';
const INSTRUMENTS = ['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT', 'SOLUSDT-PERP.BYBIT'];

/**
 * A real Prometheus scrapes the built trader every second while the trader runs a backtest on
 * real bybit data through its API; the series must arrive in Prometheus with sane values.
 * Regime fitting is shortened and the breaker tightened (TM_CONFIG) so regime and breaker series
 * move within a three-month window.
 */
describe('Prometheus scrapes the trader', () => {
  const store = tempSqlite();
  let trader: TraderProcess;
  let prometheus: PrometheusProcess;

  beforeAll(async () => {
    const configFile = join(store.url.replace(/^sqlite:/, '').replace(/store\.sqlite$/, ''), 'trader.json');
    writeFileSync(configFile, JSON.stringify({ regime: { minBars: 300, refitBars: 540 }, breaker: { threshold: 0.02 } }));
    trader = await startTrader({ DATABASE_URL: store.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR, TM_CONFIG: configFile, LOG_LEVEL: 'warn' });
    prometheus = await startPrometheus([new URL(trader.baseUrl).host]);
  }, 45_000);

  afterAll(async () => {
    await prometheus?.stop();
    await trader?.stop();
    store.dispose();
  });

  it('ingests the trading, store, HTTP and process series of a backtest run through the API', async () => {
    const headers = { 'x-api-key': API_KEY, 'content-type': 'application/json' };
    await eventually('up == 1', async () => ((await prometheus.query('up{job="trader"} == 1')).length === 1 ? true : undefined));

    const started = await fetch(`${trader.baseUrl}/runs`, { method: 'POST', headers, body: JSON.stringify({ source: 'bybit', interval: '4h', from: '2024-03-01', to: '2024-06-01' }) });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const run = await eventually(
      `run ${runId} to finish`,
      async () => {
        const body = (await (await fetch(`${trader.baseUrl}/runs/${runId}`, { headers })).json()) as { status: string; summary: { bars: number; fills: number; finalEquity: string } | null };
        return body.status === 'RUNNING' || body.status === 'QUEUED' || body.status === undefined ? undefined : body;
      },
      30_000,
    );
    expect(run.status).toBe('COMPLETED');
    const finalEquity = Number(run.summary!.finalEquity.split(' ')[0]);

    // Bars per instrument: every instrument of the run, all bars of the run.
    const bars = await eventually('tm_bars_processed_total per instrument', async () => {
      const rows = await prometheus.query('tm_bars_processed_total');
      return rows.length === INSTRUMENTS.length && rows.every((r) => r.value > 0) && rows.reduce((a, r) => a + r.value, 0) === run.summary!.bars ? rows : undefined;
    });
    expect(bars.map((r) => r.metric.instrument).sort()).toEqual(INSTRUMENTS);
    // The values Prometheus holds are those of the finished run.
    const fills = await prometheus.query('sum(tm_fills_total)');
    expect(fills[0]?.value).toBe(run.summary!.fills);
    const equity = await prometheus.query('tm_equity{mode="backtest"}');
    expect(equity[0]?.value).toBeCloseTo(finalEquity, 2);
    expect((await prometheus.query('sum(tm_fees_total) > 0')).length).toBe(1);
    expect((await prometheus.query('tm_breaker_trips_total{mode="backtest"} > 0')).length).toBe(1);
    expect((await prometheus.query('tm_runs_total{mode="backtest",status="COMPLETED"}'))[0]?.value).toBe(1);
    expect((await prometheus.query('tm_runs_active{mode="backtest"}'))[0]?.value).toBe(0);
    expect((await prometheus.query('tm_events_stored_total > 1000')).length).toBe(1);
    expect((await prometheus.query('count(tm_regime_state)'))[0]?.value).toBe(INSTRUMENTS.length);
    // Route templates, never raw paths: the run id must not become a label value.
    const routes = await eventually('tm_http_requests_total for GET /runs/:runId', async () => {
      const rows = await prometheus.query('tm_http_requests_total{method="GET"}');
      return rows.some((r) => r.metric.route === '/runs/:runId') ? rows : undefined;
    });
    expect(routes.every((r) => !r.metric.route!.includes(runId))).toBe(true);
    expect((await prometheus.query('tm_http_requests_total{method="POST",route="/runs",status="202"}'))[0]?.value).toBe(1);
    // prom-client's default process and Node.js metrics.
    expect((await prometheus.query('process_cpu_seconds_total > 0')).length).toBe(1);
    expect((await prometheus.query('nodejs_heap_size_used_bytes > 0')).length).toBe(1);
    expect((await prometheus.query('tm_build_info'))[0]?.metric.node).toBe(process.version);

    const names = await prometheus.metricNames();
    const tm = names.filter((n) => n.startsWith('tm_'));
    expect(tm.length).toBeGreaterThanOrEqual(40);
    const families = new Set(tm.map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect(families.size).toBeGreaterThanOrEqual(35);
    expect(names.filter((n) => /(run|order)_?id/i.test(n))).toEqual([]);
  }, 60_000);
});
