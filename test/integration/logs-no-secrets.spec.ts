import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DATA_DIR, tempPostgresSchema } from '../support/databases.js';
import { freePort, startTrader, type TraderProcess } from '../support/trader-process.js';

const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;
const LEGACY_KEY = secret('legacy-operate');
const OPS_KEY = secret('ops-operate');
const READ_KEY = secret('viewer-read');
const AWS_SECRET = `aws/${randomBytes(15).toString('base64url')}`;
const PG_PASSWORD = secret('pg-pass');
const REDIS_PASSWORD = secret('redis-pass');
const SECRETS = [LEGACY_KEY, OPS_KEY, READ_KEY, AWS_SECRET, PG_PASSWORD, REDIS_PASSWORD];

interface LogLine {
  readonly service?: unknown;
  readonly level?: unknown;
  readonly time?: unknown;
  readonly msg?: unknown;
  readonly context?: unknown;
  readonly correlationId?: unknown;
  readonly runId?: unknown;
  readonly strategy?: unknown;
  readonly req?: { readonly method?: string; readonly url?: string };
  readonly res?: { readonly statusCode?: number };
}

/** A private Redis that requires a password (the shared one on 6379 has none and must not be touched). */
async function startRedis(password: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  const { createConnection } = await import('node:net');
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The built trader runs with real secrets in its environment (API keys, an S3 secret, a Postgres
 * URL and a Redis URL with passwords, both servers real); requests carry keys in headers, fail
 * auth, and start a backtest. Every output line must be a JSON log line, request lines must carry
 * the correlation id echoed to the client, and no secret may appear in the output or in the
 * run's stored events and record.
 */
describe('trader logs: JSON lines, correlation ids, no secrets', () => {
  const schema = tempPostgresSchema('tm_logs');
  let redis: { port: number; stop: () => Promise<void> };
  let trader: TraderProcess;

  beforeAll(async () => {
    redis = await startRedis(REDIS_PASSWORD);
    const databaseUrl = schema.url.replace('postgres://postgres@', `postgres://postgres:${PG_PASSWORD}@`);
    trader = await startTrader({
      NODE_OPTIONS: '',
      DATABASE_URL: databaseUrl,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0`,
      TRADER_API_KEY: LEGACY_KEY,
      TRADER_API_KEYS: `ops:operate:${OPS_KEY},viewer:read:${READ_KEY}`,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      TM_DATA_DIR: DATA_DIR,
      TM_SERVICE_NAME: 'trader-logs-test',
      LOG_LEVEL: 'info',
    });
  }, 45_000);

  afterAll(async () => {
    await trader?.stop();
    await redis?.stop();
    await schema.dispose();
  });

  it('writes one JSON line per log and never a secret, through auth failures and a backtest', async () => {
    const base = trader.baseUrl;
    const json = { 'content-type': 'application/json' };

    // Failing auth: a wrong key, a missing key, a read key on an operate endpoint.
    expect((await fetch(`${base}/runs`, { method: 'POST', headers: { ...json, 'x-api-key': 'definitely-not-a-valid-key' }, body: '{}' })).status).toBe(401);
    expect((await fetch(`${base}/runs`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    expect([401, 403]).toContain((await fetch(`${base}/runs`, { method: 'POST', headers: { ...json, 'x-api-key': READ_KEY }, body: '{}' })).status);
    // A secret where it has no business being: in the path and the query string (the serializer net must catch it).
    await fetch(`${base}/runs/${OPS_KEY}/events?token=${LEGACY_KEY}`, { headers: { authorization: `Bearer ${READ_KEY}` } });

    // Correlation: an incoming id is honoured and echoed; without one, a fresh id is echoed.
    const mine = `corr-${randomBytes(6).toString('hex')}`;
    const listed = await fetch(`${base}/runs`, { headers: { 'x-api-key': READ_KEY, 'x-correlation-id': mine } });
    expect(listed.headers.get('x-correlation-id')).toBe(mine);
    const started = await fetch(`${base}/runs`, { method: 'POST', headers: { ...json, authorization: `Bearer ${OPS_KEY}` }, body: JSON.stringify({ source: 'bybit', from: '2024-02-01', to: '2024-03-01' }) });
    expect(started.status).toBe(202);
    const startCorrelation = started.headers.get('x-correlation-id');
    expect(startCorrelation).toMatch(/^[0-9a-f-]{36}$/);
    const { runId } = (await started.json()) as { runId: string };

    let record: { status?: string } = {};
    const deadline = Date.now() + 40_000;
    while (record.status !== 'COMPLETED' && record.status !== 'FAILED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(`${base}/runs/${runId}`, { headers: { 'x-api-key': LEGACY_KEY } });
      record = res.ok ? ((await res.json()) as { status?: string }) : {};
    }
    expect(record.status).toBe('COMPLETED');

    // The stored events and the run record hold no secret either.
    let stored = JSON.stringify(record);
    let after = 0;
    for (;;) {
      const res = await fetch(`${base}/runs/${runId}/events?after=${after}&limit=5000`, { headers: { 'x-api-key': READ_KEY } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as unknown;
      const events = (Array.isArray(body) ? body : ((body as { events?: unknown[]; items?: unknown[] }).events ?? (body as { items?: unknown[] }).items ?? [])) as Array<{ streamSeq?: number }>;
      stored += JSON.stringify(body);
      if (events.length === 0) break;
      const last = events[events.length - 1]!.streamSeq;
      if (typeof last !== 'number' || last <= after) break;
      after = last;
    }
    expect(after).toBeGreaterThan(10);

    await trader.stop();
    const output = trader.output();
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const entries = lines.map((line) => {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
      expect(entry.service).toBe('trader-logs-test');
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(entry.level);
      expect(Number.isNaN(Date.parse(String(entry.time)))).toBe(false);
      expect(typeof entry.msg).toBe('string');
      return entry;
    });

    const requests = entries.filter((e) => e.req !== undefined);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const e of requests) expect(typeof e.correlationId).toBe('string');
    expect(requests.find((e) => e.correlationId === mine)?.req?.url).toBe('/runs');
    const startLine = requests.find((e) => e.correlationId === startCorrelation);
    expect(startLine?.res?.statusCode).toBe(202);
    // The run's own lines carry its run id and the correlation id of the request that started it.
    const runLines = entries.filter((e) => e.runId === runId);
    expect(runLines.length).toBeGreaterThan(0);
    expect(runLines.every((e) => e.correlationId === startCorrelation)).toBe(true);
    expect(runLines.every((e) => e.strategy === 'vol-target-trend')).toBe(true);
    // Failed auth is logged as a warning.
    expect(requests.filter((e) => e.res?.statusCode === 401).every((e) => e.level === 'warn')).toBe(true);

    for (const value of SECRETS) {
      for (const form of [value, encodeURIComponent(value)]) {
        expect({ where: 'log output', found: output.includes(form) }).toEqual({ where: 'log output', found: false });
        expect({ where: 'stored events', found: stored.includes(form) }).toEqual({ where: 'stored events', found: false });
      }
    }
  }, 60_000);
});
