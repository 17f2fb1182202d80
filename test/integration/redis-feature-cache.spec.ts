import { RedisConnection, RedisFeatureCache, type FeatureKey } from '@lib/redis';
import { freePort } from '../support/trader-process.js';
import { startPrivateRedis, waitFor, type PrivateRedis } from '../support/redis-server.js';

const KEY: FeatureKey = { instrumentId: 'BTCUSDT-PERP.BYBIT', tsEvent: Date.parse('2024-03-01T04:00:00Z'), version: 'fs-v3' };

describe('RedisFeatureCache (private redis-server)', () => {
  let redis: PrivateRedis;
  let connection: RedisConnection;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    connection = new RedisConnection({ url: redis.url, maxRetryDelayMs: 100, heartbeatMs: 0 });
    await connection.connect();
  });
  afterAll(async () => {
    await connection.close();
    await redis.stop();
  });

  it('round-trips a vector bit for bit, keyed by instrument, bar and feature-set version', async () => {
    const cache = new RedisFeatureCache(connection, { keyPrefix: 'it:', ttlSeconds: 60 });
    const vector = new Float64Array([0.1, -2.5e-12, Math.PI, Number.MAX_VALUE, -0, 1 / 3]);
    await cache.set(KEY, vector);
    const got = await cache.get(KEY);
    expect(got).toBeInstanceOf(Float64Array);
    expect(Array.from(got!)).toEqual(Array.from(vector));
    expect(Object.is(got![4], -0)).toBe(true);

    await cache.set({ ...KEY, tsEvent: KEY.tsEvent + 1 }, [1, 2, 3]);
    expect(Array.from((await cache.get({ ...KEY, tsEvent: KEY.tsEvent + 1 }))!)).toEqual([1, 2, 3]);
    // Another version or bar is a miss, never someone else's vector.
    expect(await cache.get({ ...KEY, version: 'fs-v4' })).toBeNull();
    expect(await cache.get({ ...KEY, tsEvent: KEY.tsEvent + 2 })).toBeNull();
  });

  it('expires entries after featureTtlSeconds', async () => {
    const cache = new RedisFeatureCache(connection, { keyPrefix: 'ttl:', ttlSeconds: 1 });
    await cache.set(KEY, [42]);
    expect(await connection.client.pttl(cache.keyOf(KEY))).toBeGreaterThan(0);
    expect(await cache.get(KEY)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1300));
    expect(await cache.get(KEY)).toBeNull();
    expect(await connection.client.exists(cache.keyOf(KEY))).toBe(0);
  });

  it('misses without throwing while Redis is down, and serves again once it is back', async () => {
    const cache = new RedisFeatureCache(connection, { keyPrefix: 'down:', ttlSeconds: 60 });
    await cache.set(KEY, [1, 2]);
    await redis.stop();
    await waitFor('the connection to report down', () => !connection.isUp);
    await expect(cache.get(KEY)).resolves.toBeNull();
    await expect(cache.set(KEY, [3, 4])).resolves.toBeUndefined();

    await redis.start();
    await waitFor('the connection to come back', () => connection.isUp);
    // The restarted server is empty: a miss, then a normal write and read.
    expect(await cache.get(KEY)).toBeNull();
    await cache.set(KEY, [5]);
    expect(Array.from((await cache.get(KEY))!)).toEqual([5]);
  });

  it('misses fast against a port where nothing listens', async () => {
    const nowhere = new RedisConnection({ url: `redis://127.0.0.1:${await freePort()}/0`, maxRetryDelayMs: 100, heartbeatMs: 0, connectTimeoutMs: 200 });
    await nowhere.connect();
    try {
      const cache = new RedisFeatureCache(nowhere, { keyPrefix: 'x:', ttlSeconds: 60 });
      const started = Date.now();
      expect(await cache.get(KEY)).toBeNull();
      await cache.set(KEY, [1]);
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      await nowhere.close();
    }
  });
});
