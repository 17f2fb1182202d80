import { observed } from '@lib/kernel';
import { register } from 'prom-client';
import { artifactObserver, dbObserver, redisObserver } from './operation-observers.js';
import { TradingMetrics } from './trading-metrics.js';

async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const [family] = name.split(/_(count|sum|bucket)$/);
  const data = await register.getSingleMetric(name.endsWith('_count') ? name.slice(0, -'_count'.length) : family!)!.get();
  return data.values.find((v) => ((v as { metricName?: string }).metricName ?? data.name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('operation observers', () => {
  const metrics = TradingMetrics.shared();

  it('dbObserver records latency and errors per operation, and the event store append on its own families too', async () => {
    const db = dbObserver(metrics);
    await observed(db, 'runs.update', async () => 1);
    await expect(observed(db, 'events.append', async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    await observed(db, 'events.append', async () => 1);
    expect(await value('tm_db_query_seconds_count', { operation: 'runs.update' })).toBe(1);
    expect(await value('tm_db_query_seconds_count', { operation: 'events.append' })).toBe(2);
    expect(await value('tm_db_errors_total', { operation: 'events.append' })).toBe(1);
    expect(await value('tm_db_errors_total', { operation: 'runs.update' })).toBe(0);
    expect(await value('tm_event_store_append_seconds_count')).toBe(2);
    expect(await value('tm_event_store_errors_total')).toBe(1);
  });

  it('folds an unbounded operation name into "other"', async () => {
    dbObserver(metrics).observe('SELECT * FROM events WHERE stream_id = 7f3a', 0.01);
    expect(await value('tm_db_query_seconds_count', { operation: 'other' })).toBe(1);
  });

  it('redisObserver and artifactObserver record per command / operation and store', async () => {
    const redis = redisObserver(metrics);
    redis.observe('GET', 0.001);
    redis.observe('SET', 0.002, new Error('READONLY'));
    expect(await value('tm_redis_command_seconds_count', { command: 'GET' })).toBe(1);
    expect(await value('tm_redis_errors_total', { command: 'SET' })).toBe(1);
    const s3 = artifactObserver('s3', metrics);
    await observed(s3, 'artifacts.put', async () => undefined);
    await expect(observed(s3, 'artifacts.get', async () => Promise.reject(new Error('NoSuchKey')))).rejects.toThrow();
    expect(await value('tm_artifact_operation_seconds_count', { operation: 'artifacts.put', store: 's3' })).toBe(1);
    expect(await value('tm_artifact_errors_total', { operation: 'artifacts.get', store: 's3' })).toBe(1);
  });

  it('gauge setters drive redis, model and run gauges; one model version is current at a time', async () => {
    metrics.setRedisUp(true);
    metrics.setRedisPendingWrites(12);
    metrics.setRunsActive('live', 1);
    metrics.modelLoaded('signal-BTC', 3, 'Production', Date.now() - 3_600_000);
    metrics.modelLoaded('signal-BTC', 4, 'Production', Date.now() - 60_000);
    expect(await value('tm_redis_up')).toBe(1);
    expect(await value('tm_redis_pending_writes')).toBe(12);
    expect(await value('tm_runs_active', { mode: 'live' })).toBe(1);
    expect(await value('tm_model_info', { model: 'signal-BTC', version: '3' })).toBeUndefined();
    expect(await value('tm_model_info', { model: 'signal-BTC', version: '4', stage: 'Production' })).toBe(1);
    expect(await value('tm_model_loads_total', { model: 'signal-BTC', status: 'loaded' })).toBe(2);
    const age = (await value('tm_model_age_seconds', { model: 'signal-BTC' }))!;
    expect(age).toBeGreaterThan(59);
    expect(age).toBeLessThan(120);
  });
});
