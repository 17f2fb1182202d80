import { Redis } from 'ioredis';
import { startTrader, type TraderProcess } from '../support/trader-process.js';
import { tempPostgresSchema, DATA_DIR } from '../support/databases.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const API_KEY = 'redis-outage-key-0123456789';

// Response bodies are whatever the API sent; the assertions below are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

/**
 * The trader (a real process on the real PostgreSQL) loses its Redis in the middle of its life:
 * it keeps trading from its own state, readiness says degraded (and stays 200), and when Redis
 * comes back (empty: it persists nothing) the session state of the run that traded through the
 * outage arrives in full, where a restarted trader reads it back.
 */
describe('trader without Redis (e2e: private redis-server stopped and restarted)', () => {
  const db = tempPostgresSchema('tm_redis_e2e');
  let redis: PrivateRedis;
  let trader: TraderProcess;
  const url = (path: string) => `${trader.baseUrl}${path}`;
  const get = (path: string) => fetch(url(path), { headers: { 'x-api-key': API_KEY } });
  const readiness = async (): Promise<{ status: number; redis: Body }> => {
    const res = await fetch(url('/health/ready'));
    const body = (await res.json()) as Body;
    return { status: res.status, redis: body.details?.redis ?? body.info?.redis ?? body.error?.redis };
  };
  const until = async <T>(what: string, probe: () => Promise<T | null>, ms = 60_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${trader.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR, REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
  }, 60_000);

  afterAll(async () => {
    if (trader) await trader.stop('SIGKILL');
    if (redis) await redis.stop();
    await db.dispose();
  });

  it('trades through the outage, reports degraded readiness, and flushes the session state when Redis returns', async () => {
    const up = await until('redis up', async () => {
      const r = await readiness();
      return r.redis?.status === 'up' ? r : null;
    });
    expect(up.status).toBe(200);

    await redis.stop();
    const degraded = await until('redis degraded', async () => {
      const r = await readiness();
      return r.redis?.status === 'degraded' ? r : null;
    });
    expect(degraded.status).toBe(200); // still ready: the trader keeps trading
    const metricsDown = await (await fetch(url('/metrics'))).text();
    expect(metricsDown).toMatch(/^tm_redis_up 0$/m);

    // A backtest through the outage: it completes, with every event in the store.
    const started = await fetch(url('/runs'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ source: 'bybit', interval: '4h', from: '2024-01-01', to: '2024-04-01' }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const run = await until('run finished', async () => {
      const res = await get(`/runs/${runId}`);
      if (res.status !== 200) return null;
      const body = (await res.json()) as Body;
      return body.status === 'RUNNING' ? null : body;
    }, 120_000);
    expect(run.status).toBe('COMPLETED');
    const positions = (await (await get(`/runs/${runId}/positions`)).json()) as Body;
    expect(positions).toBeTruthy();

    const pending = await readiness();
    expect(pending.redis.status).toBe('degraded');
    expect(pending.redis.details?.pendingWrites ?? pending.redis.pendingWrites).toBeGreaterThan(0);

    // The last bar of each instrument, from the stored events.
    const lastBar = new Map<string, number>();
    let after: number | null = 0;
    while (after !== null) {
      const page = (await (await get(`/runs/${runId}/events?after=${after}&limit=1000`)).json()) as Body;
      for (const e of page.events as Body[]) {
        if (e.type === 'bar.closed') lastBar.set(e.payload.instrumentId, Math.max(lastBar.get(e.payload.instrumentId) ?? 0, e.tsEvent));
      }
      after = page.next;
    }
    expect(lastBar.size).toBe(3);

    await redis.start();
    await until('outbox flushed', async () => {
      const r = await readiness();
      return r.redis?.status === 'up' && (r.redis.details?.pendingWrites ?? r.redis.pendingWrites) === 0 ? r : null;
    });
    const client = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
    await client.connect();
    try {
      const session = await client.hgetall(`tm:session:${runId}`);
      for (const [instrument, ts] of lastBar) expect(Number(session[`bar:${instrument}`])).toBe(ts);
      if (run.summary.breakerTrips > 0) expect(JSON.parse(session.breaker!).tripCount).toBe(run.summary.breakerTrips);
    } finally {
      client.disconnect();
    }
    expect(await (await fetch(url('/metrics'))).text()).toMatch(/^tm_redis_up 1$/m);

    // A new trader process (the old one drains and exits 0) reads the run's session back from Redis.
    expect(await trader.stop('SIGTERM')).toBe(0);
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR, REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
    const restored = await until('session from redis', async () => {
      const res = await get(`/runs/${runId}/session`);
      const body = res.status === 200 ? ((await res.json()) as Body) : null;
      return body?.source === 'redis' ? body : null;
    });
    expect(restored.lastBarTs).toEqual(Object.fromEntries(lastBar));
  }, 240_000);
});
