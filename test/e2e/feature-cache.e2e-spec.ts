import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrader, type TraderProcess } from '../support/trader-process.js';
import { DATA_DIR, tempSqlite } from '../support/databases.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const API_KEY = 'feature-cache-key-0123456789';
const BTC = 'BTCUSDT-PERP.BYBIT';

// Response bodies are whatever the API sent; the assertions below are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

/**
 * The ML strategy leaves every bar's feature vector in the Redis feature cache, and
 * GET /features/{instrument}?ts= serves it back by name. Checked against the bars the run stored:
 * `ret_1` at a bar is ln(close / previous close).
 */
describe('feature cache (e2e: trader process, ML strategy, private redis-server)', () => {
  const db = tempSqlite();
  const dir = mkdtempSync(join(tmpdir(), 'tm-features-'));
  let redis: PrivateRedis;
  let trader: TraderProcess;
  const get = (path: string) => fetch(`${trader.baseUrl}${path}`, { headers: { 'x-api-key': API_KEY } });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const configPath = join(dir, 'trader.json');
    writeFileSync(configPath, JSON.stringify({ strategy: { name: 'ml-signal' }, regime: { enabled: false } }));
    trader = await startTrader({
      DATABASE_URL: db.url,
      TRADER_API_KEY: API_KEY,
      TM_DATA_DIR: DATA_DIR,
      TM_CONFIG: configPath,
      REDIS_URL: redis.url,
      TM_ARTIFACT_DIR: join(dir, 'artifacts'),
      TM_MODEL_CACHE_DIR: join(dir, 'model-cache'),
      LOG_LEVEL: 'warn',
    });
  }, 60_000);

  afterAll(async () => {
    if (trader) await trader.stop('SIGKILL');
    if (redis) await redis.stop();
    db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready while the ML strategy has no Production model, and says which are missing', async () => {
    const res = await fetch(`${trader.baseUrl}/health/ready`);
    expect(res.status).toBe(503);
    const body: Body = await res.json();
    expect(body.details.models.status).toBe('down');
    expect(body.details.models.missing).toEqual(['signal-BTCUSDT-PERP', 'signal-ETHUSDT-PERP', 'signal-SOLUSDT-PERP']);
    expect(body.details.redis.status).toBe('up');
    expect((await fetch(`${trader.baseUrl}/health/live`)).status).toBe(200);
  });

  it('serves the feature vector the strategy computed at a bar, by name', async () => {
    const started = await fetch(`${trader.baseUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ source: 'bybit', interval: '4h', from: '2024-03-01', to: '2024-04-01', instruments: [BTC] }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const deadline = Date.now() + 120_000;
    let run: Body;
    for (;;) {
      const res = await get(`/runs/${runId}`);
      run = res.status === 200 ? await res.json() : null; // 404 until the run has started
      if (run !== null && run.status !== 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`run did not finish:\n${trader.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run.status).toBe('COMPLETED');

    const closes: { ts: number; close: number }[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page: Body = await (await get(`/runs/${runId}/events?after=${after}&limit=2000`)).json();
      for (const e of page.events as Body[]) if (e.type === 'bar.closed') closes.push({ ts: e.tsEvent, close: Number(e.payload.close) });
      after = page.next;
    }
    expect(closes.length).toBeGreaterThan(150);

    for (const i of [1, Math.floor(closes.length / 2), closes.length - 1]) {
      const res = await get(`/features/${BTC}?ts=${closes[i]!.ts}`);
      expect(res.status).toBe(200);
      const body: Body = await res.json();
      expect(body.tsEvent).toBe(closes[i]!.ts);
      expect(body.featureSet).toMatch(/^[0-9a-f]{12}$/);
      expect(Object.keys(body.features).length).toBeGreaterThan(20);
      expect(body.features.ret_1).toBeCloseTo(Math.log(closes[i]!.close / closes[i - 1]!.close), 12);
    }
    // The same bar by ISO time.
    const iso = await get(`/features/${BTC}?ts=${new Date(closes[1]!.ts).toISOString()}`);
    expect(((await iso.json()) as Body).tsEvent).toBe(closes[1]!.ts);

    // Clear errors: a bar never computed, an unknown instrument, a malformed time.
    expect((await get(`/features/${BTC}?ts=${closes[0]!.ts - 86_400_000 * 365}`)).status).toBe(404);
    expect((await get(`/features/DOGEUSDT-PERP.BYBIT?ts=${closes[1]!.ts}`)).status).toBe(404);
    expect((await get(`/features/${BTC}?ts=yesterday`)).status).toBe(400);
  }, 180_000);
});
