import { startTrader, type TraderProcess } from '../support/trader-process.js';
import { tempPostgresSchema, DATA_DIR } from '../support/databases.js';

const API_KEY = 'e2e-test-key-0123456789';

// Response bodies are whatever the API sent; the assertions below are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;
const json = (res: Response): Promise<Body> => res.json() as Promise<Body>;

/**
 * Black-box e2e: the built trader runs as its own process against the real PostgreSQL, and the
 * test drives it over HTTP as an operator or a Kubernetes probe would.
 */
describe('trader app (e2e, PostgreSQL, real process)', () => {
  const db = tempPostgresSchema('tm_e2e');
  let trader: TraderProcess;
  const url = (path: string) => `${trader.baseUrl}${path}`;
  // With a key configured every endpoint but the probes and /metrics needs one (GETs: any role).
  const get = (path: string) => fetch(url(path), { headers: { 'x-api-key': API_KEY } });
  const post = (path: string, body: unknown, key: string | null = API_KEY) =>
    fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }, body: JSON.stringify(body) });

  beforeAll(async () => {
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR });
  }, 60_000);

  afterAll(async () => {
    if (trader) await trader.stop('SIGKILL');
    await db.dispose();
  });

  it('answers the liveness and readiness probes', async () => {
    const live = await fetch(url('/health/live'));
    expect(live.status).toBe(200);
    expect((await json(live)).status).toBe('ok');
    const ready = await fetch(url('/health/ready'));
    expect(ready.status).toBe(200);
    const body = await json(ready);
    expect(body.info.store.status).toBe('up');
    expect(body.info.config.status).toBe('up');
  });

  it('publishes the OpenAPI document with every endpoint and serves Swagger UI', async () => {
    const spec = await json(await fetch(url('/docs-json')));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/runs', '/runs/{runId}', '/runs/{runId}/positions', '/runs/{runId}/orders', '/runs/{runId}/events', '/runs/{runId}/replay', '/runs/{runId}/decisions', '/runs/{runId}/breaker', '/runs/{runId}/breaker/trip', '/runs/{runId}/breaker/reset', '/health/live', '/health/ready']),
    );
    const ui = await fetch(url('/docs'));
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('refuses mutations without a valid API key', async () => {
    expect((await post('/runs', {}, null)).status).toBe(401);
    expect((await post('/runs', {}, 'wrong-key-wrong-key-123')).status).toBe(401);
  });

  it('rejects invalid input with a clear 400', async () => {
    const res = await post('/runs', { interval: '3h', from: 'yesterday', bogus: 1 });
    expect(res.status).toBe(400);
    const text = JSON.stringify((await json(res)).message);
    expect(text).toMatch(/interval must be one of the following values/);
    expect(text).toMatch(/from must be a date YYYY-MM-DD/);
    expect(text).toMatch(/property bogus should not exist/);
    expect((await get('/runs?limit=0')).status).toBe(400);
  });

  it('starts a backtest, serves its summary, positions, orders and events, and replays it', async () => {
    const started = await post('/runs', { source: 'bybit', interval: '4h', from: '2024-01-01', to: '2024-09-01' });
    expect(started.status).toBe(202);
    const { runId } = (await json(started)) as { runId: string };
    expect(runId).toMatch(/^bt-/);

    let run: { status: string; summary: { bars: number; fundingEvents: number; events: number } };
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await get(`/runs/${runId}`);
      if (res.status === 200) {
        run = await json(res);
        if (run.status !== 'RUNNING') break;
      }
      if (Date.now() > deadline) throw new Error(`run ${runId} did not finish:\n${trader.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run.status).toBe('COMPLETED');
    expect(run.summary.bars).toBeGreaterThan(3 * 1400);
    expect(run.summary.fundingEvents).toBeGreaterThan(0);

    const list = await json(await get('/runs'));
    expect(list.map((r: { runId: string }) => r.runId)).toContain(runId);

    const positions = await get(`/runs/${runId}/positions`);
    expect(positions.status).toBe(200);
    expect(Array.isArray(await json(positions))).toBe(true);

    const orders = await json(await get(`/runs/${runId}/orders?limit=5`));
    expect(orders.length).toBeGreaterThan(0);
    expect(orders[0]).toHaveProperty('status');

    const page1 = await json(await get(`/runs/${runId}/events?limit=10`));
    expect(page1.events).toHaveLength(10);
    expect(page1.events[0].type).toBe('run.started');
    const page2 = await json(await get(`/runs/${runId}/events?after=${page1.next}&limit=10`));
    expect(page2.events[0].streamSeq).toBe(11);

    const replay = await post(`/runs/${runId}/replay`, {});
    expect(replay.status).toBe(200);
    const result = await json(replay);
    expect(result.matches).toBe(true);
    expect(result.events).toBe(run.summary.events);

    expect((await get('/runs/no-such-run')).status).toBe(404);
  }, 120_000);

  it('lets an operator trip and reset the circuit breaker of a running backtest, with the API key, and stores both', async () => {
    // Bybit 1h for three instruments: long enough a run to act on while it trades.
    const started = await post('/runs', { source: 'bybit', interval: '1h', from: '2024-01-01', to: '2024-07-01' });
    const { runId } = (await json(started)) as { runId: string };
    const deadline = Date.now() + 60_000;
    let tripped: Response | null = null;
    while (tripped === null) {
      if (Date.now() > deadline) throw new Error(`could not act on ${runId} while it ran:\n${trader.output()}`);
      const res = await post(`/runs/${runId}/breaker/trip`, { reason: 'e2e operator drill' });
      if (res.status === 200) tripped = res;
      else {
        expect([404, 409]).toContain(res.status); // not created yet, or its stream not open yet
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const trip = await json(tripped);
    expect(trip).toMatchObject({ runId, changed: true, status: { state: 'OPEN', trips: 1 } });
    expect((await post(`/runs/${runId}/breaker/reset`, { reason: 'drill over' }, null)).status).toBe(401);
    expect((await post(`/runs/${runId}/breaker/reset`, { reason: '' })).status).toBe(400);
    const reset = await post(`/runs/${runId}/breaker/reset`, { reason: 'drill over' });
    expect([200, 409]).toContain(reset.status); // 409 only if the run finished in between
    for (;;) {
      const run = await json(await get(`/runs/${runId}`));
      if (run.status !== 'RUNNING' && !run.active) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const breaker = await json(await get(`/runs/${runId}/breaker`));
    expect(breaker.live).toBeNull();
    const triggers = breaker.transitions.map((t: { payload: { trigger: string; reason: string } }) => t.payload.trigger);
    expect(triggers).toContain('OPERATOR_TRIP');
    expect(breaker.transitions.find((t: { payload: { trigger: string } }) => t.payload.trigger === 'OPERATOR_TRIP').payload.reason).toBe('operator: e2e operator drill');
    if (reset.status === 200) expect(triggers).toContain('OPERATOR_RESET');
    // a finished run has no breaker to act on
    expect((await post(`/runs/${runId}/breaker/trip`, { reason: 'too late' })).status).toBe(409);
    const decisions = await json(await get(`/runs/${runId}/decisions?limit=5`));
    expect(decisions).toMatchObject({ runId, events: [] }); // the trend strategy sizes without the ML decision path
    expect((await get(`/runs/${runId}/decisions?instrument=nonsense`)).status).toBe(400);
  }, 120_000);

  it('exports trading metrics in Prometheus format', async () => {
    const text = await (await fetch(url('/metrics'))).text();
    for (const name of ['tm_bars_processed_total', 'tm_orders_total', 'tm_order_denials_total', 'tm_equity', 'tm_runs_total', 'process_cpu_seconds_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/tm_bars_processed_total\{instrument="BTCUSDT-PERP.BYBIT"\} \d+/);
    expect(text).toMatch(/tm_runs_total\{mode="backtest",status="COMPLETED"\} 2/);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const code = await trader.stop('SIGTERM');
    expect(code).toBe(0);
  });
});
