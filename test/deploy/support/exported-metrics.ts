import { existsSync } from 'node:fs';
import { Registry, collectDefaultMetrics, register } from 'prom-client';
import { ROOT } from './paths.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/**
 * The metric contract agreed for issue 5, in one place. Dashboards and alerts may only use these
 * (plus prom-client's defaults and Prometheus' `up`). When libs/observability exists, the names
 * are read from the running registry instead and this list becomes the contract that registry
 * is checked against.
 */
export const CONTRACT_METRICS: Readonly<Record<string, MetricType>> = {
  tm_bars_processed_total: 'counter',
  tm_bars_rejected_total: 'counter',
  tm_last_bar_timestamp_seconds: 'gauge',
  tm_market_data_age_seconds: 'gauge',
  tm_feature_latency_seconds: 'histogram',
  tm_inference_latency_seconds: 'histogram',
  tm_prediction: 'gauge',
  tm_signal_value: 'gauge',
  tm_signal_confidence: 'gauge',
  tm_rolling_ic: 'gauge',
  tm_sizing_tier: 'gauge',
  tm_sizing_tier_changes_total: 'counter',
  tm_sizing_fraction: 'gauge',
  tm_sizing_cuts_total: 'counter',
  tm_regime_state: 'gauge',
  tm_regime_probability: 'gauge',
  tm_regime_changes_total: 'counter',
  tm_orders_total: 'counter',
  tm_open_orders: 'gauge',
  tm_order_denials_total: 'counter',
  tm_fills_total: 'counter',
  tm_fill_notional_total: 'counter',
  tm_fees_total: 'counter',
  tm_funding_paid: 'gauge',
  tm_position_quantity: 'gauge',
  tm_position_notional: 'gauge',
  tm_unrealized_pnl: 'gauge',
  tm_realized_pnl: 'gauge',
  tm_equity: 'gauge',
  tm_drawdown_ratio: 'gauge',
  tm_gross_exposure_ratio: 'gauge',
  tm_breaker_state: 'gauge',
  tm_breaker_trips_total: 'counter',
  tm_trading_state: 'gauge',
  tm_var_ratio: 'gauge',
  tm_allocation_limit_ratio: 'gauge',
  tm_event_store_append_seconds: 'histogram',
  tm_event_store_lag_events: 'gauge',
  tm_events_stored_total: 'counter',
  tm_event_store_errors_total: 'counter',
  tm_db_query_seconds: 'histogram',
  tm_db_errors_total: 'counter',
  tm_redis_up: 'gauge',
  tm_redis_command_seconds: 'histogram',
  tm_redis_errors_total: 'counter',
  tm_redis_pending_writes: 'gauge',
  tm_signals_published_total: 'counter',
  tm_model_info: 'gauge',
  tm_model_age_seconds: 'gauge',
  tm_model_loads_total: 'counter',
  tm_model_fallbacks_total: 'counter',
  tm_artifact_operation_seconds: 'histogram',
  tm_runs_total: 'counter',
  tm_runs_active: 'gauge',
  tm_http_requests_total: 'counter',
  tm_http_request_seconds: 'histogram',
  tm_build_info: 'gauge',
};

/** Series Prometheus adds itself for every scrape target. */
const SCRAPE_SERIES = ['up'];

export interface ExportedMetrics {
  /** 'runtime': read from prom-client after TradingMetrics.shared(); 'contract': the list above. */
  readonly source: 'runtime' | 'contract';
  readonly types: ReadonlyMap<string, MetricType>;
}

async function defaultMetricTypes(): Promise<Map<string, MetricType>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const out = new Map<string, MetricType>();
  for (const m of await registry.getMetricsAsJSON()) out.set(m.name, String(m.type) as MetricType);
  registry.clear();
  return out;
}

interface ObservabilityModule {
  readonly TradingMetrics?: { shared(): unknown };
}

async function runtimeMetricTypes(): Promise<Map<string, MetricType> | null> {
  if (!existsSync(`${ROOT}libs/observability/src/index.ts`)) return null;
  // A variable specifier: the lib is being written in parallel and may not exist at typecheck time.
  const specifier = '@lib/observability';
  const mod = (await import(specifier)) as ObservabilityModule;
  if (!mod.TradingMetrics) throw new Error('@lib/observability does not export TradingMetrics');
  mod.TradingMetrics.shared();
  const out = new Map<string, MetricType>();
  for (const m of await register.getMetricsAsJSON()) out.set(m.name, String(m.type) as MetricType);
  return out;
}

/** Every series name the trader can expose, with prom-client's defaults and `up`. */
export async function exportedMetrics(): Promise<ExportedMetrics> {
  const runtime = await runtimeMetricTypes();
  const types = new Map<string, MetricType>(runtime ?? Object.entries(CONTRACT_METRICS));
  for (const [name, type] of await defaultMetricTypes()) types.set(name, type);
  for (const name of SCRAPE_SERIES) types.set(name, 'gauge');
  return { source: runtime ? 'runtime' : 'contract', types };
}

/** A series name as written in PromQL: histograms/summaries expose _bucket/_sum/_count series. */
export function isExportedSeries(name: string, types: ReadonlyMap<string, MetricType>): boolean {
  if (types.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const base = types.get(m[1]!);
  return base === 'histogram' || (base === 'summary' && m[2] !== 'bucket');
}
