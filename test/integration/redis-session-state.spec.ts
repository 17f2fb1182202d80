import { Redis } from 'ioredis';
import type { OperationObserver } from '@lib/kernel';
import { RedisConnection, RedisServices, RedisSessionStateStore, RedisFeatureCache, NoOpSignalPublisher, type BreakerSessionState } from '@lib/redis';
import { startPrivateRedis, waitFor, type PrivateRedis } from '../support/redis-server.js';

const PREFIX = 'it:';
const BTC = 'BTCUSDT-PERP.BYBIT';
const ETH = 'ETHUSDT-PERP.BYBIT';
const SOL = 'SOLUSDT-PERP.BYBIT';
const HOUR = 3_600_000;
const T0 = Date.parse('2024-03-01T00:00:00Z');

function breaker(state: BreakerSessionState['state'], tripCount: number, since: number): BreakerSessionState {
  return {
    state,
    tripCount,
    since,
    lastTrigger: state === 'OPEN' ? 'DRAWDOWN' : 'RECOVERY',
    reason: `test ${state}`,
    peak: '104500.5',
    halfOpenBase: null,
    tradingState: state === 'OPEN' ? 'REDUCING' : 'ACTIVE',
    sizeMultiplier: state === 'OPEN' ? '0' : '1',
  };
}

class RecordingObserver implements OperationObserver {
  readonly calls: Array<{ operation: string; seconds: number; failed: boolean }> = [];
  observe(operation: string, seconds: number, error?: unknown): void {
    this.calls.push({ operation, seconds, failed: error !== undefined });
  }
}

describe('Redis session state (private redis-server)', () => {
  let redis: PrivateRedis;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    if (!redis.running) await redis.start();
    for (const c of open.splice(0)) await c.close();
  });

  async function connect(observer?: OperationObserver): Promise<RedisConnection> {
    const connection = new RedisConnection({ url: redis.url, maxRetryDelayMs: 100, heartbeatMs: 0, ...(observer ? { observer } : {}) });
    open.push({ close: () => connection.close() });
    await connection.connect();
    return connection;
  }
  function storeOn(connection: RedisConnection, maxPendingWrites = 1000): RedisSessionStateStore {
    return new RedisSessionStateStore(connection, { keyPrefix: PREFIX, maxPendingWrites, retryMs: 50 });
  }

  it('(a) state written while Redis runs is read back by a new store on a new connection', async () => {
    const observer = new RecordingObserver();
    const first = storeOn(await connect(observer));
    first.recordBar('run-a', BTC, T0);
    first.recordBar('run-a', BTC, T0 + 4 * HOUR);
    first.recordBar('run-a', ETH, T0 + 4 * HOUR);
    first.recordBreaker('run-a', breaker('OPEN', 1, T0 + 4 * HOUR));
    first.recordBar('run-other', BTC, T0);
    expect(await first.flush(5000)).toBe(true);
    expect(first.pendingWrites()).toBe(0);
    // Every command went through the observer, named by command.
    expect(observer.calls.some((c) => c.operation === 'HSET' && !c.failed)).toBe(true);

    const raw = new Redis({ port: redis.port, lazyConnect: true });
    await raw.connect();
    expect(await raw.hgetall(`${PREFIX}session:run-a`)).toMatchObject({ [`bar:${BTC}`]: String(T0 + 4 * HOUR), [`bar:${ETH}`]: String(T0 + 4 * HOUR) });
    await raw.quit();

    const second = storeOn(await connect());
    const loaded = await second.load('run-a');
    expect(loaded.source).toBe('redis');
    expect(loaded.state).toEqual({
      streamId: 'run-a',
      lastBarTs: { [BTC]: T0 + 4 * HOUR, [ETH]: T0 + 4 * HOUR },
      breaker: breaker('OPEN', 1, T0 + 4 * HOUR),
    });
    // Loaded state becomes the new store's in-process copy.
    expect(second.current('run-a')).toEqual(loaded.state);
    expect((await second.load('run-other')).state.lastBarTs).toEqual({ [BTC]: T0 });
    expect((await second.load('never-written')).state).toEqual({ streamId: 'never-written', lastBarTs: {}, breaker: null });
  });

  it('(b) while Redis is down: degraded, writes pending and coalesced, nothing throws; on its return the outbox flushes the latest state', async () => {
    const connection = await connect();
    const store = storeOn(connection);
    const services = new RedisServices(connection, store, new RedisFeatureCache(connection, { keyPrefix: PREFIX, ttlSeconds: 60 }), new NoOpSignalPublisher());
    // Written before the outage and never again: Redis comes back empty, the store must rewrite it.
    store.recordBar('run-b', 'XRPUSDT-PERP.BYBIT', T0);
    store.recordBreaker('run-b', breaker('CLOSED', 0, T0));
    expect(await store.flush(5000)).toBe(true);
    expect(services.readiness()).toMatchObject({ status: 'up', pendingWrites: 0, lastError: null });

    await redis.stop();
    await waitFor('the connection to report down', () => !connection.isUp);
    const view = services.readiness();
    expect(view.status).toBe('degraded');
    expect(view.lastError).toEqual(expect.any(String));

    for (let i = 1; i <= 6; i++) {
      for (const id of [BTC, ETH, SOL]) expect(() => store.recordBar('run-b', id, T0 + i * 4 * HOUR)).not.toThrow();
    }
    expect(() => store.recordBreaker('run-b', breaker('OPEN', 1, T0 + 6 * 4 * HOUR))).not.toThrow();
    // Three bars and the breaker, coalesced: 19 writes, 4 keys.
    expect(store.pendingWrites()).toBe(4);
    expect(services.readiness()).toMatchObject({ status: 'degraded', pendingWrites: 4 });
    expect(await store.flush(200)).toBe(false);
    const whileDown = await store.load('run-b');
    expect(whileDown.source).toBe('memory');
    expect(whileDown.state.lastBarTs[SOL]).toBe(T0 + 24 * HOUR);

    await redis.start();
    await waitFor('the outbox to drain after Redis returned', () => connection.isUp && store.pendingWrites() === 0);
    expect(services.readiness()).toMatchObject({ status: 'up', pendingWrites: 0 });

    const fresh = storeOn(await connect());
    const loaded = await fresh.load('run-b');
    expect(loaded.source).toBe('redis');
    expect(loaded.state).toEqual({
      streamId: 'run-b',
      lastBarTs: { 'XRPUSDT-PERP.BYBIT': T0, [BTC]: T0 + 24 * HOUR, [ETH]: T0 + 24 * HOUR, [SOL]: T0 + 24 * HOUR },
      breaker: breaker('OPEN', 1, T0 + 24 * HOUR),
    });
  });

  it('(b) past maxPendingWrites it reports the overflow and still writes the latest value of every key', async () => {
    const connection = await connect();
    const store = storeOn(connection, 2);
    await redis.stop();
    await waitFor('the connection to report down', () => !connection.isUp);
    const instruments = Array.from({ length: 8 }, (_, i) => `I${i}USDT-PERP.BYBIT`);
    for (let round = 1; round <= 3; round++) for (const id of instruments) store.recordBar('run-big', id, T0 + round * HOUR);
    expect(store.outboxOverflows).toBeGreaterThan(0);
    expect(store.pendingWrites()).toBe(8);

    await redis.start();
    await waitFor('the outbox to drain', () => connection.isUp && store.pendingWrites() === 0);
    const loaded = await storeOn(await connect()).load('run-big');
    expect(loaded.state.lastBarTs).toEqual(Object.fromEntries(instruments.map((id) => [id, T0 + 3 * HOUR])));
  });

  it('starts while Redis is unreachable: load falls back to memory, writes wait, and flush once it is up', async () => {
    await redis.stop();
    const connection = new RedisConnection({ url: redis.url, maxRetryDelayMs: 100, heartbeatMs: 0 });
    open.push({ close: () => connection.close() });
    const started = Date.now();
    await connection.connect();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(connection.status.state).toBe('down');
    const store = storeOn(connection);
    expect(await store.load('run-c')).toEqual({ source: 'memory', state: { streamId: 'run-c', lastBarTs: {}, breaker: null } });
    store.recordBar('run-c', BTC, T0);
    expect(store.pendingWrites()).toBe(1);

    await redis.start();
    await waitFor('the first flush', () => connection.isUp && store.pendingWrites() === 0);
    expect((await storeOn(await connect()).load('run-c')).state.lastBarTs).toEqual({ [BTC]: T0 });
  });
});
