import { NestFactory } from '@nestjs/core';
import { RUN_REPOSITORY, type RunRecord, type RunRepository } from '@lib/kernel';
import { PersistenceModule } from '@lib/persistence';
import { DATA_DIR, tempPostgresSchema } from '../support/databases.js';
import { readRunEvents } from '../support/read-events.js';
import { startTrader, type TraderProcess } from '../support/trader-process.js';

/*
 * Graceful shutdown of the real process. PostgreSQL: its I/O yields to the event loop while a
 * backtest runs, so the signal and the HTTP calls are served mid-run (better-sqlite3 is
 * synchronous and would hold them until the run ends).
 */

const API_KEY = 'shutdown-e2e-key-0123456789';

async function runRecord(databaseUrl: string, runId: string): Promise<RunRecord | null> {
  const ctx = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url: databaseUrl }), { logger: false });
  try {
    return await ctx.get<RunRepository>(RUN_REPOSITORY).get(runId);
  } finally {
    await ctx.close();
  }
}

function exitOf(trader: TraderProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (trader.child.exitCode !== null) return resolve(trader.child.exitCode);
    trader.child.once('exit', (code) => resolve(code));
  });
}

async function startRun(trader: TraderProcess, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${trader.baseUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

/** Waits until the run trades in its own stream (its session is started), so the signal lands mid-run. */
async function waitUntilTrading(trader: TraderProcess, runId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${trader.baseUrl}/trading-state`, { headers: { 'x-api-key': API_KEY } });
    const view = (await res.json()) as { sessions: Array<{ runId: string; started: boolean }> };
    if (view.sessions.some((s) => s.runId === runId && s.started)) return;
    if (Date.now() > deadline) throw new Error(`run ${runId} never started trading:\n${trader.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('graceful shutdown (e2e, PostgreSQL, real process)', () => {
  const db = tempPostgresSchema('tm_shutdown');
  let trader: TraderProcess | undefined;

  afterEach(async () => {
    if (trader) await trader.stop('SIGKILL');
    trader = undefined;
  });

  afterAll(async () => {
    await db.dispose();
  });

  it('on SIGTERM refuses new work with 503, goes unready, lets the run finish with every event stored, and exits 0', async () => {
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR, TRADER_SHUTDOWN_GRACE_MS: '120000' });
    const runId = await startRun(trader, { source: 'bybit', interval: '1h', from: '2024-01-01', to: '2024-07-01' });
    await waitUntilTrading(trader, runId);
    const exited = exitOf(trader);
    const signalledAt = Date.now();
    trader.child.kill('SIGTERM');

    // The signal reaches the process asynchronously: readiness going down is the sign it did.
    let ready = await fetch(`${trader.baseUrl}/health/ready`);
    while (ready.status === 200 && Date.now() - signalledAt < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
      ready = await fetch(`${trader.baseUrl}/health/ready`);
    }
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: Record<string, { status: string; draining: boolean }> }).error.shutdown).toMatchObject({ status: 'down', draining: true });
    const refused = await fetch(`${trader.baseUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: '{}' });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { message: string }).message).toMatch(/shutting down/);
    // reads still answer while draining, and the run was still going when the signal came
    const during = await fetch(`${trader.baseUrl}/runs/${runId}`, { headers: { 'x-api-key': API_KEY } });
    expect(during.status).toBe(200);

    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(120_000);
    expect(trader.output()).toMatch(/phase 1\/4 drain[\s\S]*phase 2\/4[\s\S]*phase 3\/4 close[\s\S]*phase 4\/4 exit/);

    const record = await runRecord(db.url, runId);
    expect(record?.status).toBe('COMPLETED');
    const events = await readRunEvents(db.url, runId);
    expect(events.length).toBe((record!.summary as { events: number }).events);
    expect(events.at(-1)?.type).toBe('run.completed');
  }, 240_000);

  it('when the grace period elapses, marks the run in flight as interrupted and exits 1', async () => {
    trader = await startTrader({ DATABASE_URL: db.url, TRADER_API_KEY: API_KEY, TM_DATA_DIR: DATA_DIR, TRADER_SHUTDOWN_GRACE_MS: '300' });
    // All the Bybit 1h history for three instruments: far longer than 300 ms.
    const runId = await startRun(trader, { source: 'bybit', interval: '1h' });
    await waitUntilTrading(trader, runId);
    const exited = exitOf(trader);
    trader.child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(trader.output()).toMatch(/grace period of 300 ms elapsed/);

    const record = await runRecord(db.url, runId);
    expect(record).not.toBeNull();
    expect(record!.status).toBe('FAILED');
    expect(record!.error).toMatch(/^interrupted: /);
    expect(record!.summary).toBeNull();
  }, 120_000);
});
