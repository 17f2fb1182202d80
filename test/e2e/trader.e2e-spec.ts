import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@config';
import { createTraderApp } from '../../apps/trader/src/bootstrap.js';
import { BacktestJobsService } from '../../apps/trader/src/api/backtest-jobs.service.js';
import { tempPostgresSchema, DATA_DIR } from '../support/databases.js';

const API_KEY = 'e2e-test-key-0123456789';

/** Boots the trader HTTP app against the real PostgreSQL and drives it like an operator would. */
describe('trader app (e2e, PostgreSQL)', () => {
  const db = tempPostgresSchema('tm_e2e');
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    process.env.TM_DATA_DIR = DATA_DIR;
    const config = loadConfig({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY });
    app = await createTraderApp(config, { logger: false });
    await app.init();
    http = request(app.getHttpServer());
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db.dispose();
  });

  it('answers the liveness and readiness probes', async () => {
    const live = await http.get('/health/live').expect(200);
    expect(live.body.status).toBe('ok');
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.store.status).toBe('up');
    expect(ready.body.info.config.status).toBe('up');
  });

  it('publishes the OpenAPI document with every endpoint', async () => {
    const res = await http.get('/docs-json').expect(200);
    const paths = Object.keys(res.body.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining(['/runs', '/runs/{runId}', '/runs/{runId}/positions', '/runs/{runId}/orders', '/runs/{runId}/events', '/runs/{runId}/replay', '/health/live', '/health/ready']),
    );
  });

  it('refuses mutations without a valid API key', async () => {
    await http.post('/runs').send({}).expect(401);
    await http.post('/runs').set('x-api-key', 'wrong-key-wrong-key-123').send({}).expect(401);
  });

  it('rejects invalid input with a clear 400', async () => {
    const res = await http.post('/runs').set('x-api-key', API_KEY).send({ interval: '3h', from: 'yesterday', bogus: 1 }).expect(400);
    const text = JSON.stringify(res.body.message);
    expect(text).toMatch(/interval must be one of the following values/);
    expect(text).toMatch(/from must be a date YYYY-MM-DD/);
    expect(text).toMatch(/property bogus should not exist/);
    await http.get('/runs?limit=0').expect(400);
  });

  it('starts a backtest, serves its summary, positions, orders and events, and replays it', async () => {
    const started = await http
      .post('/runs')
      .set('x-api-key', API_KEY)
      .send({ source: 'bybit', interval: '4h', from: '2024-01-01', to: '2024-09-01' })
      .expect(202);
    const runId = started.body.runId as string;
    expect(runId).toMatch(/^bt-/);
    await app.get(BacktestJobsService).idle();

    const run = await http.get(`/runs/${runId}`).expect(200);
    expect(run.body.status).toBe('COMPLETED');
    expect(run.body.summary.bars).toBeGreaterThan(3 * 1400);
    expect(run.body.summary.fundingEvents).toBeGreaterThan(0);

    const list = await http.get('/runs').expect(200);
    expect(list.body.map((r: { runId: string }) => r.runId)).toContain(runId);

    const positions = await http.get(`/runs/${runId}/positions`).expect(200);
    expect(Array.isArray(positions.body)).toBe(true);

    const orders = await http.get(`/runs/${runId}/orders?limit=5`).expect(200);
    expect(orders.body.length).toBeGreaterThan(0);
    expect(orders.body[0]).toHaveProperty('status');

    const page1 = await http.get(`/runs/${runId}/events?limit=10`).expect(200);
    expect(page1.body.events).toHaveLength(10);
    expect(page1.body.events[0].type).toBe('run.started');
    const page2 = await http.get(`/runs/${runId}/events?after=${page1.body.next}&limit=10`).expect(200);
    expect(page2.body.events[0].streamSeq).toBe(11);

    const replay = await http.post(`/runs/${runId}/replay`).set('x-api-key', API_KEY).expect(200);
    expect(replay.body.matches).toBe(true);
    expect(replay.body.events).toBe(run.body.summary.events);

    await http.get('/runs/no-such-run').expect(404);
  }, 120_000);

  it('exports trading metrics in Prometheus format', async () => {
    const res = await http.get('/metrics').expect(200);
    for (const name of ['tm_bars_processed_total', 'tm_orders_total', 'tm_order_denials_total', 'tm_equity', 'process_cpu_seconds_total']) {
      expect(res.text).toContain(name);
    }
    expect(res.text).toMatch(/tm_bars_processed_total\{instrument="BTCUSDT-PERP.BYBIT"\} \d+/);
  });
});
