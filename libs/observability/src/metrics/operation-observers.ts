import type { OperationObserver } from '@lib/kernel';
import { TradingMetrics } from './trading-metrics.js';

/** The event store's append operation (SqlEventStore reports it under this name). */
export const EVENT_STORE_APPEND_OPERATION = 'events.append';

/**
 * Operation names become label values: anything that does not look like a short dotted name
 * (an id, a key, a path slipping in by mistake) is folded into 'other' so a bug cannot explode
 * the series count.
 */
const BOUNDED_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,47}$/;
const bounded = (name: string): string => (BOUNDED_NAME.test(name) ? name : 'other');

/**
 * SQL gateway and event store → tm_db_query_seconds / tm_db_errors_total; the event store's
 * append is also reported as tm_event_store_append_seconds / tm_event_store_errors_total.
 */
export function dbObserver(metrics: TradingMetrics = TradingMetrics.shared()): OperationObserver {
  return {
    observe(operation, seconds, error) {
      const op = bounded(operation);
      metrics.dbQuery.observe({ operation: op }, seconds);
      // inc(0) on success creates the error series at 0, so an error-rate alert has a series to read.
      metrics.dbErrors.inc({ operation: op }, error === undefined ? 0 : 1);
      if (operation === EVENT_STORE_APPEND_OPERATION) {
        metrics.eventStoreAppend.observe(seconds);
        if (error !== undefined) metrics.eventStoreErrors.inc();
      }
    },
  };
}

/** Redis client → tm_redis_command_seconds / tm_redis_errors_total (operation = the command, e.g. GET). */
export function redisObserver(metrics: TradingMetrics = TradingMetrics.shared()): OperationObserver {
  return {
    observe(operation, seconds, error) {
      const command = bounded(operation);
      metrics.redisCommand.observe({ command }, seconds);
      metrics.redisErrors.inc({ command }, error === undefined ? 0 : 1);
    },
  };
}

/** Artifact store (`local` or `s3`) → tm_artifact_operation_seconds{operation,store}. */
export function artifactObserver(store: string, metrics: TradingMetrics = TradingMetrics.shared()): OperationObserver {
  const storeLabel = bounded(store);
  return {
    observe(operation, seconds, error) {
      const labels = { operation: bounded(operation), store: storeLabel };
      metrics.artifactOperation.observe(labels, seconds);
      metrics.artifactErrors.inc(labels, error === undefined ? 0 : 1);
    },
  };
}
