import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { MODEL_REGISTRY_STORE, PersistenceModule } from '@lib/persistence';
import { LocalArtifactStore, ModelRegistry, type ModelRegistryStore, type ModelVersion } from '../../libs/ml/src/registry/index.js';
import { DATA_DIR, tempPostgresSchema, tempSqlite } from '../support/databases.js';
import { freePort, startTrader, type TraderProcess } from '../support/trader-process.js';
import { readRunEvents } from '../support/read-events.js';

/*
 * The admin API black-box, against the built trader (npm test builds first). jest cannot load the
 * CommonJS Nest packages the app uses (@nestjs/throttler, @willsoto/nestjs-prometheus require the
 * ESM-only @nestjs/common), so the "in-process" app runs in a child node: createTraderApp from
 * dist/, with a fake readiness signal pushed into READINESS_SIGNALS.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPERATE = 'operate-key-e2e-0123456789';
const READ = 'read-key-e2e-0123456789abc';
const BURST = 'burst-key-e2e-0123456789ab';
const LEGACY = 'legacy-key-e2e-0123456789';
const KEYS = `ops:operate:${OPERATE},viewer:read:${READ},burst:read:${BURST}`;
const RATE_LIMIT = 25;

// Response bodies are whatever the API sent; the assertions below are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface Client {
  readonly baseUrl: string;
  req(method: string, path: string, options?: { key?: string | null; bearer?: string; body?: unknown }): Promise<{ status: number; body: Body; headers: Headers }>;
}

function client(baseUrl: string): Client {
  return {
    baseUrl,
    async req(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.key) headers['x-api-key'] = options.key;
      if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
      const text = await res.text();
      let body: Body = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (/metrics)
      }
      return { status: res.status, body, headers: res.headers };
    },
  };
}

const HARNESS = `
const root = process.env.TM_ROOT;
const { readFileSync } = await import('node:fs');
const { loadConfig } = await import(root + 'dist/config/index.js');
const { createTraderApp } = await import(root + 'dist/apps/trader/src/bootstrap.js');
const { READINESS_SIGNALS } = await import(root + 'dist/apps/trader/src/health/readiness.js');
const config = loadConfig();
const app = await createTraderApp(config, { logger: ['error', 'warn'] });
app.get(READINESS_SIGNALS).push({
  name: 'redis',
  check: async () => ({ status: readFileSync(process.env.FAKE_SIGNAL_FILE, 'utf8').trim(), details: { pendingWrites: 3, lastError: 'connect ECONNREFUSED' } }),
});
await app.listen(config.http.port, config.http.host);
console.log('HARNESS READY');
`;

/** createTraderApp in a child node with a fake `redis` readiness signal whose status is the content of `signalFile`. */
async function startHarness(env: Record<string, string>, signalFile: string): Promise<{ baseUrl: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['--input-type=module', '-e', HARNESS], {
    cwd: ROOT,
    env: withoutEmpty({ ...process.env, ...env, TM_ROOT: ROOT, FAKE_SIGNAL_FILE: signalFile, TRADER_PORT: String(port), TRADER_HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('HARNESS READY')) {
    if (child.exitCode !== null) throw new Error(`harness exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`harness did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl: `http://127.0.0.1:${port}`, child, output: () => out };
}

/** An empty value means "not set": the config would reject an empty key. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('admin API (e2e, SQLite, createTraderApp in a child process)', () => {
  const db = tempSqlite();
  const dir = mkdtempSync(join(tmpdir(), 'tm-admin-'));
  const signalFile = join(dir, 'signal');
  let harness: Awaited<ReturnType<typeof startHarness>>;
  let api: Client;

  beforeAll(async () => {
    writeFileSync(signalFile, 'degraded');
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ rateLimit: { limit: RATE_LIMIT, ttlMs: 60_000 } }));
    harness = await startHarness({ DATABASE_URL: db.url, TRADER_API_KEYS: KEYS, TRADER_API_KEY: LEGACY, TM_CONFIG: configFile, TM_DATA_DIR: DATA_DIR, TM_ARTIFACT_DIR: join(dir, 'artifacts') }, signalFile);
    api = client(harness.baseUrl);
  }, 60_000);

  afterAll(async () => {
    if (harness) await stopChild(harness.child);
    db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a key on every endpoint once keys are configured (401), never echoing the key', async () => {
    for (const [method, path] of [['GET', '/runs'], ['GET', '/status'], ['GET', '/models'], ['POST', '/runs'], ['PUT', '/trading-state']] as const) {
      const res = await api.req(method, path, method === 'GET' ? {} : { body: {} });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.body.message).toMatch(/missing API key/);
    }
    const wrong = 'not-a-key-but-long-enough-123';
    const res = await api.req('GET', '/runs', { key: wrong });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('invalid API key');
    expect(JSON.stringify(res.body)).not.toContain(wrong);
    expect((await api.req('GET', '/runs', { bearer: wrong })).status).toBe(401);
  });

  it('lets a read key GET but not mutate (403 naming the key and role), and an operate key do both', async () => {
    expect((await api.req('GET', '/runs', { key: READ })).status).toBe(200);
    expect((await api.req('GET', '/runs', { bearer: READ })).status).toBe(200);
    const denied = await api.req('POST', '/runs', { key: READ, body: {} });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe("API key 'viewer' has role 'read'; POST /runs needs 'operate'");
    expect(JSON.stringify(denied.body)).not.toContain(READ);
    expect((await api.req('PUT', '/trading-state', { key: READ, body: { state: 'HALTED', reason: 'drill' } })).status).toBe(403);
    expect((await api.req('POST', '/models/signal-BTCUSDT-PERP/rollback', { bearer: READ, body: { reason: 'drill' } })).status).toBe(403);

    // operate passes the guard: what answers is the endpoint itself
    expect((await api.req('GET', '/trading-state', { key: OPERATE })).body).toEqual({ running: 0, sessions: [] });
    const nothingRunning = await api.req('PUT', '/trading-state', { key: OPERATE, body: { state: 'HALTED', reason: 'drill' } });
    expect(nothingRunning.status).toBe(409);
    expect(nothingRunning.body.message).toMatch(/no run is running/);
    expect((await api.req('POST', '/runs/no-such-run/replay', { bearer: OPERATE, body: {} })).status).toBe(404);
    // the legacy TRADER_API_KEY is an operate key
    expect((await api.req('POST', '/runs/no-such-run/breaker/trip', { key: LEGACY, body: { reason: 'drill' } })).status).toBe(404);
  });

  it('rejects invalid input with 400 listing every field', async () => {
    const res = await api.req('POST', '/runs', { key: OPERATE, body: { interval: '3h', from: 'yesterday', bogus: 1 } });
    expect(res.status).toBe(400);
    const fields = Object.fromEntries(res.body.fields.map((f: { field: string; errors: string[] }) => [f.field, f.errors.join('; ')]));
    expect(fields.interval).toMatch(/interval must be one of the following values/);
    expect(fields.from).toMatch(/from must be a date YYYY-MM-DD/);
    expect(fields.bogus).toMatch(/property bogus should not exist/);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/interval must be/)]));

    const limit = await api.req('GET', '/runs?limit=0', { key: READ });
    expect(limit.status).toBe(400);
    expect(limit.body.fields.map((f: { field: string }) => f.field)).toEqual(['limit']);
    expect((await api.req('GET', '/models?stage=Bogus', { key: READ })).body.fields[0].field).toBe('stage');
    const version = await api.req('POST', '/models/signal-BTCUSDT-PERP/versions/abc/promote', { key: OPERATE, body: { reason: 'a good reason' } });
    expect(version.status).toBe(400);
    expect(version.body.fields.map((f: { field: string }) => f.field)).toEqual(['version']);
    const reason = await api.req('POST', '/models/signal-BTCUSDT-PERP/versions/1/promote', { key: OPERATE, body: { reason: 'x' } });
    expect(reason.status).toBe(400);
    expect(reason.body.fields).toEqual([{ field: 'reason', errors: ['reason must be 3 to 200 characters on one line'] }]);
    const state = await api.req('PUT', '/trading-state', { key: OPERATE, body: { state: 'PAUSED' } });
    expect(state.status).toBe(400);
    expect(state.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['reason', 'state']);
  });

  it('answers 404 for unknown runs and models', async () => {
    for (const path of ['/runs/no-such-run', '/runs/no-such-run/orders', '/runs/no-such-run/events', '/runs/no-such-run/breaker', '/models/no-such-model']) {
      const res = await api.req('GET', path, { key: READ });
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect((await api.req('POST', '/models/no-such-model/versions/1/promote', { key: OPERATE, body: { reason: 'drill' } })).status).toBe(404);
  });

  it('reports readiness per component: a degraded signal keeps it ready (200, degraded), a down one does not (503)', async () => {
    const ready = await api.req('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.info).toMatchObject({
      shutdown: { status: 'up' },
      store: { status: 'up' },
      config: { status: 'up' },
      models: { status: 'up', state: 'disabled' },
      marketData: { status: 'up', state: 'disabled' },
      breaker: { status: 'up' },
      redis: { status: 'degraded', pendingWrites: 3, lastError: 'connect ECONNREFUSED' },
    });
    const status = await api.req('GET', '/status', { key: READ });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ version: '0.1.0', mode: 'backtest', draining: false, runs: { active: 0 }, components: { redis: { status: 'degraded' }, store: { status: 'up' } } });
    expect(status.body.uptimeSeconds).toBeGreaterThanOrEqual(0);

    writeFileSync(signalFile, 'down');
    const down = await api.req('GET', '/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error.redis.status).toBe('down');
    writeFileSync(signalFile, 'up');
    expect((await api.req('GET', '/health/ready')).body.status).toBe('ok');
    expect((await api.req('GET', '/health/live')).body.info.eventLoop.status).toBe('up');
  });

  it('publishes every route in OpenAPI with a typed response, its errors and its security requirement', async () => {
    const spec = (await api.req('GET', '/docs-json')).body;
    const routes = {
      '/runs': ['get', 'post'],
      '/runs/{runId}': ['get'],
      '/runs/{runId}/positions': ['get'],
      '/runs/{runId}/orders': ['get'],
      '/runs/{runId}/events': ['get'],
      '/runs/{runId}/decisions': ['get'],
      '/runs/{runId}/breaker': ['get'],
      '/runs/{runId}/session': ['get'],
      '/features/{instrumentId}': ['get'],
      '/runs/{runId}/breaker/trip': ['post'],
      '/runs/{runId}/breaker/reset': ['post'],
      '/runs/{runId}/replay': ['post'],
      '/models': ['get'],
      '/models/{name}': ['get'],
      '/models/{name}/versions/{version}/promote': ['post'],
      '/models/{name}/rollback': ['post'],
      '/trading-state': ['get', 'put'],
      '/status': ['get'],
      '/health/live': ['get'],
      '/health/ready': ['get'],
    };
    // /metrics comes from the Prometheus module (text exposition format, no JSON schema): public like the probes.
    expect(Object.keys(spec.paths).filter((p) => p !== '/metrics').sort()).toEqual(Object.keys(routes).sort());
    expect(spec.paths['/metrics']?.get?.security).toBeUndefined();
    expect(spec.components.securitySchemes).toMatchObject({ 'api-key': { type: 'apiKey', in: 'header', name: 'x-api-key' }, bearer: { type: 'http', scheme: 'bearer' } });
    expect(spec.info.description).toMatch(/no key configured/i);
    for (const [path, methods] of Object.entries(routes)) {
      for (const method of methods) {
        const op = spec.paths[path][method];
        const label = `${method.toUpperCase()} ${path}`;
        expect([label, typeof op.summary]).toEqual([label, 'string']);
        const ok = Object.entries(op.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>).find(([code]) => code.startsWith('2'));
        expect([label, ok?.[1].content?.['application/json']?.schema !== undefined]).toEqual([label, true]);
        if (path.startsWith('/health')) {
          expect([label, op.security]).toEqual([label, undefined]);
          continue;
        }
        expect([label, op.security]).toEqual([label, [{ 'api-key': [] }, { bearer: [] }]]);
        const codes = Object.keys(op.responses);
        const expected = method === 'get' ? ['401', '403', '429'] : ['400', '401', '403', '429', '503'];
        expect([label, codes]).toEqual([label, expect.arrayContaining(expected)]);
        if (path.includes('{')) expect([label, codes]).toEqual([label, expect.arrayContaining(['404'])]);
      }
    }
    expect(Object.keys(spec.paths['/trading-state'].put.responses)).toContain('409');
    expect(Object.keys(spec.paths['/models/{name}/versions/{version}/promote'].post.responses)).toContain('409');
    expect(spec.components.schemas.ModelVersionDto.properties).toHaveProperty('stage');
  });

  // Last: it spends the burst key's budget (buckets are per key, so the other keys keep theirs).
  it('limits each key to config.rateLimit with 429 and Retry-After, but never the probes or /metrics', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<Client['req']>> | null = null;
    for (let i = 0; i < RATE_LIMIT + 1; i++) {
      const res = await api.req('GET', '/runs', { key: BURST });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses[RATE_LIMIT]).toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.req('GET', '/runs', { key: READ })).status).toBe(200);
    for (let i = 0; i < RATE_LIMIT + 5; i++) {
      expect((await api.req('GET', '/health/live')).status).toBe(200);
      expect((await api.req('GET', '/health/ready')).status).toBe(200);
      expect((await api.req('GET', '/metrics', { key: BURST })).status).toBe(200);
    }
  });
});

describe('admin API without any key configured (local use)', () => {
  const db = tempSqlite();
  const dir = mkdtempSync(join(tmpdir(), 'tm-admin-open-'));
  let harness: Awaited<ReturnType<typeof startHarness>>;

  beforeAll(async () => {
    writeFileSync(join(dir, 'signal'), 'disabled');
    harness = await startHarness({ DATABASE_URL: db.url, TRADER_API_KEYS: '', TRADER_API_KEY: '' }, join(dir, 'signal'));
  }, 60_000);

  afterAll(async () => {
    if (harness) await stopChild(harness.child);
    db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves GET endpoints without a key and refuses mutations with 403', async () => {
    const api = client(harness.baseUrl);
    expect((await api.req('GET', '/runs')).status).toBe(200);
    expect((await api.req('GET', '/status')).body.components.redis).toEqual({ status: 'disabled', details: { pendingWrites: 3, lastError: 'connect ECONNREFUSED' } });
    const post = await api.req('POST', '/runs', { body: {} });
    expect(post.status).toBe(403);
    expect(post.body.message).toMatch(/mutating endpoints are disabled: configure TRADER_API_KEYS/);
  });
});

/** A registered version whose artifact is really in the trader's artifact store. */
async function registerVersion(registry: ModelRegistry, artifacts: LocalArtifactStore, name: string, seed: number, put = true): Promise<ModelVersion> {
  const bytes = new TextEncoder().encode(`fake onnx model ${name} #${seed}`);
  const key = `models/${name}/${seed}.onnx`;
  const stored = put ? await artifacts.put(key, bytes) : { uri: artifacts.uriFor(key), sha256: 'a'.repeat(64), size: bytes.byteLength };
  return registry.register({
    name,
    kind: 'gbdt',
    params: { seed },
    metrics: { ic: 0.05 },
    dataRange: { fromMs: 1_700_000_000_000, toMs: 1_710_000_000_000 },
    features: ['ret_1', 'vol_24'],
    artifact: stored,
    gates: { promotable: true, reasons: ['walk-forward IC 0.05 >= 0.03'] },
  });
}

describe('admin API (e2e, PostgreSQL, real process): models and trading state', () => {
  const db = tempPostgresSchema('tm_admin');
  const dir = mkdtempSync(join(tmpdir(), 'tm-admin-pg-'));
  const artifactDir = join(dir, 'artifacts');
  let trader: TraderProcess;
  let api: Client;

  beforeAll(async () => {
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEYS: KEYS, TM_DATA_DIR: DATA_DIR, TM_ARTIFACT_DIR: artifactDir });
    api = client(trader.baseUrl);
  }, 60_000);

  afterAll(async () => {
    if (trader) await trader.stop('SIGKILL');
    await db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, promotes and rolls back a registered model through the API', async () => {
    const name = 'signal-BTCUSDT-PERP';
    const ctx = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url: db.url }), { logger: false });
    try {
      const registry = new ModelRegistry(ctx.get<ModelRegistryStore>(MODEL_REGISTRY_STORE));
      const artifacts = new LocalArtifactStore(artifactDir);
      for (const seed of [1, 2]) await registry.moveToStaging(name, (await registerVersion(registry, artifacts, name, seed)).version);
      await registry.moveToStaging(name, (await registerVersion(registry, artifacts, name, 3, false)).version);
    } finally {
      await ctx.close();
    }

    const listed = await api.req('GET', `/models?name=${name}&stage=Staging`, { key: READ });
    expect(listed.status).toBe(200);
    expect(listed.body.map((v: ModelVersion) => v.version)).toEqual([1, 2, 3]);
    expect(listed.body[0]).toMatchObject({ name, stage: 'Staging', kind: 'gbdt', gates: { promotable: true } });

    expect((await api.req('POST', `/models/${name}/versions/1/promote`, { key: READ, body: { reason: 'e2e' } })).status).toBe(403);
    const missingArtifact = await api.req('POST', `/models/${name}/versions/3/promote`, { key: OPERATE, body: { reason: 'e2e' } });
    expect(missingArtifact.status).toBe(409);
    expect(missingArtifact.body.message).toMatch(/is not in the artifact store/);
    expect((await api.req('POST', `/models/${name}/versions/99/promote`, { key: OPERATE, body: { reason: 'e2e' } })).status).toBe(404);

    const first = await api.req('POST', `/models/${name}/versions/1/promote`, { key: OPERATE, body: { reason: 'first release' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ promoted: { version: 1, stage: 'Production' }, archived: null });
    const again = await api.req('POST', `/models/${name}/versions/1/promote`, { key: OPERATE, body: { reason: 'again' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('REGISTRY.INVALID_TRANSITION');
    const second = await api.req('POST', `/models/${name}/versions/2/promote`, { bearer: OPERATE, body: { reason: 'better IC' } });
    expect(second.body).toMatchObject({ promoted: { version: 2, stage: 'Production' }, archived: { version: 1, stage: 'Archived' } });

    const detail = await api.req('GET', `/models/${name}`, { key: READ });
    expect(detail.body).toMatchObject({ name, production: { version: 2 }, rollbackTarget: { version: 1 } });
    expect(detail.body.history.at(-1)).toMatchObject({ version: 2, from: 'Staging', to: 'Production', action: 'promote', reason: 'operator: better IC' });

    const rolled = await api.req('POST', `/models/${name}/rollback`, { key: OPERATE, body: { reason: 'live IC collapsed' } });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ restored: { version: 1, stage: 'Production' }, archived: { version: 2, stage: 'Archived' } });
    expect((await api.req('GET', `/models?name=${name}&stage=Production`, { key: READ })).body.map((v: ModelVersion) => v.version)).toEqual([1]);
    const noTarget = await api.req('POST', `/models/${name}/rollback`, { key: OPERATE, body: { reason: 'again' } });
    expect(noTarget.status).toBe(409);
    expect(noTarget.body.code).toBe('REGISTRY.NO_ROLLBACK_TARGET');
  }, 60_000);

  it('sets the trading state of a running run through its risk engine and stores the change in the run', async () => {
    const started = await api.req('POST', '/runs', { key: OPERATE, body: { source: 'bybit', interval: '1h', from: '2024-01-01', to: '2024-07-01' } });
    expect(started.status).toBe(202);
    const runId: string = started.body.runId;
    const deadline = Date.now() + 60_000;
    let applied: Body = null;
    while (applied === null) {
      if (Date.now() > deadline) throw new Error(`could not act on ${runId} while it ran:\n${trader.output()}`);
      const res = await api.req('PUT', '/trading-state', { key: OPERATE, body: { state: 'REDUCING', reason: 'e2e drill', runId } });
      if (res.status === 200) applied = res.body;
      else {
        expect([404, 409]).toContain(res.status); // not created yet, or its stream not open yet
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(applied).toEqual({ state: 'REDUCING', reason: 'operator: e2e drill', applied: [{ runId, from: 'ACTIVE', to: 'REDUCING', changed: true }] });
    const view = await api.req('GET', '/trading-state', { key: READ });
    const status = await api.req('GET', '/status', { key: READ });
    const back = await api.req('PUT', '/trading-state', { key: OPERATE, body: { state: 'ACTIVE', reason: 'drill over' } });
    expect([200, 409]).toContain(back.status); // 409 only if the run finished in between
    if (view.body.running === 1) expect(view.body.sessions[0]).toMatchObject({ runId, mode: 'backtest', started: true, tradingState: 'REDUCING', breaker: { state: 'CLOSED' } });
    expect(status.body.runs.active).toBeGreaterThanOrEqual(status.body.sessions.length);

    for (;;) {
      const run = await api.req('GET', `/runs/${runId}`, { key: READ });
      if (run.body.status !== 'RUNNING' && !run.body.active) {
        expect(run.body.status).toBe('COMPLETED');
        break;
      }
      if (Date.now() > deadline + 60_000) throw new Error(`run ${runId} did not finish:\n${trader.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const changes = (await readRunEvents(db.url, runId)).filter((e) => e.type === 'risk.trading_state_changed').map((e) => JSON.parse(e.payload) as { to: string; reason: string });
    expect(changes[0]).toMatchObject({ to: 'REDUCING', reason: 'operator: e2e drill' });
    if (back.status === 200) expect(changes).toContainEqual(expect.objectContaining({ to: 'ACTIVE', reason: 'operator: drill over' }));
    expect((await api.req('PUT', '/trading-state', { key: OPERATE, body: { state: 'HALTED', reason: 'too late', runId } })).status).toBe(409);
    expect((await api.req('POST', `/runs/${runId}/replay`, { key: OPERATE, body: {} })).body.matches).toBe(true);
  }, 180_000);
});
