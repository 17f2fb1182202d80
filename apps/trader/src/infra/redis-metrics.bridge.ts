import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TradingMetrics } from '@lib/observability';
import { RedisServices } from '@lib/redis';
import type { ReadinessSignal } from '../health/readiness.js';

/** How often the outbox depth is copied into tm_redis_pending_writes. */
const PENDING_EVERY_MS = 1_000;

/**
 * Keeps the Redis gauges and the signal counter in step with the shared Redis services:
 * tm_redis_up follows the link status (0 while down, and when Redis is not configured),
 * tm_redis_pending_writes the session outbox, tm_signals_published_total every publish outcome.
 */
@Injectable()
export class RedisMetricsBridge implements OnModuleInit, OnModuleDestroy {
  private readonly metrics = TradingMetrics.shared();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly redis: RedisServices) {}

  onModuleInit(): void {
    const { connection, signals, sessionState } = this.redis;
    signals.onOutcome((instrument, outcome) => this.metrics.signalPublished(instrument, outcome));
    this.metrics.setRedisUp(connection?.isUp ?? false);
    if (connection !== null) this.unsubscribe = connection.onStatus((status) => this.metrics.setRedisUp(status.state === 'up'));
    this.timer = setInterval(() => this.metrics.setRedisPendingWrites(sessionState.pendingWrites()), PENDING_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.unsubscribe?.();
  }
}

/**
 * Redis in readiness: up, or degraded while configured but unreachable (the trader keeps trading
 * from its own state and flushes the outbox when Redis returns: still ready), or disabled.
 */
export function redisReadinessSignal(redis: RedisServices): ReadinessSignal {
  return {
    name: 'redis',
    check: async () => {
      const view = redis.readiness();
      return {
        status: view.status,
        details: { pendingWrites: view.pendingWrites, lastError: view.lastError, since: view.since, pingSeconds: view.pingSeconds, signalsPublished: view.signalsPublished, signalsDropped: view.signalsDropped },
      };
    },
  };
}
