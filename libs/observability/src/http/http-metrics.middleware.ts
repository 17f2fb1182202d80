import type { IncomingMessage, ServerResponse } from 'node:http';
import { TradingMetrics } from '../metrics/trading-metrics.js';

interface RoutedRequest extends IncomingMessage {
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
}

/**
 * Express middleware for tm_http_requests_total / tm_http_request_seconds. The route label is the
 * matched route template (`/runs/:runId`), read when the response finishes (routing has happened
 * by then); a request no route matched is `unmatched`, so a scanner probing random paths cannot
 * create series.
 */
export function httpMetricsMiddleware(metrics: TradingMetrics = TradingMetrics.shared()) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const routed = req as RoutedRequest;
      const template = typeof routed.route?.path === 'string' ? `${routed.baseUrl ?? ''}${routed.route.path}` : 'unmatched';
      const method = (req.method ?? 'OTHER').toUpperCase();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ method, route: template, status: String(res.statusCode) });
      metrics.httpRequestSeconds.observe({ method, route: template }, seconds);
    });
    next();
  };
}
