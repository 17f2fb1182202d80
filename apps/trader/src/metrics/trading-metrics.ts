/** Moved to libs/observability; kept so older imports keep compiling. */
export { TradingMetrics, METRIC_FAMILIES, metricFamilies } from '@lib/observability';
